"""Limits and refusals below the handlers, probed with bare HTTP/2 on loopback.

Each case ends by checking that the server still answers a canary Convert correctly."""

import asyncio
import contextlib
import gc
import logging
import weakref
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import h2.errors
import pytest
from raw_h2 import CONVERT, RawH2, canary, convert_body, grpc_frame
from support import eventually

from tp3.client import AsyncTp3Client, Tp3RpcError
from tp3.generated.tp3.currency import v1 as currency_pb
from tp3.rpc.http2 import BatchedWrites, _LoopPass
from tp3.rpc.limits import RpcLimits
from tp3.server import ServerConfig, Tp3Server

OK, DEADLINE_EXCEEDED, UNIMPLEMENTED, RESOURCE_EXHAUSTED, INTERNAL = 0, 4, 12, 8, 13
SECOND = timedelta(seconds=1)
QUOTES = bytes(
    currency_pb.StreamQuotesRequest(
        base_currency="EUR", quote_currency="USD", count=1000, interval=SECOND / 100
    )
)
IDLE_TIMEOUT = 0.5
LIMITS = RpcLimits(
    max_message_size=64 * 1024,
    max_streams_per_connection=10,
    max_connections_per_client=4,
    max_streams_per_client=30,
    max_client_streams=3,
    handshake_timeout=0.5,
    idle_timeout=IDLE_TIMEOUT,
)


@pytest.fixture
async def server() -> AsyncIterator[Tp3Server]:
    config = ServerConfig(host="127.0.0.1", port=0, seed=1, limits=LIMITS)
    async with Tp3Server(config) as running:
        yield running


async def assert_serving(server: Tp3Server, source: str = "127.0.0.1") -> None:
    await canary(server.port or 0, source)


async def test_a_message_is_refused_on_its_declared_length_before_it_is_read(
    server: Tp3Server,
) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        # declares 1 GiB, sends 100 bytes, then waits: once held open forever
        lying = raw.request(CONVERT, grpc_frame(b"x" * 100, declared=2**30), end=False)
        reply = await raw.reply(lying)
        assert reply.status == RESOURCE_EXHAUSTED
        assert "1073741824 bytes" in reply.message
        assert f"limit is {LIMITS.max_message_size}" in reply.message
        # the connection and its other streams go on
        fine = await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())))
        assert fine.status == OK
    finally:
        await raw.close()
    await assert_serving(server)


async def test_a_message_over_the_limit_from_a_real_client(server: Tp3Server) -> None:
    async with AsyncTp3Client(f"127.0.0.1:{server.port}") as client:
        with pytest.raises(Tp3RpcError) as caught:
            await client.currency.convert("1" * (100 * 1024), "EUR", "USD")
        assert caught.value.status.value == RESOURCE_EXHAUSTED
        assert "message too large" in caught.value.message
        assert (await client.currency.convert("6500", "MAD", "USD")).converted_amount


async def test_a_compressed_message_without_an_encoding_is_internal(server: Tp3Server) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        reply = await raw.reply(raw.request(CONVERT, grpc_frame(b"", compressed=True)))
        assert reply.status == INTERNAL
        assert "compressed" in reply.message
    finally:
        await raw.close()
    await assert_serving(server)


async def test_a_declared_encoding_is_unimplemented(server: Tp3Server) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        stream = raw.request(
            CONVERT, grpc_frame(convert_body(), compressed=True), extra=[("grpc-encoding", "gzip")]
        )
        reply = await raw.reply(stream)
        assert reply.status == UNIMPLEMENTED
        assert "gzip" in reply.message
        assert reply.headers.get("grpc-accept-encoding") == "identity"
    finally:
        await raw.close()


async def test_a_deadline_expired_on_arrival_is_deadline_exceeded_without_a_traceback(
    server: Tp3Server, caplog: pytest.LogCaptureFixture
) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        with caplog.at_level(logging.INFO):
            stream = raw.request(
                CONVERT, grpc_frame(convert_body()), extra=[("grpc-timeout", "0n")]
            )
            reply = await raw.reply(stream)
        assert reply.status == DEADLINE_EXCEEDED
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert any("deadline expired" in r.getMessage() for r in caplog.records)  # logged
    finally:
        await raw.close()


async def test_an_unknown_method_is_unimplemented_and_logged(
    server: Tp3Server, caplog: pytest.LogCaptureFixture
) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        with caplog.at_level(logging.INFO, logger="tp3.rpc"):
            reply = await raw.reply(raw.request("/tp3.Nope/Nothing", grpc_frame(b"")))
        assert reply.status == UNIMPLEMENTED
        assert any("/tp3.Nope/Nothing" in r.getMessage() for r in caplog.records)
    finally:
        await raw.close()


async def test_a_service_not_served_is_unimplemented_with_what_is_served() -> None:
    """grpclib's own answer to an unknown method has no content-type: its client read it as
    UNKNOWN "Missing content-type header"."""
    only_currency = ServerConfig(host="127.0.0.1", port=0, services=frozenset({"currency"}))
    async with Tp3Server(only_currency) as server:
        async with AsyncTp3Client(f"127.0.0.1:{server.port}") as client:
            with pytest.raises(Tp3RpcError) as chat:
                await client.chat.list_rooms()
        raw = await RawH2().connect(server.port or 0)
        try:
            no_method = await raw.reply(raw.request(CONVERT.replace("Convert", "Nope"), b""))
        finally:
            await raw.close()
    assert chat.value.status.value == UNIMPLEMENTED
    assert "does not serve 'tp3.chat.v1.ChatService'" in chat.value.message
    assert "tp3.currency.v1.CurrencyService" in chat.value.message  # what it serves
    assert no_method.status == UNIMPLEMENTED
    assert no_method.message == "service tp3.currency.v1.CurrencyService has no method 'Nope'"
    assert no_method.headers["content-type"].startswith("application/grpc")


async def test_one_stream_too_many_is_refused_alone(server: Tp3Server) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        limit = LIMITS.max_streams_per_connection
        # opened but not finished: each holds its stream
        held = [raw.request(CONVERT, grpc_frame(convert_body()), end=False) for _ in range(limit)]
        # this client ignores the advertised limit on purpose
        raw.h2.remote_settings.max_concurrent_streams = 1000
        extra = raw.request(CONVERT, grpc_frame(convert_body()))
        refused = await raw.reply(extra)
        assert refused.reset == h2.errors.ErrorCodes.REFUSED_STREAM
        assert raw.goaway is None
        for stream_id in held:
            raw.h2.end_stream(stream_id)
        raw.flush()
        for stream_id in held:
            assert (await raw.reply(stream_id)).status == OK
        # a new stream on the same connection is served
        assert (await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())))).status == OK
    finally:
        await raw.close()


async def test_the_stream_limit_is_advertised(server: Tp3Server) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())))
        limit = raw.h2.remote_settings.max_concurrent_streams
        assert limit == LIMITS.max_streams_per_connection
    finally:
        await raw.close()


async def test_an_incomplete_oversized_frame_is_refused_on_its_header(server: Tp3Server) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        # a DATA frame header declaring 16 MiB - 1 on stream 1, and only 10 bytes of it
        raw.write_raw((2**24 - 1).to_bytes(3, "big") + b"\x00\x00" + (1).to_bytes(4, "big"))
        raw.write_raw(b"\x00" * 10)
        async with asyncio.timeout(5):
            await raw.closed.wait()
        assert raw.goaway is not None
        assert raw.goaway.error_code == h2.errors.ErrorCodes.FRAME_SIZE_ERROR
    finally:
        await raw.close()
    await assert_serving(server)


async def test_a_connection_that_sends_no_request_is_closed(server: Tp3Server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        async with asyncio.timeout(LIMITS.handshake_timeout + 5):
            while await reader.read(65536):
                pass  # the server's SETTINGS, then the end
    finally:
        writer.close()
    await assert_serving(server)


async def test_an_idle_connection_is_sent_away(server: Tp3Server) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        assert (await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())))).status == OK
        async with asyncio.timeout(IDLE_TIMEOUT + 5):
            await raw.closed.wait()
        assert raw.goaway is not None
        assert raw.goaway.error_code == h2.errors.ErrorCodes.NO_ERROR
    finally:
        await raw.close()


@pytest.mark.slow
async def test_an_idle_client_reconnects_by_itself(server: Tp3Server) -> None:
    async with AsyncTp3Client(f"127.0.0.1:{server.port}") as client:
        await client.currency.convert("1", "EUR", "USD")
        await asyncio.sleep(IDLE_TIMEOUT * 3)  # the server sends it away meanwhile
        assert (await client.currency.convert("6500", "MAD", "USD")).converted_amount


async def test_connections_per_client_address_are_capped(server: Tp3Server) -> None:
    limit = LIMITS.max_connections_per_client
    held = [await RawH2().connect(server.port or 0) for _ in range(limit)]
    extra = await RawH2().connect(server.port or 0)
    try:
        async with asyncio.timeout(5):
            await extra.closed.wait()  # closed as it came
        # another address is not affected
        await assert_serving(server, source="127.0.0.2")
        for raw in held:  # nor are the connections already open
            assert (await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())))).status == OK
    finally:
        for raw in [*held, extra]:
            await raw.close()
    await asyncio.sleep(0.1)
    await assert_serving(server)  # their places are free again


async def test_streams_per_client_address_are_capped_before_any_handler(
    server: Tp3Server,
) -> None:
    """500 connections x 100 requests at once held 50,000 handlers (600 MB) just to refuse
    most of them: past its limit, a client's stream is refused at the HTTP/2 level."""
    raws = [await RawH2().connect(server.port or 0, source="127.0.0.5") for _ in range(3)]
    try:
        held = [  # headers only: each call waits for its request
            (raw, raw.request(CONVERT, None, end=False))
            for raw in raws
            for _ in range(LIMITS.max_streams_per_connection)
        ]
        assert len(held) == LIMITS.max_streams_per_client
        extra = await RawH2().connect(server.port or 0, source="127.0.0.5")
        raws.append(extra)
        refused = await extra.reply(extra.request(CONVERT, grpc_frame(convert_body())))
        assert refused.reset == h2.errors.ErrorCodes.REFUSED_STREAM
        await assert_serving(server)  # another address
        for raw, stream_id in held:
            raw.h2.send_data(stream_id, grpc_frame(convert_body()), end_stream=True)
            raw.flush()
        for raw, stream_id in held:
            assert (await raw.reply(stream_id)).status == OK
    finally:
        for raw in raws:
            await raw.close()


async def test_http1_gets_one_clear_answer(server: Tp3Server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        async with asyncio.timeout(5):
            answer = await reader.read()
        assert answer.startswith(b"HTTP/1.1 505")
        assert b"gRPC" in answer
    finally:
        writer.close()
    await assert_serving(server)


async def test_streams_per_service_and_client_are_capped(server: Tp3Server) -> None:
    async with AsyncTp3Client(f"127.0.0.1:{server.port}") as client:
        streams = [
            client.currency.quotes("EUR", "USD", count=1000, interval=SECOND)
            for _ in range(LIMITS.max_client_streams)
        ]
        for quotes in streams:
            await anext(quotes)
        with pytest.raises(Tp3RpcError) as caught:
            await anext(client.currency.quotes("EUR", "USD", count=10, interval=SECOND))
        assert caught.value.status.value == RESOURCE_EXHAUSTED
        assert f"at most {LIMITS.max_client_streams}" in caught.value.message
        # unary calls and another service are not counted
        assert (await client.currency.convert("6500", "MAD", "USD")).converted_amount
        async with client.chat.join("quota", "limits") as chat:
            assert chat.joined.name == "quota"
        for quotes in streams:
            await quotes.aclose()
        await asyncio.sleep(0.1)
        await anext(client.currency.quotes("EUR", "USD", count=1, interval=SECOND))


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="max_message_size"):
        replace(LIMITS, max_message_size=0)


async def test_calls_with_millisecond_deadlines_end_cleanly(
    server: Tp3Server, caplog: pytest.LogCaptureFixture
) -> None:
    """1 ms deadlines wrote "Timeout occurred" ERROR tracebacks (and UNKNOWN) when the
    deadline ran out before the handler started."""
    raws = [await RawH2().connect(server.port or 0) for _ in range(3)]
    try:
        statuses = set()
        with caplog.at_level(logging.INFO):
            for _ in range(30):  # 30 rounds of 10 calls on each of 3 connections
                streams = [
                    (raw, raw.request(CONVERT, grpc_frame(convert_body()), extra=[timeout]))
                    for raw in raws
                    for timeout in [("grpc-timeout", "1m"), ("grpc-timeout", "50u")] * 5
                ]
                statuses |= {(await raw.reply(stream)).status for raw, stream in streams}
        assert statuses <= {OK, DEADLINE_EXCEEDED}
        assert DEADLINE_EXCEEDED in statuses
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert not [r for r in caplog.records if "Timeout occurred" in r.getMessage()]
    finally:
        for raw in raws:
            await raw.close()
    await assert_serving(server)


async def test_a_deadline_ends_a_running_stream(server: Tp3Server) -> None:
    raw = await RawH2().connect(server.port or 0)
    try:
        path = "/tp3.currency.v1.CurrencyService/StreamQuotes"
        stream = raw.request(path, grpc_frame(QUOTES), extra=[("grpc-timeout", "300m")])
        reply = await raw.reply(stream)
    finally:
        await raw.close()
    assert reply.status == DEADLINE_EXCEEDED
    assert 5 < reply.data.count(b"EUR") < 100  # it ran, then was cut at 300 ms


@contextlib.asynccontextmanager
async def server_side_of_a_connection() -> AsyncIterator[
    tuple[asyncio.Transport, asyncio.StreamReader]
]:
    """A loopback connection: the server side's transport, and the client side's reader."""
    accepted: asyncio.Future[asyncio.Transport] = asyncio.get_running_loop().create_future()

    class Keep(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.Transport)  # a TCP one
            accepted.set_result(transport)

    server = await asyncio.get_running_loop().create_server(Keep, "127.0.0.1", 0)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    try:
        yield await asyncio.wait_for(accepted, 5), reader
    finally:
        writer.close()
        server.close()


async def test_writes_to_a_lost_connection_are_dropped_without_a_warning_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Closing 500 busy connections wrote 18,657 'socket.send() raised exception' warnings:
    handlers unwinding after the loss still wrote. The transport grpclib writes through
    drops those writes."""
    async with server_side_of_a_connection() as (transport, _):
        transport.abort()  # the connection is lost
        with caplog.at_level(logging.WARNING, logger="asyncio"):
            for _ in range(20):
                BatchedWrites(transport).write(b"trailers")
        assert not caplog.records
        with caplog.at_level(logging.WARNING, logger="asyncio"):
            for _ in range(20):
                transport.write(b"trailers")  # what asyncio does without it
        assert any("socket.send() raised exception" in r.getMessage() for r in caplog.records)


def sends_of(transport: asyncio.Transport) -> list[bytes]:
    """What is handed to the real transport from now on, write by write."""
    sends: list[bytes] = []
    real_write = transport.write

    def write(data: bytes | bytearray | memoryview) -> None:
        sends.append(bytes(data))
        real_write(data)

    transport.write = write  # type: ignore[method-assign]  # a spy on this one transport
    return sends


async def test_what_one_loop_pass_writes_goes_out_in_one_send() -> None:
    """grpclib writes a unary call's headers, message and trailers apart (three send()
    calls, ~12% of a loaded server's time); they leave together at the pass's end. A close
    sends what was written before it."""
    async with server_side_of_a_connection() as (transport, reader):
        sends = sends_of(transport)
        batched = BatchedWrites(transport)
        for part in (b"headers ", b"message ", b"trailers"):
            batched.write(part)
        assert sends == []  # not yet: the pass goes on
        await asyncio.sleep(0)
        assert sends == [b"headers message trailers"]
        batched.write(b" goaway")
        batched.close()
        assert sends[1:] == [b" goaway"]
        assert await asyncio.wait_for(reader.read(), 5) == b"headers message trailers goaway"


async def test_a_pass_that_writes_much_sends_before_it_ends() -> None:
    """A chat message to 1,000 members is 1,000 writes in one pass of the loop: waiting for
    the pass's end held the first copy back ~20 ms. Once the pass has written FLUSH_AT bytes,
    what every connection holds leaves."""
    async with server_side_of_a_connection() as (transport, reader):
        sends = sends_of(transport)
        batched = BatchedWrites(transport)
        copy, copies = b"x" * 1024, _LoopPass.FLUSH_AT // 1024
        for _ in range(copies - 1):
            batched.write(copy)
        assert sends == []
        batched.write(copy)
        assert sends == [copy * copies]  # before the pass's end
        batched.write(copy)
        await asyncio.sleep(0)
        assert sends[1:] == [copy]  # the rest, at its end
        batched.close()
        assert await asyncio.wait_for(reader.read(), 5) == copy * (copies + 1)


async def test_finished_handlers_are_freed_without_waiting_for_the_garbage_collector(
    server: Tp3Server,
) -> None:
    """A reference cycle through the call's context kept finished handlers (and their
    replies) alive until a full GC, and grpclib forgot finished tasks only every 10th
    connection: memory stayed high after cancelled calls."""
    before = set(asyncio.all_tasks())
    gc.disable()
    try:
        async with AsyncTp3Client(f"127.0.0.1:{server.port}") as client:
            streams = [
                client.currency.quotes("EUR", "USD", count=100, interval=SECOND / 100)
                for _ in range(LIMITS.max_client_streams)
            ]
            for quotes in streams:
                await anext(quotes)
            handlers = [weakref.ref(t) for t in asyncio.all_tasks() - before]
            assert len(handlers) >= len(streams)
            for quotes in streams:
                await quotes.aclose()  # cancelled by the client
            await eventually(lambda: not server.pipeline.live)
            await asyncio.sleep(0.05)
        alive = [t for ref in handlers if (t := ref()) is not None]
        assert not [t for t in alive if t.done()], alive
    finally:
        gc.enable()


async def test_streams_reset_at_once_are_released(server: Tp3Server) -> None:
    """A stream the client resets before its handler starts was never released (grpclib
    releases it in the handler's `finally`): 10,000 rapid resets kept 94 MB."""
    raw = await RawH2().connect(server.port or 0)
    try:
        for _ in range(500):  # one burst: the server reads them all before any handler runs
            stream_id = raw.request(CONVERT, grpc_frame(convert_body()), end=False)
            raw.h2.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        raw.flush()
        await asyncio.sleep(0.1)
        await eventually(lambda: not server.stats()["streams"])
        assert server.stats()["connections"] == 1
        assert (await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())))).status == OK
    finally:
        await raw.close()


async def test_a_closed_connection_is_forgotten_at_once(server: Tp3Server) -> None:
    """grpclib dropped closed connections' handlers only at every 10th new connection: until
    then, each one's whole HTTP/2 state stayed (66 MB for 300 busy connections)."""
    raws = [await RawH2().connect(server.port or 0) for _ in range(3)]
    for raw in raws:
        assert (await raw.reply(raw.request(CONVERT, grpc_frame(convert_body())))).status == OK
    protocols = [weakref.ref(p) for p in server._server._protocols]
    assert len(protocols) == 3
    for raw in raws:
        await raw.close()
    await eventually(lambda: not server.stats()["connections"])
    await asyncio.sleep(0.05)
    gc.collect()  # the protocol and its h2 state refer to each other
    assert [ref() for ref in protocols] == [None, None, None]


async def test_a_connection_whose_first_stream_is_refused_goes_on(server: Tp3Server) -> None:
    """Refused at the HTTP/2 level, a connection's very first stream left h2's connection
    state idle, and the DATA that followed killed the connection (PROTOCOL_ERROR)."""
    full = [await RawH2().connect(server.port or 0, source="127.0.0.6") for _ in range(3)]
    try:
        for raw in full:  # the address's 30 calls, waiting for their requests
            for _ in range(LIMITS.max_streams_per_connection):
                raw.request(CONVERT, None, end=False)
        fresh = await RawH2().connect(server.port or 0, source="127.0.0.6")
        full.append(fresh)
        refused = await fresh.reply(fresh.request(CONVERT, grpc_frame(convert_body())))
        assert refused.reset == h2.errors.ErrorCodes.REFUSED_STREAM
        await asyncio.sleep(0.1)
        assert fresh.goaway is None
        assert not fresh.closed.is_set()
    finally:
        for raw in full:
            await raw.close()
