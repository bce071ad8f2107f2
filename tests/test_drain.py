"""Graceful drain: a stopping server refuses new calls, lets unary calls finish, tells every
session to reconnect after what was queued for it, ends streams with UNAVAILABLE and clean
trailers, sends GOAWAY, and exits 0 within its grace period; a second signal stops it at once.
"""

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from conftest import start_server_process
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError
from grpclib.health.v1.health_grpc import HealthStub
from grpclib.health.v1.health_pb2 import HealthCheckRequest, HealthCheckResponse
from raw_h2 import RawH2, convert_body, grpc_frame
from support import collect

from tp3.chat.events import RoomMessage
from tp3.client import AsyncTp3Client, Tp3RpcError
from tp3.mailbox import LeaveReason, Mailbox, MailboxClosed
from tp3.notice import Notice
from tp3.rpc.session import SHUTDOWN_NOTICE
from tp3.server import ServerConfig, Tp3Server

UNAVAILABLE = 14
REFUSAL = "server shutting down: try again in a moment"
WAIT = 10.0
PEER = Path(__file__).with_name("grpcio_peer.py")


async def until_the_end(session: AsyncIterable[Any]) -> tuple[list[Any], Tp3RpcError]:
    """Every event the session still gets, and the error that ends it."""
    events = []
    with pytest.raises(Tp3RpcError) as ended:
        async with asyncio.timeout(WAIT):
            async for event in session:
                events.append(event)
    return events, ended.value


async def test_a_drain_flushes_sessions_then_ends_every_stream_with_unavailable() -> None:
    server = Tp3Server(ServerConfig(host="127.0.0.1", port=0, grace=8))
    await server.start()
    assert server.port is not None
    target = f"127.0.0.1:{server.port}"
    async with AsyncExitStack() as stack:
        tp3 = await stack.enter_async_context(AsyncTp3Client(target, timeout=WAIT))
        members = [
            await stack.enter_async_context(tp3.chat.join(name, "drain"))
            for name in ("alice", "bob", "carol")
        ]
        for i in range(5):  # acknowledged: alice saw each come back numbered
            await members[0].send(f"message {i}")
        await collect(members[0], 5, RoomMessage)
        player = await stack.enter_async_context(tp3.game.play("dave"))
        quotes = tp3.currency.quotes("EUR", "USD", count=1000)
        assert await anext(quotes) is not None
        raw = await RawH2().connect(server.port)
        stack.push_async_callback(raw.close)
        unary = raw.request(body=None, end=False)  # a Convert whose request is still coming
        await asyncio.sleep(0.2)
        assert len(server.pipeline.live) == 6  # 3 members, a player, quotes, the Convert

        stopping = asyncio.create_task(server.stop())
        for member in members:  # bob and carol get every message, then everyone the notice
            events, error = await until_the_end(member)
            if member is not members[0]:
                assert [e.text for e in events if isinstance(e, RoomMessage)] == [
                    f"message {i}" for i in range(5)
                ]
            assert events[-1] == Notice(Status.UNAVAILABLE, SHUTDOWN_NOTICE)
            assert (error.status.value, error.message) == (UNAVAILABLE, SHUTDOWN_NOTICE)
        events, error = await until_the_end(player)
        assert events[-1] == Notice(Status.UNAVAILABLE, SHUTDOWN_NOTICE)
        assert error.status.value == UNAVAILABLE
        with pytest.raises(Tp3RpcError) as quotes_ended:
            async with asyncio.timeout(WAIT):
                async for _ in quotes:
                    pass
        assert (quotes_ended.value.status.value, quotes_ended.value.message) == (
            UNAVAILABLE,
            REFUSAL,
        )

        refused = await raw.reply(raw.request(body=grpc_frame(convert_body())))  # a new call
        assert (refused.status, refused.message) == (UNAVAILABLE, REFUSAL)
        assert not stopping.done()  # the Convert in flight holds the drain
        raw.h2.send_data(unary, grpc_frame(convert_body()), end_stream=True)
        raw.flush()
        finished = await raw.reply(unary)
        assert finished.status == 0  # it finished: a unary call is let through
        async with asyncio.timeout(WAIT):
            await stopping
            await raw.closed.wait()
        assert raw.goaway is not None
        assert raw.goaway.error_code == 0  # GOAWAY, NO_ERROR


async def test_a_mailbox_closed_by_the_shutdown_hands_out_what_was_queued_then_farewell() -> None:
    box: Mailbox[str] = Mailbox(2)
    assert box.put("first")
    assert box.put("second")  # full: the farewell goes in all the same
    box.close(LeaveReason.SHUTDOWN, farewell="reconnect")
    assert [await box.get() for _ in range(3)] == ["first", "second", "reconnect"]
    with pytest.raises(MailboxClosed):
        await box.get()


async def test_health_says_not_serving_during_the_drain() -> None:
    server = Tp3Server(ServerConfig(host="127.0.0.1", port=0, grace=5))
    await server.start()
    assert server.port is not None
    channel = Channel("127.0.0.1", server.port)
    raw = await RawH2().connect(server.port)
    try:
        health = HealthStub(channel)
        with pytest.raises(GRPCError) as watch_ended:
            async with health.Watch.open(timeout=WAIT) as watch:
                await watch.send_message(HealthCheckRequest(), end=True)
                first = await watch.recv_message()
                assert first is not None
                assert first.status == HealthCheckResponse.SERVING
                raw.request(body=None, end=False)  # holds the drain open
                await asyncio.sleep(0.1)
                stopping = asyncio.create_task(server.stop())
                then = await watch.recv_message()
                assert then is not None
                assert then.status == HealthCheckResponse.NOT_SERVING
                await watch.recv_message()  # then the watch ends, as every stream does
        assert watch_ended.value.status is Status.UNAVAILABLE
        check = await health.Check(HealthCheckRequest(), timeout=WAIT)
        assert check.status == HealthCheckResponse.NOT_SERVING
        await raw.close()  # the held call goes: the drain completes
        async with asyncio.timeout(WAIT):
            await stopping
    finally:
        channel.close()
        await raw.close()


# --- tp3 serve, as an operator stops it -----------------------------------------------------


async def read_until_unavailable(session: AsyncIterable[Any]) -> tuple[int, Any, Tp3RpcError]:
    """How many room messages a session still gets, its last event, and the error that ends
    it."""
    messages, last = 0, None
    with pytest.raises(Tp3RpcError) as ended:
        async with asyncio.timeout(WAIT):
            async for event in session:
                messages += isinstance(event, RoomMessage)
                last = event
    return messages, last, ended.value


@pytest.mark.slow
async def test_sigterm_under_load_drains_everyone_and_exits_0_within_the_grace() -> None:
    """The load of the issue: 50 chat members, 20 quote streams, a game round."""
    running = start_server_process("--grace", "10")
    stopped_at = None
    try:
        async with AsyncExitStack() as stack:
            clients = [
                await stack.enter_async_context(AsyncTp3Client(running.target, timeout=WAIT))
                for _ in range(5)
            ]
            members = [
                await stack.enter_async_context(clients[i % 5].chat.join(f"m{i}", "load"))
                for i in range(50)
            ]
            for i, member in enumerate(members):
                await member.send(f"from m{i}")
            players = [
                await stack.enter_async_context(clients[i].game.play(f"p{i}")) for i in range(3)
            ]
            streams = [clients[i % 5].currency.quotes("EUR", "USD") for i in range(20)]
            for stream in streams:
                await anext(stream)

            async def ended(stream: AsyncIterator[Any]) -> Tp3RpcError:
                with pytest.raises(Tp3RpcError) as caught:
                    async with asyncio.timeout(WAIT):
                        async for _ in stream:
                            pass
                return caught.value

            # every message is acknowledged (its sender saw it come back) before the signal
            read_before = []
            for i, member in enumerate(members):
                read = 0
                async with asyncio.timeout(WAIT):
                    async for event in member:
                        read += isinstance(event, RoomMessage)
                        if isinstance(event, RoomMessage) and event.text == f"from m{i}":
                            break
                read_before.append(read)
            running.process.send_signal(signal.SIGTERM)
            stopped_at = time.monotonic()
            results = await asyncio.gather(*(read_until_unavailable(m) for m in members))
            for before, (after, last, error) in zip(read_before, results, strict=True):
                assert before + after == 50  # no acknowledged message lost, for anyone
                assert last == Notice(Status.UNAVAILABLE, SHUTDOWN_NOTICE)
                assert (error.status.value, error.message) == (UNAVAILABLE, SHUTDOWN_NOTICE)
            for player in players:
                _, last, error = await read_until_unavailable(player)
                assert last == Notice(Status.UNAVAILABLE, SHUTDOWN_NOTICE)
            for error in await asyncio.gather(*(ended(s) for s in streams)):
                assert (error.status.value, error.message) == (UNAVAILABLE, REFUSAL)
        code = await asyncio.to_thread(running.process.wait, 15)
        took = time.monotonic() - stopped_at
    finally:
        running.stop()
    assert code == 0, running.log
    assert took < 10, took
    assert any("draining" in line for line in running.log)
    assert not any("Traceback" in line for line in running.log), running.log


@pytest.mark.slow
async def test_the_grace_period_ends_what_is_left_and_a_second_signal_stops_at_once() -> None:
    for signals, grace, code, says in [
        (1, "1.5", 0, "calls still running at the end of the grace period"),
        (2, "30", 1, "stopped at once by a second signal"),
    ]:
        running = start_server_process("--grace", grace)
        port = running.target.rsplit(":", 1)[1]
        raw = await RawH2().connect(int(port))
        try:
            held = raw.request(body=None, end=False)  # a Convert that never gets its request
            await asyncio.sleep(0.3)
            started = time.monotonic()
            running.process.send_signal(signal.SIGTERM)
            if signals == 2:
                await asyncio.sleep(0.5)
                running.process.send_signal(signal.SIGTERM)
            exit_code = await asyncio.to_thread(running.process.wait, 15)
            took = time.monotonic() - started
            reply = await raw.reply(held)
        finally:
            await raw.close()
            running.stop()
        assert exit_code == code, running.log
        assert took < (float(grace) + 2 if signals == 1 else 3), took
        assert any(says in line for line in running.log), running.log
        if signals == 1:  # ended with its status, not cut off
            assert (reply.status, reply.message) == (UNAVAILABLE, REFUSAL)


@pytest.mark.slow
def test_a_grpcio_client_sees_the_notice_and_unavailable_with_trailers() -> None:
    running = start_server_process()
    peer = subprocess.Popen(
        [sys.executable, str(PEER), "drain", running.target],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert peer.stdout is not None
        assert peer.stderr is not None
        ready = peer.stdout.readline()
        assert json.loads(ready) == {"call": "ready"}, ready + (peer.stderr.read() or "")
        running.process.send_signal(signal.SIGTERM)
        out, err = peer.communicate(timeout=30)
    finally:
        peer.kill()
        running.stop()
    assert peer.returncode == 0, err
    results = {r["call"]: r for r in map(json.loads, out.splitlines())}
    assert results["Chat"]["last_event"] == {"notice": {"code": 14, "text": SHUTDOWN_NOTICE}}
    assert (results["Chat"]["code"], results["Chat"]["details"]) == ("UNAVAILABLE", SHUTDOWN_NOTICE)
    assert (results["StreamQuotes"]["code"], results["StreamQuotes"]["details"]) == (
        "UNAVAILABLE",
        REFUSAL,
    )
