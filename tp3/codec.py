"""The server's message codec: protobuf, with undecodable requests reported as bad input.

grpclib's ProtoCodec lets a decoding failure escape as an application error, which the client
sees as UNKNOWN "Internal Server Error". A request that isn't a valid message is the client's
mistake: INVALID_ARGUMENT, saying so.
"""

from typing import Any

from grpclib.const import Status
from grpclib.encoding.proto import ProtoCodec
from grpclib.exceptions import GRPCError

__all__ = ["RequestCodec"]


class RequestCodec(ProtoCodec):
    def decode(self, data: bytes, message_type: Any) -> Any:
        try:
            return super().decode(data, message_type)
        except Exception as error:
            raise GRPCError(
                Status.INVALID_ARGUMENT,
                f"cannot decode the request as {message_type.__name__}: {error}",
            ) from None
