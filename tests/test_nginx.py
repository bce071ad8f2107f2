"""deploy/nginx.conf in front of three replicas sharing a real redis-server: clients talk to
nginx only; a replica killed mid-conversation loses nobody anything.

nginx is Debian's; the recipe file itself is run, its ports replaced by free ones."""

import asyncio
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from conftest import (
    STARTUP_TIMEOUT,
    RedisServer,
    ServerProcess,
    free_port,
    require_tool,
    start_server_process,
)

from tp3.chat.events import RoomMessage
from tp3.client import AsyncTp3Client, ChatSession, Reconnect, Reconnected

RECIPE = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"
WAIT = 20.0
QUICK = Reconnect(first_pause=0.1, max_pause=0.5, give_up_after=20)


@dataclass
class Cluster:
    replicas: list[ServerProcess]
    target: str  # nginx


@pytest.fixture
def cluster(redis_server: RedisServer, tmp_path: Path) -> Iterator[Cluster]:
    nginx = require_tool("nginx", shutil.which("nginx") or _sbin("nginx"))
    with redis.Redis.from_url(redis_server.url) as store:
        store.flushdb()
    ports = [free_port() for _ in range(3)]
    replicas = [
        start_server_process("--port", str(port), "--backend", redis_server.url) for port in ports
    ]
    listen = free_port()
    config = RECIPE.read_text()
    for recipe_port, port in zip((50061, 50062, 50063), ports, strict=True):
        config = config.replace(f"127.0.0.1:{recipe_port}", f"127.0.0.1:{port}")
    config = re.sub(r"listen 127\.0\.0\.1:8080", f"listen 127.0.0.1:{listen}", config)
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(config)
    proxy = subprocess.Popen(
        [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(listen, proxy)
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


def _sbin(name: str) -> str | None:
    found = Path("/usr/sbin") / name
    return str(found) if found.exists() else None


def _wait_for_port(port: int, process: "subprocess.Popen[bytes]") -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                assert process.stderr is not None
                pytest.fail(f"nginx did not start: {process.stderr.read().decode()}")
            time.sleep(0.05)


async def _messages(session: ChatSession, until: str) -> list[object]:
    """Room message texts and Reconnected events, up to the text `until`."""
    seen: list[object] = []
    async with asyncio.timeout(WAIT):
        async for event in session:
            if isinstance(event, Reconnected):
                seen.append(event)
            elif isinstance(event, RoomMessage):
                seen.append(event.text)
                if event.text == until:
                    return seen
    raise AssertionError(f"ended before {until!r}: {seen}")


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
        assert await _messages(members[0], "hello") == ["hello"]  # acknowledged: numbered
        await members[5].send("bye")
        for member in members[1:]:
            assert await _messages(member, "bye") == ["hello", "bye"]


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
        came_back = 0
        for member in members:
            seen = await _messages(member, "after 4")
            assert [e for e in seen if isinstance(e, str)] == expected  # no gap, no duplicate
            came_back += any(isinstance(e, Reconnected) for e in seen)
        assert came_back >= 1  # some sessions did go through the killed replica
