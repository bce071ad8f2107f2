"""Malformed and odd requests get a client error, never UNKNOWN and a traceback.

betterproto2 checks neither wire types nor lengths, grpclib reports any decoding failure as
UNKNOWN, and the domain must refuse any value the wire can carry. Probed with bare HTTP/2."""

import logging
import os
import struct
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import ServerProcess, start_server_process
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from raw_h2 import CONVERT, BlockingH2, RawH2, grpc_frame

from tp3.client import AsyncTp3Client, Tp3RpcError
from tp3.rpc.reflection import ReflectionPool
from tp3.rpc.status import MAX_STATUS_MESSAGE, bounded_message
from tp3.server import Tp3Server

OK, INVALID_ARGUMENT, UNKNOWN, INTERNAL = 0, 3, 2, 13
POOL = ReflectionPool()
SERVICES = [
    "tp3.currency.v1.CurrencyService",
    "tp3.chat.v1.ChatService",
    "tp3.game.v1.GuessingGame",
]
LONG_STREAMS = {"StreamQuotes", "Watch"}  # answered message by message, for long


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"\x08\x05", INVALID_ARGUMENT),  # from_currency (a string) sent as a varint
        (b"\x0f", INVALID_ARGUMENT),  # field 1, wire type 7: no such wire type
        (b"\x0a\x05MA", INVALID_ARGUMENT),  # a 5-byte string with 2 bytes
        (b"\x1a\x03\xff\xfe\xfd", INVALID_ARGUMENT),  # amount: not UTF-8
    ],
)
async def test_malformed_messages_are_invalid_argument(
    server: Tp3Server, body: bytes, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        reply = await raw.reply(raw.request(CONVERT, grpc_frame(body)))
    finally:
        await raw.close()
    assert reply.status == status, reply.message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_field_of_the_wrong_wire_type_is_dropped_not_decoded_as_another_type(
    server: Tp3Server,
) -> None:
    """A varint where `from_currency` (a string) stands is an unknown field, as protobuf says:
    the request then lacks from_currency. betterproto2 alone made it the int 5."""
    raw = await RawH2().connect(server.port or 0)
    try:
        body = b"\x08\x05\x12\x03USD\x1a\x011"
        reply = await raw.reply(raw.request(CONVERT, grpc_frame(body)))
    finally:
        await raw.close()
    assert reply.status == INVALID_ARGUMENT
    assert reply.message.startswith("from_currency:")


@pytest.mark.parametrize("cut", [2, 7])  # inside the prefix, inside the body
async def test_a_stream_that_ends_inside_a_message_is_internal(server: Tp3Server, cut: int) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        frame = grpc_frame(b"\x0a\x03MAD\x12\x03USD\x1a\x011")
        reply = await raw.reply(raw.request(CONVERT, frame[:cut]))
    finally:
        await raw.close()
    assert reply.status == INTERNAL
    assert "ended inside a message" in reply.message


@pytest.mark.parametrize(
    ("call", "field", "unit"),
    [
        (lambda c: c.currency.convert("1", "é" * 3000, "USD"), "from_currency", "é"),
        (lambda c: c.currency.convert("1", "EUR", "ü" * 100_000), "to_currency", "ü"),
        (lambda c: c.chat.list_members("r" * 100_000), "room", "r"),
    ],
)
async def test_bad_input_is_quoted_not_echoed_whole(
    client: AsyncTp3Client,
    call: Any,
    field: str,
    unit: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """3,000 "é" as a currency code made 18 KB of trailers (grpcio then reported
    RESOURCE_EXHAUSTED); 100,000 characters made a 100 KB log line."""
    with caplog.at_level(logging.INFO, logger="tp3.rpc"), pytest.raises(Tp3RpcError) as caught:
        await call(client)
    assert caught.value.status.value == INVALID_ARGUMENT
    assert caught.value.message.startswith(f"{field}: ")
    assert len(caught.value.message) < 200
    assert unit * 41 not in caught.value.message
    assert max(len(r.getMessage()) for r in caplog.records) < 400


def test_any_status_message_is_bounded() -> None:
    assert bounded_message("short") == "short"
    long = bounded_message("x" * 10_000)
    assert len(long) < MAX_STATUS_MESSAGE + 40
    assert long.endswith("(10000 characters in all)")


# --- hypothesis: any well-formed message, for every method ---------------------------------


def _methods() -> Iterator[tuple[str, Descriptor, bool]]:
    for name in SERVICES:
        for method in POOL.FindServiceByName(name).methods:
            path = f"/{name}/{method.name}"
            yield path, method.input_type, method.name in LONG_STREAMS


METHODS = list(_methods())
_INTS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
}


def _value(field: FieldDescriptor, depth: int) -> st.SearchStrategy[object]:
    if field.type == FieldDescriptor.TYPE_STRING:
        return st.one_of(
            st.text(max_size=40), st.sampled_from(["MAD", "usd", "6500", "1E-9", "lobby", ""])
        )
    if field.type in _INTS:
        low, high = _INTS[field.type]
        return st.one_of(st.integers(low, high), st.integers(max(low, -3), 1100))
    if field.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if field.type == FieldDescriptor.TYPE_ENUM:
        return st.integers(-1, 5)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return _fields(field.message_type, depth + 1)
    raise AssertionError(f"no strategy for {field.full_name}")


def _fields(message: Descriptor, depth: int = 0) -> st.SearchStrategy[dict[str, object]]:
    if depth > 3:
        return st.just({})
    return st.fixed_dictionaries(
        {},
        optional={
            f.name: (st.lists(_value(f, depth), max_size=3) if f.is_repeated else _value(f, depth))
            for f in message.fields
        },
    )


def _encode(message: Descriptor, fields: dict[str, object]) -> bytes:
    cls = message_factory.GetMessageClass(message)
    instance = cls()
    _fill(instance, fields)
    return instance.SerializeToString()  # type: ignore[no-any-return]


def _fill(instance: object, fields: dict[str, object]) -> None:
    for name, value in fields.items():
        field = instance.DESCRIPTOR.fields_by_name[name]  # type: ignore[attr-defined]
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            targets = value if isinstance(value, list) else [value]
            for target in targets:
                sub = (
                    getattr(instance, name).add()
                    if isinstance(value, list)
                    else getattr(instance, name)
                )
                sub.SetInParent()
                _fill(sub, target)  # type: ignore[arg-type]
        elif isinstance(value, list):
            getattr(instance, name).extend(value)
        else:
            setattr(instance, name, value)


@pytest.fixture(scope="module")
def odd_server() -> Iterator[ServerProcess]:
    running = start_server_process("--seed", "1", "--game-rate", "100000")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def connection(odd_server: ServerProcess) -> Iterator[BlockingH2]:
    raw = BlockingH2(int(odd_server.target.rsplit(":", 1)[1]))
    raw.server_log = odd_server.log  # not the fixture: hypothesis would print its whole log
    yield raw
    raw.close()


CASES = st.sampled_from(METHODS).flatmap(lambda m: st.tuples(st.just(m), _fields(m[1])))


@settings(
    max_examples=int(os.environ.get("TP3_FUZZ_EXAMPLES", "300")),  # nox -s faults: 14,000
    deadline=None,
    database=None,  # examples depend on the server's state (rounds, rooms): don't replay them
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.slow
@given(case=CASES)
def test_no_well_formed_request_gets_unknown(
    connection: BlockingH2,
    case: tuple[tuple[str, Descriptor, bool], dict[str, object]],
) -> None:
    (path, message, long_stream), fields = case
    body = _encode(message, fields)
    frame = struct.pack(">?I", False, len(body)) + body
    reply = connection.call(path, frame, first_only=long_stream)
    assert reply.status != UNKNOWN, (path, fields, reply.message)
    assert reply.status is not None or reply.data, (path, fields, reply.headers)
    errors = [line for line in connection.server_log if "Traceback" in line or " ERROR " in line]
    assert not errors, (path, fields, errors[:3])
