"""Replicas sharing one Redis: what scaling out costs and buys, measured in one run.

    python bench/replicas.py [--members 120] [--messages 200] [--replicas 1 2 3]

For 1, 2 and 3 replicas (`tp3 serve --backend redis://...`, each its own process) on one
redis-server, one room of N members spread evenly over the replicas, one sender:
- deliveries per second (messages x members) and end-to-end latency p50 / p99;
- Redis commands per chat message and per guess (INFO's total_commands_processed, which
  counts a Lua script's inner commands too: an upper bound of the round trips);
- resident memory per member on a replica;
then, with nginx (deploy/nginx.conf) in front of 3 replicas: the failover time a client sees
(SIGKILL of the replica its session runs on, to the Reconnected event).

All clients share this process: on a 2-core machine it is often the bottleneck, so read the
ratios between replica counts, measured in this same run, rather than the absolutes. Needs
redis-server and nginx (Debian's).
"""

import argparse
import asyncio
import math
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path

from common import rss_kib

from tp3.chat.events import RoomMessage
from tp3.cli.cluster import RECIPE, find_nginx, free_port, nginx_config, wait_for_port
from tp3.client import AsyncTp3Client, Reconnect, Reconnected

MEMBERS_PER_CONNECTION = 50
WAIT = 120.0


def redis_commands(port: int) -> int:
    info = subprocess.run(
        ["redis-cli", "-p", str(port), "INFO", "stats"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"total_commands_processed:(\d+)", info)
    assert match
    return int(match[1])


def start_replica(port: int, url: str) -> "subprocess.Popen[bytes]":
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "tp3", "serve", "--port", str(port), "--backend", url),
            *("--log-level", "warning", "--chat-rate", "10000", "--chat-client-rate", "100000"),
            *("--game-rate", "10000", "--game-client-rate", "100000"),
            *("--max-client-streams", "10000", "--max-streams-per-client", "10000"),
        ],
    )
    wait_for_port(port, process, "tp3 serve")
    return process


async def fan_out(
    targets: list[str], members: int, messages: int, redis_port: int
) -> dict[str, float]:
    """One room, `members` spread over `targets`; member 0 sends `messages`."""
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(AsyncTp3Client(targets[i % len(targets)], timeout=60))
            for i in range(math.ceil(members / MEMBERS_PER_CONNECTION) * len(targets))
        ]
        sessions = [
            await stack.enter_async_context(clients[i % len(clients)].chat.join(f"m{i}", "bench"))
            for i in range(members)
        ]
        sent: dict[str, float] = {}
        latencies: list[float] = []

        async def receive(session: object) -> None:
            got = 0
            async for event in session:  # type: ignore[attr-defined]
                if isinstance(event, RoomMessage):
                    latencies.append(time.perf_counter() - sent[event.text])
                    got += 1
                    if got == messages:
                        return

        readers = [asyncio.create_task(receive(s)) for s in sessions]
        before = redis_commands(redis_port)
        start = time.perf_counter()
        for i in range(messages):
            sent[f"b{i}"] = time.perf_counter()
            await sessions[0].send(f"b{i}")
        async with asyncio.timeout(WAIT):
            await asyncio.gather(*readers)
        took = time.perf_counter() - start
        commands = redis_commands(redis_port) - before
        latencies.sort()
        return {
            "deliveries_per_s": members * messages / took,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
            "redis_commands_per_message": commands / messages,
        }


async def guesses(target: str, count: int, redis_port: int) -> float:
    """Redis commands per unary guess (misses: a win would add the scoreboard's)."""
    async with AsyncTp3Client(target, timeout=60) as tp3:
        before = redis_commands(redis_port)
        for i in range(count):
            await tp3.game.guess(f"g{i % 10}", 1 if i % 2 else 1000)
        return (redis_commands(redis_port) - before) / count


async def failover(target: str, replicas: list["subprocess.Popen[bytes]"]) -> float:
    """Seconds from SIGKILL of a session's replica to its Reconnected, through nginx."""
    policy = Reconnect(first_pause=0.05, max_pause=0.5, give_up_after=30)
    async with (
        AsyncTp3Client(target, timeout=30) as tp3,
        tp3.chat.join("survivor", "failover", reconnect=policy) as session,
    ):
        await session.send("hello")
        async for event in session:
            if isinstance(event, RoomMessage):
                break
        killed = replicas[0]  # nginx's round robin sent the first stream there
        killed.kill()
        start = time.perf_counter()
        async for event in session:
            if isinstance(event, Reconnected):
                return time.perf_counter() - start
    raise RuntimeError("no reconnection")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=120)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--quick", action="store_true", help="30 members, 50 messages")
    args = parser.parse_args()
    if args.quick:
        args.members, args.messages = 30, 50
    redis_server, nginx = shutil.which("redis-server"), find_nginx()
    if redis_server is None or nginx is None:
        sys.exit("bench/replicas.py needs redis-server and nginx")
    with tempfile.TemporaryDirectory() as folder:
        redis_port = free_port()
        store = subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--save", "", "--dir", folder],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(redis_port, store, "redis-server")
        url = f"redis://127.0.0.1:{redis_port}/0"
        print(
            "| replicas | deliveries/s | p50 ms | p99 ms | Redis cmds/message "
            "| RSS growth KiB/replica | per member there |"
        )
        print("|---|---|---|---|---|---|---|")
        try:
            for count in args.replicas:
                subprocess.run(
                    ["redis-cli", "-p", str(redis_port), "FLUSHDB"], check=True, capture_output=True
                )
                ports = [free_port() for _ in range(count)]
                replicas = [start_replica(p, url) for p in ports]
                idle = [rss_kib(r.pid) for r in replicas]
                try:
                    row = asyncio.run(
                        fan_out(
                            [f"127.0.0.1:{p}" for p in ports],
                            args.members,
                            args.messages,
                            redis_port,
                        )
                    )
                    grown = statistics.mean(
                        rss_kib(r.pid) - i for r, i in zip(replicas, idle, strict=True)
                    )
                    per_member = grown / (args.members / count)
                finally:
                    for replica in replicas:
                        replica.terminate()
                        replica.wait()
                print(
                    f"| {count} | {row['deliveries_per_s']:,.0f} | {row['p50_ms']:.1f} "
                    f"| {row['p99_ms']:.1f} | {row['redis_commands_per_message']:.1f} "
                    f"| {grown:,.0f} | {per_member:.0f} |"
                )
            ports = [free_port() for _ in range(3)]
            replicas = [start_replica(p, url) for p in ports]
            listen = free_port()
            (Path(folder) / "logs").mkdir()
            (Path(folder) / "nginx.conf").write_text(
                nginx_config(RECIPE.read_text(), ports, listen)
            )
            proxy = subprocess.Popen(
                [nginx, "-p", folder, "-c", f"{folder}/nginx.conf", "-g", "daemon off;"]
            )
            try:
                wait_for_port(listen, proxy, "nginx")
                per_guess = asyncio.run(guesses(f"127.0.0.1:{ports[1]}", 200, redis_port))
                took = asyncio.run(failover(f"127.0.0.1:{listen}", replicas))
            finally:
                proxy.terminate()
                proxy.wait()
                for replica in replicas:
                    if replica.poll() is None:
                        replica.terminate()
                    replica.wait()
            print(f"\nRedis commands per unary guess (a miss): {per_guess:.1f}")
            print(f"failover seen by a client through nginx (SIGKILL -> Reconnected): {took:.2f} s")
        finally:
            store.terminate()
            store.wait()


if __name__ == "__main__":
    main()
