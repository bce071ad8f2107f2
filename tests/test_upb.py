"""tp3.rpc.upb serializes every generated message to betterproto2's very bytes, and reads
back what protobuf parsed as betterproto2 does."""

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import betterproto2
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from tp3.generated.message_pool import default_message_pool
from tp3.generated.tp3.currency import v1 as cpb
from tp3.rpc import upb
from tp3.rpc.codec import MessageCodec, ServerCodec

MESSAGES = sorted(default_message_pool.type_to_url, key=lambda t: f"{t.__module__}.{t.__name__}")
BY_NAME = {upb.upb_class(t).DESCRIPTOR.full_name: t for t in MESSAGES}

SCALARS: dict[int, Any] = {
    FieldDescriptor.TYPE_STRING: "héllo, wörld",
    FieldDescriptor.TYPE_BYTES: b"\x00\xff",
    FieldDescriptor.TYPE_BOOL: True,
    FieldDescriptor.TYPE_INT32: -5,  # negative: ten bytes on the wire
    FieldDescriptor.TYPE_SINT32: -5,
    FieldDescriptor.TYPE_SFIXED32: -5,
    FieldDescriptor.TYPE_INT64: -(2**40),
    FieldDescriptor.TYPE_SINT64: -(2**40),
    FieldDescriptor.TYPE_SFIXED64: -(2**40),
    FieldDescriptor.TYPE_UINT32: 2**31,
    FieldDescriptor.TYPE_FIXED32: 2**31,
    FieldDescriptor.TYPE_UINT64: 2**63,
    FieldDescriptor.TYPE_FIXED64: 2**63,
    FieldDescriptor.TYPE_FLOAT: 1.5,
    FieldDescriptor.TYPE_DOUBLE: 0.1,
}
SPECIAL: dict[str, Any] = {
    "google.protobuf.Timestamp": datetime(2026, 12, 1, 5, 30, 1, 123456, tzinfo=UTC),
    "google.protobuf.Duration": timedelta(seconds=90, microseconds=5),
}


def value_of(field: FieldDescriptor, depth: int) -> Any:
    kind: Descriptor | None = field.message_type
    if kind is not None and kind.GetOptions().map_entry:
        key, value = kind.fields_by_name["key"], kind.fields_by_name["value"]
        return {one_of(key, depth): one_of(value, depth)}
    single = one_of(field, depth)
    return [single, single] if field.is_repeated else single


def one_of(field: FieldDescriptor, depth: int) -> Any:
    kind: Descriptor | None = field.message_type
    if kind is None:
        if field.type == FieldDescriptor.TYPE_ENUM:
            return field.enum_type.values[-1].number
        return SCALARS[field.type]
    if kind.full_name in SPECIAL:
        return SPECIAL[kind.full_name]
    return filled(BY_NAME[kind.full_name], depth + 1)[0]


def filled(message_type: type[betterproto2.Message], depth: int = 0) -> list[Any]:
    """Instances with every field set: one for each member of each oneof (the others unset),
    and one more with each proto3 `optional` set to its zero value (present, so sent)."""
    descriptor = upb.upb_class(message_type).DESCRIPTOR
    if depth > 3:
        return [message_type()]
    attribute = {  # by field number: betterproto2 names `from` `from_`, `currencyFrom`...
        a.metadata["betterproto"].number: a.name
        for a in dataclasses.fields(message_type)  # type: ignore[arg-type]
    }
    plain, choices, optionals = {}, [], {}
    for field in descriptor.fields:
        oneof, name = field.containing_oneof, attribute[field.number]
        if oneof is None:
            plain[name] = value_of(field, depth)
        elif len(oneof.fields) == 1 and field.has_presence and not field.message_type:
            plain[name] = value_of(field, depth)  # proto3 `optional`
            optionals[name] = type(plain[name])()
        else:
            choices.append(field)
    made = [message_type(**plain, **{attribute[f.number]: value_of(f, depth)}) for f in choices]
    made.append(message_type(**plain))
    if optionals:
        made.append(message_type(**{**plain, **optionals}))
    return made


@pytest.mark.parametrize("message_type", MESSAGES, ids=lambda t: t.__name__)
def test_every_message_serializes_to_betterproto2s_bytes(
    message_type: type[betterproto2.Message],
) -> None:
    for message in [message_type(), *filled(message_type)]:
        assert upb.serialize(message) == bytes(message), message


@pytest.mark.parametrize("message_type", MESSAGES, ids=lambda t: t.__name__)
def test_every_message_reads_back_as_betterproto2_parses_it(
    message_type: type[betterproto2.Message],
) -> None:
    for message in [message_type(), *filled(message_type)]:
        data = bytes(message)
        parsed = upb.upb_class(message_type).FromString(data)
        assert upb.from_upb(message_type, parsed) == message_type.FromString(data), message


@pytest.mark.parametrize(
    "message_type",
    [t for t in MESSAGES if not t.__module__.startswith("tp3.generated.google")],
    ids=lambda t: t.__name__,
)
def test_every_message_of_tp3s_contracts_goes_through_protobuf(
    message_type: type[betterproto2.Message],
) -> None:
    """None left to betterproto2's codec without notice: tp3's contracts use no shape this
    module does not map (google.protobuf's own types, never a tp3 message, map as far as
    tp3's messages need)."""
    assert upb._fields(message_type) is not None
    assert upb._readers(message_type) is not None


def test_a_message_holding_unknown_fields_keeps_them() -> None:
    message = cpb.ConvertRequest.FromString(bytes(cpb.ConvertRequest(amount="1")) + b"\xa0\x06\x01")
    assert upb.serialize(message) == bytes(message)
    assert upb.serialize(message).endswith(b"\xa0\x06\x01")


def test_each_field_is_set_in_the_samples() -> None:
    """The samples above really are full: no field left at its default."""
    sample = filled(cpb.ConvertResponse)[-1]
    assert all(getattr(sample, f.name) for f in dataclasses.fields(sample))


def test_the_clients_codec_leaves_what_protobuf_refuses_to_betterproto2_as_before() -> None:
    """A server's reply protobuf can't parse reads as it did before the client's codec went
    through protobuf (the server's codec refuses such a request: test_malformed.py)."""
    truncated = b"\x0a\x05MA"  # from_currency: a 5-byte string with 2 bytes
    decoded = MessageCodec().decode(truncated, cpb.ConvertResponse)
    assert decoded == cpb.ConvertResponse.FromString(truncated)
    assert decoded.from_currency == "MA"
    with pytest.raises(GRPCError) as refused:
        ServerCodec().decode(truncated, cpb.ConvertRequest)
    assert refused.value.status is Status.INVALID_ARGUMENT


def test_the_clients_codec_round_trips_every_message() -> None:
    codec = MessageCodec()
    for message_type in MESSAGES:
        for message in filled(message_type):
            data = codec.encode(message, message_type)
            assert data == bytes(message)
            assert codec.decode(data, message_type) == message_type.FromString(data)
