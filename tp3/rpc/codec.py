"""The server's message codec: protobuf, plus two things grpclib's ProtoCodec lacks.

- A request that isn't a valid message is the client's mistake: INVALID_ARGUMENT saying so,
  not the UNKNOWN "Internal Server Error" grpclib reports for any decoding failure.
- A response may be `PreEncoded`: bytes serialized once and sent as they are, so that one chat
  event going to a thousand members is encoded once, not a thousand times.
"""

from dataclasses import dataclass
from typing import Any

from grpclib.const import Status
from grpclib.encoding.proto import ProtoCodec
from grpclib.exceptions import GRPCError

__all__ = ["PreEncoded", "ServerCodec"]


@dataclass(frozen=True, slots=True)
class PreEncoded:
    """A response message already serialized."""

    data: bytes


class ServerCodec(ProtoCodec):
    def encode(self, message: Any, message_type: Any) -> bytes:
        if isinstance(message, PreEncoded):
            return message.data
        return super().encode(message, message_type)

    def decode(self, data: bytes, message_type: Any) -> Any:
        try:
            return super().decode(data, message_type)
        except Exception as error:
            raise GRPCError(
                Status.INVALID_ARGUMENT,
                f"cannot decode the request as {message_type.__name__}: {error}",
            ) from None
