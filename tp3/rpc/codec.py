"""The server's message codec: protobuf, with what grpclib's ProtoCodec lacks.

- A request that isn't a valid message is the client's mistake: INVALID_ARGUMENT saying so,
  not the UNKNOWN "Internal Server Error" grpclib reports for any decoding failure.
- betterproto2 checks neither wire types nor lengths: a string field sent as a varint
  decoded to an int, a truncated field to a shorter string. Requests for tp3's own services
  are parsed by protobuf's own (upb) parser, and reach the services as betterproto2 messages
  (`tp3.rpc.upb.from_upb`): fields of the wrong wire type dropped as unknown, as the
  protobuf spec says.
- A response may be `PreEncoded`: bytes serialized once and sent as they are, so that one chat
  event going to a thousand members is encoded once, not a thousand times.
- Responses are serialized by protobuf's own classes too (`tp3.rpc.upb`), 10-15 times faster
  than betterproto2's encoder, to the same bytes.
"""

from dataclasses import dataclass
from typing import Any

import betterproto2
from grpclib.const import Status
from grpclib.encoding.proto import ProtoCodec
from grpclib.exceptions import GRPCError

from tp3.rpc.upb import from_upb, serialize, upb_class

__all__ = ["PreEncoded", "ServerCodec", "message_field"]


@dataclass(frozen=True, slots=True)
class PreEncoded:
    """A response message already serialized."""

    data: bytes


def message_field(number: int, data: bytes) -> bytes:
    """Field `number` holding the serialized message `data`, on the wire: appended to a
    serialized message, it sets that field (or adds one entry to it, if repeated), so that
    responses can be spliced from parts serialized once."""
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class ServerCodec(ProtoCodec):
    def encode(self, message: Any, message_type: Any) -> bytes:
        if isinstance(message, PreEncoded):
            return message.data
        if isinstance(message, betterproto2.Message) and isinstance(message, message_type):
            return serialize(message)
        return super().encode(message, message_type)  # protobuf's own (health), or a type error

    def decode(self, data: bytes, message_type: Any) -> Any:
        try:
            if issubclass(message_type, betterproto2.Message):
                checked = upb_class(message_type).FromString(data)
                checked.DiscardUnknownFields()
                return from_upb(message_type, checked)
            return super().decode(data, message_type)
        except Exception as error:
            raise GRPCError(
                Status.INVALID_ARGUMENT,
                f"cannot decode the request as {message_type.__name__}: {error}",
            ) from None
