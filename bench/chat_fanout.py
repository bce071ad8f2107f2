"""Chat fan-out: one room, N members, one of them sending; everyone receives everything.

For N in (1, 10, 100, 1000) it reports
- deliveries per second (messages x members, from the first send to the last receipt),
- end-to-end latency p50 / p99 (a send to each member's receipt, one clock: same process),
- the server's resident memory per connected member (RSS after joining minus before, / N),
- members dropped as too slow (should be 0).

The server runs as its own process (`tp3 serve`), so its memory is its own; all clients share
this process, which on a 2-core machine is often the bottleneck: read the numbers as a
baseline for tp3 against itself (and, later, against grpcio in the same run), not as absolutes.

    python bench/chat_fanout.py [--members 1 10 100 1000] [--messages 200] [--window 16]
                                [--baseline DIR]

With --baseline DIR (another checkout of tp3, e.g. `git worktree add /tmp/base main`), each
scenario also runs against a server started from DIR, alternately in the same run, and the
table adds the ratio this/baseline: the only comparison worth making on a shared machine.
"""

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from common import cpu_seconds, free_port, rss_kib, wait_for_port

from tp3.chat.events import MemberJoined, RoomMessage
from tp3.client import AsyncTp3Client, ChatSession, Tp3RpcError

MEMBERS_PER_CONNECTION = 50  # HTTP/2 allows ~100 concurrent streams per connection
DEADLINE = 300.0  # seconds any one scenario may take, whatever happens


@dataclass
class Result:
    members: int
    messages: int
    deliveries_per_s: float
    p50_ms: float
    p99_ms: float
    rss_per_member_kib: float
    dropped: int
    join_cpu_s: float
    """Server CPU from the first join until every member has seen every later arrival."""


def start_server(source: Path | None) -> tuple["subprocess.Popen[bytes]", str]:
    """`tp3 serve` from this checkout, or from the checkout `source`."""
    port = free_port()
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    # one client address holds every member and sends flat out: lift the per-client limits
    unlimited = [
        *("--max-client-streams", "100000", "--max-streams-per-client", "100000"),
        *("--chat-rate", "100000", "--chat-client-rate", "100000"),
    ]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tp3",
            "serve",
            "--port",
            str(port),
            "--log-level",
            "warning",
            *unlimited,
        ],
        stdout=subprocess.DEVNULL,
        env=env,
        cwd=source,
    )
    wait_for_port(port, process, "tp3 serve")
    return process, f"127.0.0.1:{port}"


async def scenario(target: str, pid: int, members: int, messages: int, window: int) -> Result:
    room = f"bench-{members}"
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(AsyncTp3Client(target, timeout=30))
            for _ in range(math.ceil(members / MEMBERS_PER_CONNECTION))
        ]
        sent_at: dict[int, float] = {}
        latencies: list[float] = []
        received = [0] * members
        arrivals = [0] * members
        dropped = 0
        done = asyncio.Event()
        everyone_seen = asyncio.Event()
        progress = asyncio.Condition()

        async def receive(index: int, session: ChatSession) -> None:
            nonlocal dropped
            try:
                async for event in session:
                    if isinstance(event, MemberJoined):
                        arrivals[index] += 1
                        if all(a == members - 1 - i for i, a in enumerate(arrivals)):
                            everyone_seen.set()
                    if isinstance(event, RoomMessage):
                        latencies.append(time.perf_counter() - sent_at[int(event.text)])
                        received[index] += 1
                        if index == 0:
                            async with progress:
                                progress.notify_all()
                        if received[index] == messages and all(r == messages for r in received):
                            done.set()
            except Tp3RpcError:
                dropped += 1

        # Every member reads from the moment it joins: joins alone send N^2 / 2 presence events.
        before, cpu_before = rss_kib(pid), cpu_seconds(pid)
        if members == 1:
            everyone_seen.set()
        sessions: list[ChatSession] = []
        receivers: list[asyncio.Task[None]] = []
        for start in range(0, members, 50):  # join in batches
            batch = [
                clients[i // MEMBERS_PER_CONNECTION].chat.join(f"m{i}", room)
                for i in range(start, min(start + 50, members))
            ]
            joined = await asyncio.gather(*(stack.enter_async_context(s) for s in batch))
            for offset, session in enumerate(joined):
                receivers.append(asyncio.create_task(receive(start + offset, session)))
            sessions += joined
        await everyone_seen.wait()  # presence is right for every member
        join_cpu = cpu_seconds(pid) - cpu_before
        rss_per_member = (rss_kib(pid) - before) / members

        sender = sessions[0]
        first_send = time.perf_counter()
        for n in range(messages):
            async with progress:  # at most `window` messages the sender hasn't seen back yet
                await progress.wait_for(lambda: n - received[0] < window)  # noqa: B023
            sent_at[n] = time.perf_counter()
            await sender.send(str(n))
        await done.wait()
        elapsed = time.perf_counter() - first_send
        for task in receivers:
            task.cancel()
        await asyncio.gather(*receivers, return_exceptions=True)

    latencies.sort()
    return Result(
        members=members,
        messages=messages,
        deliveries_per_s=members * messages / elapsed,
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=latencies[int(len(latencies) * 0.99) - 1] * 1000,
        rss_per_member_kib=rss_per_member,
        dropped=dropped,
        join_cpu_s=join_cpu,
    )


async def run(source: Path | None, members: int, messages: int, window: int) -> Result:
    process, target = start_server(source)
    try:
        return await asyncio.wait_for(
            scenario(target, process.pid, members, messages, window), DEADLINE
        )
    finally:
        process.terminate()
        process.wait(10)


def row(label: str, r: Result) -> str:
    return (
        f"| {label} | {r.members} | {r.deliveries_per_s:,.0f} | {r.p50_ms:.2f} |"
        f" {r.p99_ms:.2f} | {r.rss_per_member_kib:.1f} KiB | {r.dropped} | {r.join_cpu_s:.2f} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--messages", type=int, default=200, help="messages per scenario")
    parser.add_argument("--window", type=int, default=16, help="messages in flight at most")
    parser.add_argument("--baseline", type=Path, help="another tp3 checkout to compare with")
    parser.add_argument("--quick", action="store_true", help="10 and 100 members, 50 messages")
    args = parser.parse_args()
    if args.quick:
        args.members, args.messages = [10, 100], 50
    print(f"chat fan-out: {args.messages} messages per scenario, window {args.window}")
    print(
        "| server | members | deliveries/s | p50 ms | p99 ms | server RSS per member | dropped"
        " | server CPU s for the joins |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for members in args.members:
        this = await run(None, members, args.messages, args.window)
        print(row("this", this), flush=True)
        if args.baseline:
            base = await run(args.baseline.resolve(), members, args.messages, args.window)
            print(row("baseline", base), flush=True)
            speed = this.deliveries_per_s / base.deliveries_per_s
            joins = this.join_cpu_s / base.join_cpu_s
            print(
                f"| this/baseline | {members} | x{speed:.2f} | x{this.p50_ms / base.p50_ms:.2f}"
                f" | x{this.p99_ms / base.p99_ms:.2f} | | | x{joins:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    asyncio.run(main())
