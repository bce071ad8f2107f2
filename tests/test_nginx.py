"""deploy/nginx.conf in front of three replicas sharing a real redis-server: clients talk to
nginx only; a replica killed mid-conversation loses nobody anything.

nginx is Debian's; the recipe file itself is run, its ports replaced by free ones."""

import asyncio
import contextlib
import re
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from chat_support import messages_until
from cli_support import LineReader, assert_ok, run_tp3, tp3_argv, tp3_env
from conftest import (
    STARTUP_TIMEOUT,
    RedisServer,
    ServerProcess,
    require_tool,
    start_server_process,
)

from tp3.cli.cluster import RECIPE, find_nginx, free_port, nginx_config, wait_for_port
from tp3.client import AsyncTp3Client, Reconnect, Reconnected, Tp3RpcError

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

WAIT = 20.0
QUICK = Reconnect(first_pause=0.1, max_pause=0.5, give_up_after=20)


@dataclass
class Cluster:
    replicas: list[ServerProcess]
    target: str  # nginx


@contextlib.contextmanager
def running_cluster(
    redis_server: RedisServer, folder: Path, *replica_args: str, read_timeout: str = "1h"
) -> Iterator[Cluster]:
    """Three replicas and nginx running deploy/nginx.conf (its grpc_read_timeout changed to
    `read_timeout`)."""
    nginx = require_tool("nginx", find_nginx())
    with redis.Redis.from_url(redis_server.url) as store:
        store.flushdb()
    ports = [free_port() for _ in range(3)]
    replicas = [
        start_server_process("--port", str(port), "--backend", redis_server.url, *replica_args)
        for port in ports
    ]
    listen = free_port()
    config = nginx_config(RECIPE.read_text(), ports, listen)
    config = config.replace("grpc_read_timeout 1h;", f"grpc_read_timeout {read_timeout};")
    (folder / "logs").mkdir()
    (folder / "nginx.conf").write_text(config)
    proxy = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(listen, proxy, "nginx")
        yield Cluster(replicas, f"127.0.0.1:{listen}")
    finally:
        proxy.terminate()
        try:
            proxy.wait(10)
        except subprocess.TimeoutExpired:
            proxy.kill()
        assert proxy.stderr is not None
        proxy.stderr.close()
        for replica in replicas:
            replica.stop()


@pytest.fixture
def cluster(redis_server: RedisServer, tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(redis_server, tmp_path) as running:
        yield running


async def test_members_behind_nginx_share_a_room_over_the_replicas(cluster: Cluster) -> None:
    async with AsyncExitStack() as stack:
        tp3 = await stack.enter_async_context(AsyncTp3Client(cluster.target, timeout=WAIT))
        converted = await tp3.currency.convert("6500", "MAD", "USD")  # unary through nginx
        assert str(converted.converted_amount) == "708.68"
        members = [
            await stack.enter_async_context(tp3.chat.join(f"m{i}", "behind"))
            for i in range(6)  # spread over the replicas by nginx's round robin
        ]
        await members[0].send("hello")
        assert await messages_until(members[0], "hello") == ["hello"]  # acknowledged: numbered
        await members[5].send("bye")
        for member in members[1:]:
            assert await messages_until(member, "bye") == ["hello", "bye"]


async def test_a_replica_killed_mid_conversation_loses_nobody_anything(cluster: Cluster) -> None:
    """Members whose streams went through the killed replica come back through nginx to
    another, and resume: every member ends with every message, once, in order."""
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(AsyncTp3Client(cluster.target, timeout=WAIT))
            for _ in range(6)
        ]
        members = [
            await stack.enter_async_context(c.chat.join(f"m{i}", "failover", reconnect=QUICK))
            for i, c in enumerate(clients)
        ]
        writer = members[0]  # nginx's round robin sends the first stream to the first replica
        for i in range(5):
            await writer.send(f"before {i}")
        cluster.replicas[1].process.kill()  # SIGKILL: the streams through it break
        for i in range(5):
            await writer.send(f"after {i}")
        expected = [f"before {i}" for i in range(5)] + [f"after {i}" for i in range(5)]
        seen = [await messages_until(m, "after 4", presence=True) for m in members]
        for events in seen:
            assert [e for e in events if isinstance(e, str)] == expected  # no gap, no duplicate
        moved = {f"m{i}" for i, events in enumerate(seen) if Reconnected in map(type, events)}
        assert moved  # some sessions did go through the killed replica
        # Those that stayed never saw a moved one just go: it was back at once (its resume
        # took its name over), so they saw nothing, or it leave and come back.
        await writer.send("end")
        for i, member in enumerate(members):
            if f"m{i}" not in moved:
                events = seen[i] + await messages_until(member, "end", presence=True)
                since = events[events.index("before 0") :]  # not the others' first arrivals
                for name in moved:
                    moves = [e[0] for e in since if isinstance(e, tuple) and e[1] == name]
                    assert moves in ([], ["left", "joined"]), since
        listed = await clients[0].chat.list_members("failover")
        assert sorted(m.name for m in listed) == [f"m{i}" for i in range(6)]  # each once


@pytest.mark.parametrize("heartbeat", ["0.3", "0"], ids=["heartbeats", "none"])
async def test_heartbeats_keep_a_quiet_session_alive_through_nginx(
    redis_server: RedisServer, tmp_path: Path, heartbeat: str
) -> None:
    """nginx cuts a stream quiet for longer than grpc_read_timeout (here 1 s; it does not
    pass HTTP/2 PINGs on): with heartbeats the session outlives 2.5 s of silence."""

    async def quiet_then_talk(target: str) -> list[object]:
        async with (
            AsyncTp3Client(target, timeout=WAIT) as tp3,
            tp3.chat.join("quiet", "idle") as quiet,
            tp3.chat.join("late", "idle") as late,
        ):
            await asyncio.sleep(2.5)
            await late.send("still there?")
            return await messages_until(quiet, "still there?")

    with running_cluster(redis_server, tmp_path, "--heartbeat", heartbeat, read_timeout="1s") as c:
        if heartbeat == "0":
            with pytest.raises(Tp3RpcError, match="reset"):  # nginx cut the quiet streams
                await quiet_then_talk(c.target)
        else:
            assert await quiet_then_talk(c.target) == ["still there?"]


def test_tp3_cluster_runs_the_demo_and_stops_it_all_on_ctrl_c() -> None:
    require_tool("nginx", find_nginx())
    require_tool("redis-server", shutil.which("redis-server"))
    listen = free_port()
    cluster = subprocess.Popen(
        tp3_argv("cluster", "--port", str(listen)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=tp3_env(),
    )
    assert cluster.stderr is not None
    lines = LineReader(cluster.stderr)
    try:
        said = [lines.next_line(STARTUP_TIMEOUT * 2), lines.next_line()]
        assert said[1] == f"point your clients at 127.0.0.1:{listen} (Ctrl-C stops everything)"
        target = f"127.0.0.1:{listen}"
        assert_ok(run_tp3("chat", "send", "--name", "demo", "hello", "--target", target))
        [line] = assert_ok(run_tp3("currency", "convert", "6500", "MAD", "USD", "-t", target))
        assert line.startswith("6500 MAD = 708.68 USD")
        cluster.send_signal(signal.SIGINT)
        assert cluster.wait(30) == 0
        assert lines.rest() == []  # no warning while stopping: Redis went last
        ports = [int(p) for p in re.findall(r"\d+", said[0] or "")]
        for port in ports:  # redis-server, the replicas, nginx: all gone
            with (
                pytest.raises(ConnectionRefusedError),
                socket.create_connection(("127.0.0.1", port), 1),
            ):
                pass
    finally:
        if cluster.poll() is None:
            cluster.kill()
            cluster.wait()
        cluster.stderr.close()
