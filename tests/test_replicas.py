"""Replicas: several `tp3 serve --backend redis://…` processes share rooms and games through a
real redis-server; clients on different replicas talk and play together."""

import asyncio
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
import redis
from cli_support import assert_ok, run_tp3
from conftest import RedisServer, ServerProcess, start_redis, start_server_process
from grpclib.client import Channel
from grpclib.health.v1.health_grpc import HealthStub
from grpclib.health.v1.health_pb2 import HealthCheckRequest, HealthCheckResponse
from redis import asyncio as aioredis
from support import collect, next_in, next_of

from tp3.chat.events import MemberLeft, RoomMessage
from tp3.chat.redis_backend import RedisChatBackend
from tp3.client import AsyncTp3Client, ChatSession, Tp3RpcError
from tp3.errors import AlreadyExists
from tp3.game.backend import GameLimits
from tp3.game.events import GameOver, Hint, RoundInfo, RoundStarted, Verdict
from tp3.game.redis_backend import RedisGameBackend
from tp3.redis_shared import HEARTBEAT, REPLICA_TTL

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

WAIT = 15.0  # more than a dead replica takes to be noticed


@pytest.fixture
def replicas(redis_server: RedisServer) -> Iterator[list[ServerProcess]]:
    """Three replicas on one emptied Redis database."""
    with redis.Redis.from_url(redis_server.url) as store:
        store.flushdb()
    args = ["--backend", redis_server.url, "--game-rate", "1000", "--game-client-rate", "10000"]
    running = [start_server_process(*args) for _ in range(3)]
    yield running
    for replica in running:
        replica.stop()


async def room_texts(session: ChatSession, count: int) -> list[tuple[int, str, str]]:
    """The session's next `count` room messages as (sequence, sender, text)."""
    messages = await collect(session, count, RoomMessage, timeout=WAIT)
    return [(m.sequence, m.sender, m.text) for m in messages]


async def test_members_on_different_replicas_share_one_order(
    replicas: list[ServerProcess],
) -> None:
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(AsyncTp3Client(r.target, timeout=WAIT))
            for r in replicas
        ]
        a, b, c = [
            await stack.enter_async_context(client.chat.join(name, "shared"))
            for client, name in zip(clients, ("ana", "ben", "cyd"), strict=True)
        ]
        assert [m.name for m in c.joined.members] == ["ana", "ben", "cyd"]
        for i in range(6):
            await (a, b)[i % 2].send(f"m{i}")
        seen = [await room_texts(member, 6) for member in (a, b, c)]
        assert seen[0] == seen[1] == seen[2]
        assert [s for s, _, _ in seen[2]] == list(range(1, 7))
        await a.send("only for ben", to="ben")
        rooms = await clients[2].chat.list_rooms()
        assert [(r.name, r.member_count) for r in rooms] == [("shared", 3)]
        with pytest.raises(Tp3RpcError) as taken:  # a name is unique across replicas
            async with clients[1].chat.join("ANA", "shared"):
                pytest.fail("two ana")
        assert taken.value.status.name == "ALREADY_EXISTS"


async def test_fifty_correct_guesses_over_three_replicas_have_one_winner(
    replicas: list[ServerProcess],
) -> None:
    """50 players over 3 replicas binary-search in lockstep: at each step they all guess the
    same number at once, so they all find the secret together."""
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(AsyncTp3Client(r.target, timeout=WAIT))
            for r in replicas
        ]
        players = [
            await stack.enter_async_context(clients[i % 3].game.play(f"racer{i}"))
            for i in range(50)
        ]
        low, high = 1, 1000
        overs: list[GameOver | None] = [None] * len(players)

        async def hint_of(i: int) -> Hint:  # a GameOver may come first: keep it
            async with asyncio.timeout(WAIT):
                async for event in players[i]:
                    if isinstance(event, GameOver):
                        overs[i] = event
                    elif isinstance(event, Hint):
                        return event
            raise AssertionError("no hint")

        while True:
            guess = (low + high) // 2
            await asyncio.gather(*(p.guess(guess) for p in players))
            hints = await asyncio.gather(*(hint_of(i) for i in range(len(players))))
            verdicts = [h.verdict for h in hints]
            if Verdict.TOO_HIGH in verdicts:
                high = guess - 1
            elif Verdict.TOO_LOW in verdicts:
                low = guess + 1
            else:
                break
        assert verdicts.count(Verdict.CORRECT) == 1, verdicts
        assert verdicts.count(Verdict.ROUND_OVER) == 49
        for i, player in enumerate(players):
            overs[i] = overs[i] or await next_of(player, GameOver, timeout=WAIT)
        [winner] = [h.winner for h in hints if h.verdict is Verdict.CORRECT]
        assert {o.winner for o in overs if o is not None} == {winner}  # everyone agrees
        assert all(o is not None for o in overs)


async def test_a_crashed_replicas_members_are_announced_as_gone(
    replicas: list[ServerProcess],
) -> None:
    doomed, survivor = replicas[0], replicas[1]
    async with (
        AsyncTp3Client(survivor.target, timeout=WAIT) as here,
        AsyncTp3Client(doomed.target, timeout=WAIT) as there,
        here.chat.join("stay", "crash") as stay,
    ):
        started = time.monotonic()
        with contextlib.suppress(Tp3RpcError):  # its server is gone: no leave can be said
            async with there.chat.join("gone", "crash"):
                doomed.process.kill()  # SIGKILL: no goodbye to Redis
                left = await next_of(stay, MemberLeft, timeout=WAIT)
        assert time.monotonic() - started < REPLICA_TTL + 2 * HEARTBEAT
        assert (left.name, left.reason.name) == ("gone", "DISCONNECTED")
        names = [m.name for m in await here.chat.list_members("crash")]
        assert names == ["stay"]


def test_a_replica_without_its_redis_says_so_at_start(tmp_path: Path) -> None:
    stopped = start_redis(tmp_path)
    url = stopped.url
    stopped.stop()
    result = subprocess.run(
        [sys.executable, "-m", "tp3", "serve", "--port", "0", "--backend", url],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot start: the chat's shared store (Redis)")


async def _health(target: str) -> int:
    host, port = target.rsplit(":", 1)
    channel = Channel(host, int(port))
    try:
        reply = await HealthStub(channel).Check(HealthCheckRequest(), timeout=WAIT)
        return int(reply.status)
    finally:
        channel.close()


async def _eventually_health(target: str, status: int) -> None:
    async with asyncio.timeout(WAIT):
        while await _health(target) != status:
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("aof", [True, False], ids=["with AOF", "without persistence"])
async def test_a_redis_restart_is_survived(tmp_path: Path, aof: bool) -> None:
    """Redis down: chat calls are UNAVAILABLE naming it, health NOT_SERVING, the rest still
    served; Redis back: SERVING again by itself. With AOF, the room's history survives and
    a member who stayed goes on; without, that member is told to reconnect (UNAVAILABLE)."""
    persistence = ("--appendonly", "yes", "--appendfsync", "always") if aof else ()
    store = start_redis(tmp_path, *persistence)
    replica = start_server_process("--backend", store.url)
    try:
        async with AsyncTp3Client(replica.target, timeout=WAIT) as tp3:
            async with tp3.chat.join("alice", "durable") as alice:
                await alice.send("said before the restart")
                await room_texts(alice, 1)  # acknowledged
            stayer = await tp3.chat.join("carol", "durable").__aenter__()
            store.stop()
            await _eventually_health(replica.target, HealthCheckResponse.NOT_SERVING)
            with pytest.raises(Tp3RpcError) as down:
                await tp3.chat.list_rooms()
            assert down.value.status.name == "UNAVAILABLE"
            assert "shared store (Redis) is unreachable" in down.value.message
            await tp3.currency.convert("1", "EUR", "USD")  # what needs no Redis goes on
            store = start_redis(tmp_path, *persistence, port=store.port)
            await _eventually_health(replica.target, HealthCheckResponse.SERVING)
            async with tp3.chat.join("bob", "durable") as bob:
                kept = [m.text for m in bob.joined.history]
                await bob.send("after")
                assert [t for _, _, t in await room_texts(bob, 1)] == ["after"]
            if aof:  # carol is still a member: she goes on, and hears bob
                assert [t for _, _, t in await room_texts(stayer, 1)] == ["after"]
                await stayer.__aexit__(None, None, None)
            else:  # forgotten by Redis: ended, so that --reconnect brings her back
                with pytest.raises(Tp3RpcError) as lost:
                    await room_texts(stayer, 1)
                assert lost.value.status.name == "UNAVAILABLE"
                assert "forgot this session" in lost.value.message
                await stayer.__aexit__(type(lost.value), lost.value, None)
        assert kept == (["said before the restart"] if aof else [])
    finally:
        replica.stop()
        store.stop()


async def test_messages_posted_while_a_replica_resubscribes_still_reach_its_members(
    tmp_path: Path,
) -> None:
    """Redis restarts (AOF on); a replica posts at once, before the other has subscribed
    again: that one's members get the message all the same, from the room's history."""
    store = start_redis(tmp_path, "--appendonly", "yes", "--appendfsync", "always")
    a, b = (start_server_process("--backend", store.url) for _ in range(2))
    try:
        async with (
            AsyncTp3Client(a.target, timeout=WAIT) as on_a,
            AsyncTp3Client(b.target, timeout=WAIT) as on_b,
            on_a.chat.join("reader", "gap") as reader,
            on_b.chat.join("writer", "gap") as writer,
        ):
            await writer.send("one")
            assert [t for _, _, t in await room_texts(reader, 1)] == ["one"]
            store.stop()
            await _eventually_health(a.target, HealthCheckResponse.NOT_SERVING)
            store = start_redis(tmp_path, "--appendonly", "yes", port=store.port)
            await writer.send("two")  # b's commands reconnect at once; a subscribes later
            await writer.send("three")
            assert [t for _, _, t in await room_texts(reader, 2)] == ["two", "three"]
    finally:
        a.stop()
        b.stop()
        store.stop()


async def test_messages_posted_while_subscriptions_are_cut_still_reach_the_members(
    redis_server: RedisServer,
) -> None:
    """Redis closes every replica's subscription (as a network blip would); a post made at
    once reaches the other replica's member when it subscribes again: caught up from the
    room's history, not lost to a silent resubscription."""
    async with aioredis.Redis.from_url(redis_server.url) as store:
        await store.flushdb()
    a, b = RedisChatBackend(redis_server.url), RedisChatBackend(redis_server.url)
    await a.start()
    await b.start()
    try:
        reader, writer = await a.join("cut", "reader"), await b.join("cut", "writer")
        async with aioredis.Redis.from_url(redis_server.url) as store:
            await store.client_kill_filter(_type="pubsub")
        await b.post(writer, "said while nobody listened")
        message = await next_in(reader.inbox, RoomMessage, timeout=WAIT)
        assert (message.sequence, message.text) == (1, "said while nobody listened")
    finally:
        await a.close()
        await b.close()


@pytest.fixture
async def game_replicas(redis_server: RedisServer) -> AsyncIterator[list[RedisGameBackend]]:
    """Two game backends (replicas in this process) on one emptied database: secrets 421,
    then 7, 8, 9, ..."""
    async with aioredis.Redis.from_url(redis_server.url) as store:
        await store.flushdb()
    draws = itertools.chain([421], itertools.cycle(range(7, 1000)))
    made = [
        RedisGameBackend(redis_server.url, GameLimits(pause=0.2), draw=lambda: next(draws))
        for _ in range(2)
    ]
    for backend in made:
        await backend.start()
    yield made
    for backend in made:
        await backend.close()


async def test_a_game_over_published_while_replicas_resubscribe_is_caught_up(
    redis_server: RedisServer, game_replicas: list[RedisGameBackend]
) -> None:
    """Every replica loses its subscription; a win is published to nobody. Each replica,
    subscribed again, tells its players the round's end from Redis, and the next round
    starts (no replica had heard the GameOver that arms its timer)."""
    a, b = game_replicas
    alice, bob = await a.join("alice"), await b.join("bob")
    async with aioredis.Redis.from_url(redis_server.url) as store:
        await store.client_kill_filter(_type="pubsub")
    await b.play_guess(bob, 421)
    for player in (alice, bob):
        over = await next_in(player.inbox, GameOver, timeout=WAIT)
        assert (over.round, over.winner, over.secret) == (1, "bob", 421)
        await next_in(player.inbox, RoundStarted, round=RoundInfo(2, 1, 1000, True), timeout=WAIT)


async def test_a_game_forgotten_by_redis_starts_anew_and_keeps_its_players_names(
    redis_server: RedisServer, game_replicas: list[RedisGameBackend]
) -> None:
    """As a restart without persistence: the database emptied, the subscriptions cut."""
    a, b = game_replicas
    alice = await a.join("alice")
    await a.play_guess(alice, 421)
    await next_in(alice.inbox, RoundStarted, round=RoundInfo(2, 1, 1000, True), timeout=WAIT)
    async with aioredis.Redis.from_url(redis_server.url) as store:
        await store.flushdb()
        await store.client_kill_filter(_type="pubsub")
    await next_in(alice.inbox, RoundStarted, round=RoundInfo(1, 1, 1000, True), timeout=WAIT)
    with pytest.raises(AlreadyExists):  # still alice's: her replica took it again
        await b.join("ALICE")
    await a.play_guess(alice, 500)
    hint = await next_in(alice.inbox, Hint, timeout=WAIT)
    assert (hint.round, hint.attempts) == (1, 1)


async def test_the_next_round_starts_after_redis_was_down_through_the_pause(
    tmp_path: Path,
) -> None:
    """The pause's timer fires while Redis is down (its try fails); Redis back, with the
    won round kept (AOF), the next round starts all the same."""
    persistence = ("--appendonly", "yes", "--appendfsync", "always")
    store = start_redis(tmp_path, *persistence)
    draws = itertools.chain([421], itertools.cycle(range(7, 1000)))
    backend = RedisGameBackend(store.url, GameLimits(pause=0.3), draw=lambda: next(draws))
    await backend.start()
    try:
        alice = await backend.join("alice")
        await backend.play_guess(alice, 421)
        await next_in(alice.inbox, GameOver, timeout=WAIT)
        store.stop()
        await asyncio.sleep(1)  # past the pause: the timer's try failed
        store = start_redis(tmp_path, *persistence, port=store.port)
        started = await next_in(alice.inbox, RoundStarted, timeout=WAIT)
        assert started.round.number == 2
    finally:
        await backend.close()
        store.stop()


def test_workers_share_one_port_and_stop_together(redis_server: RedisServer) -> None:
    with redis.Redis.from_url(redis_server.url) as store:
        store.flushdb()
    running = start_server_process("--workers", "3", "--backend", redis_server.url)
    try:
        running.wait_for_log(lambda line: "tp3 serving on" in line, count=3, timeout=WAIT)
        for _ in range(12):  # a new connection each: the kernel spreads them
            assert_ok(run_tp3("currency", "convert", "1", "EUR", "USD", "--target", running.target))
        served_by = {
            line.split(" tp3.rpc:")[0].split()[-1] for line in running.log if "Convert" in line
        }
        assert len(served_by) >= 2, served_by  # worker-1, worker-2, worker-3
    finally:
        code = running.stop()
    assert code == 0
    assert sum(line.endswith("stopped") for line in running.log) == 3


def test_currency_workers_need_no_backend_and_stop_cleanly_on_ctrl_c() -> None:
    """The currency service alone holds no state: `--workers 2 --services currency` runs
    without Redis. Ctrl-C signals the terminal's whole foreground group, the workers too:
    they drain and stop, not "at once" as after a second signal."""
    running = start_server_process("--workers", "2", "--services", "currency", own_group=True)
    try:
        running.wait_for_log(lambda line: "tp3 serving on" in line, count=2, timeout=WAIT)
        converted = run_tp3("currency", "convert", "6500", "MAD", "USD", "-t", running.target)
        assert converted.stdout.startswith("6500 MAD = 708.68 USD"), converted.stderr
        chat = run_tp3("chat", "send", "--name", "x", "hi", "--target", running.target)
        assert "UNIMPLEMENTED" in chat.stderr  # not served here
        os.killpg(running.process.pid, signal.SIGINT)  # what Ctrl-C does
        assert running.process.wait(WAIT) == 0, running.log
    finally:
        code = running.stop()
    assert code == 0
    assert sum(line.endswith("stopped") for line in running.log) == 2, running.log
    assert not [line for line in running.log if "at once" in line], running.log


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--workers", "2"), "error: --workers 2 needs --backend redis://"),
        (("--services", "curency"), "error: --services: expected some of currency, chat, game"),
        (("--workers", "2", "--services", "currency,chat"), "error: --workers 2 needs --backend"),
    ],
)
def test_workers_without_a_shared_backend_are_refused_in_one_line(
    args: tuple[str, ...], said: str
) -> None:
    result = run_tp3("serve", "--port", "0", *args)
    assert result.returncode == 2
    assert result.stderr.startswith(said)
    assert len(result.stderr.splitlines()) == 1
