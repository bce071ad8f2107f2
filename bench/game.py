"""Game guesses/s with 100 players: `tp3 serve` judging Play sessions as fast as they guess.

- the server, `tp3 serve` pinned to core 0: its per-player and per-client guess limits
  lifted, the pause between rounds `--pause` (default 0: the next round starts at once, so
  this measures guessing, not waiting);
- the players, `--processes` client processes (tp3's own async client, AsyncTp3Client)
  pinned to core 1, one connection each: each player guesses as soon as its last hint came
  back (one guess in flight), by binary search, so rounds end and new ones start; a player
  whose round is over waits for the next one;
- measured over a window every process agrees on (after a warm-up): hints received per
  second, server CPU per guess from /proc (utime + stime), each guess's round trip (send to
  hint, one clock), rounds won, and the players' CPU in % of their core. tp3's client costs
  about what its server does a guess (both pure Python: grpclib, h2, betterproto2), so the
  players' core may be the limit (near 100%): then guesses/s are the pair's, and the server
  CPU per guess is the figure to compare; and what other processes took of either core in
  the window (a shared machine: a run to discard if much);
- with `--baseline DIR` (another checkout of tp3, e.g. `git worktree add /tmp/base main`),
  a server from DIR too, alternately rep by rep, and the ratios this / baseline.

    python bench/game.py [--players 100] [--processes 4] [--seconds 5] [--reps 3]
                         [--pause 0] [--baseline DIR] [--quick] [--json FILE]
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import core_seconds, cpu_seconds, free_port, spread, wait_for_port

from tp3.client import AsyncTp3Client, GameSession
from tp3.game.events import GameOver, Hint, Notice, RoundStarted, Verdict
from tp3.game.rules import HIGH, LOW

SERVER_CORE, LOAD_CORE = CORES = ("0", "1")
UNLIMITED = [  # one client address plays every player, flat out
    *("--game-rate", "1e9", "--game-client-rate", "1e9"),
    *("--max-client-streams", "100000", "--max-streams-per-client", "100000"),
]


@dataclass
class Tally:
    """What one player process saw in the window."""

    measuring: bool = False
    hints: int = 0
    round_trips_ms: list[float] = field(default_factory=list)
    rounds: set[int] = field(default_factory=set)


class Player:
    """Binary search in the current round, one guess in flight."""

    def __init__(self, session: GameSession, tally: Tally) -> None:
        self.session, self.tally = session, tally
        self.round = session.joined.round.number
        self.open = session.joined.round.open
        self.low, self.high = LOW, HIGH
        self.sent: float | None = None  # when the guess in flight left

    async def play(self) -> None:
        await self.next_guess()
        async for event in self.session:
            if isinstance(event, Hint):
                self.hinted(event)
            elif isinstance(event, RoundStarted) and event.round.number > self.round:
                self.new_round(event.round.number)
            elif isinstance(event, GameOver):
                if event.round == self.round:
                    self.open = False
                if self.tally.measuring:
                    self.tally.rounds.add(event.round)
            elif isinstance(event, Notice):
                raise RuntimeError(f"the server refused a guess: {event.text}")
            await self.next_guess()

    def hinted(self, hint: Hint) -> None:
        assert self.sent is not None, "a hint answers a guess"
        if self.tally.measuring:
            self.tally.hints += 1
            self.tally.round_trips_ms.append((time.perf_counter() - self.sent) * 1000)
        self.sent = None
        if hint.round > self.round:  # the guess landed in a round not yet announced to us
            self.new_round(hint.round)
        if hint.round < self.round:
            return
        if hint.verdict is Verdict.TOO_HIGH:
            self.high = hint.guess - 1
        elif hint.verdict is Verdict.TOO_LOW:
            self.low = hint.guess + 1
        else:  # won, or someone else did
            self.open = False

    def new_round(self, number: int) -> None:
        self.round, self.open, self.low, self.high = number, True, LOW, HIGH

    async def next_guess(self) -> None:
        if self.open and self.sent is None:
            self.sent = time.perf_counter()
            await self.session.guess((self.low + self.high) // 2)


async def players(target: str, names: list[str], seconds: float) -> dict[str, Any]:
    """Play as `names` on one connection: say `joined`, read when the window starts (a
    time.monotonic(), the same clock in every process), and tally it."""
    tally = Tally()
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(AsyncTp3Client(target, timeout=30))
        sessions = [await stack.enter_async_context(client.game.play(n)) for n in names]
        print("joined", flush=True)
        playing = asyncio.gather(*(Player(s, tally).play() for s in sessions))
        start = float(await asyncio.to_thread(sys.stdin.readline))
        for until, measuring in ((start, True), (start + seconds, False)):
            done, _ = await asyncio.wait([playing], timeout=until - time.monotonic())
            if done:  # a player failed: the run did
                playing.result()
            tally.measuring = measuring
        playing.cancel()
        await asyncio.gather(playing, return_exceptions=True)
    rounds = sorted(tally.rounds)
    return {"hints": tally.hints, "round_trips_ms": tally.round_trips_ms, "rounds": rounds}


def start_server(source: Path | None, pause: float) -> tuple["subprocess.Popen[bytes]", str]:
    """`tp3 serve` from this checkout, or from the checkout `source`."""
    port = free_port()
    env = dict(os.environ)
    if source is not None:  # ahead of this checkout's editable install
        env["PYTHONPATH"] = str(source)
    argv = [sys.executable, "-m", "tp3", "serve", "--port", str(port), "--game-pause", str(pause)]
    server = subprocess.Popen(
        ["taskset", "-c", SERVER_CORE, *argv, *UNLIMITED],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=source,
    )  # fmt: skip
    wait_for_port(port, server, "tp3 serve")
    return server, f"127.0.0.1:{port}"


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def measure(source: Path | None, args: argparse.Namespace) -> dict[str, float]:
    server, target = start_server(source, args.pause)
    clients: list[subprocess.Popen[str]] = []
    try:
        for p in range(args.processes):
            names = [f"p{i}" for i in range(p, args.players, args.processes)]
            argv = [sys.executable, __file__, "--seconds", str(args.seconds), "--play", target]
            pinned = ["taskset", "-c", LOAD_CORE, *argv, *names]
            pipe = subprocess.PIPE
            clients.append(subprocess.Popen(pinned, stdin=pipe, stdout=pipe, text=True))
        for client in clients:  # every player joined: the window opens after the warm-up
            assert client.stdout is not None
            if client.stdout.readline().strip() != "joined":
                raise RuntimeError("a player process failed to join")
        start = time.monotonic() + args.warm_up
        for client in clients:
            assert client.stdin is not None
            client.stdin.write(f"{start}\n")
            client.stdin.flush()
        sleep_until(start)
        server_before = cpu_seconds(server.pid)
        clients_before = sum(cpu_seconds(c.pid) for c in clients)
        cores_before = [core_seconds(SERVER_CORE), core_seconds(LOAD_CORE)]
        sleep_until(start + args.seconds)
        server_cpu = cpu_seconds(server.pid) - server_before
        clients_cpu = sum(cpu_seconds(c.pid) for c in clients) - clients_before
        core_0, core_1 = (core_seconds(c) - b for c, b in zip(CORES, cores_before, strict=True))
        tallies = []
        for client in clients:
            out, _ = client.communicate(timeout=60)
            if client.returncode != 0:
                raise RuntimeError(f"a player process failed ({client.returncode})")
            tallies.append(json.loads(out))
    finally:
        for client in clients:
            if client.poll() is None:
                client.kill()
                client.wait()
        server.terminate()
        server.wait(30)
    hints = sum(t["hints"] for t in tallies)
    trips = [ms for t in tallies for ms in t["round_trips_ms"]]
    return {
        "guesses_per_s": hints / args.seconds,
        "cpu_us": server_cpu / hints * 1e6,
        "p50_ms": statistics.median(trips),
        "p99_ms": statistics.quantiles(trips, n=100)[98],
        "rounds": len(set().union(*(t["rounds"] for t in tallies))),
        "client_cpu_pct": clients_cpu / args.seconds * 100,
        "others_core_0_pct": (core_0 - server_cpu) / args.seconds * 100,
        "others_core_1_pct": (core_1 - clients_cpu) / args.seconds * 100,
    }


COLUMNS = {  # key: (heading, digits)
    "guesses_per_s": ("guesses/s", 0),
    "cpu_us": ("server CPU µs/guess", 1),
    "p50_ms": ("round trip p50 ms", 2),
    "p99_ms": ("p99 ms", 2),
    "rounds": ("rounds", 0),
    "client_cpu_pct": ("players' CPU %", 0),
    "others_core_0_pct": ("others' CPU % on core 0", 0),
    "others_core_1_pct": ("on core 1", 0),
}


def report(results: dict[str, list[dict[str, float]]]) -> str:
    lines = [
        "| server | " + " | ".join(heading for heading, _ in COLUMNS.values()) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for name, runs in results.items():
        cells = [spread([r[k] for r in runs], digits) for k, (_, digits) in COLUMNS.items()]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if len(results) == 2:
        this, base = results.values()
        cells = [
            spread([a[k] / b[k] for a, b in zip(this, base, strict=True)], 2)
            if not k.startswith("others")  # noise, not a measure of the servers
            else ""
            for k in COLUMNS
        ]
        lines.append("| this / baseline, rep by rep | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument(
        "--players", type=int, metavar="N", default=100, help="Play sessions at once"
    )
    parser.add_argument("--processes", type=int, metavar="N", default=4, help="player processes")
    parser.add_argument(
        "--seconds", type=float, metavar="S", default=5.0, help="the measured window"
    )
    parser.add_argument(
        "--warm-up", type=float, metavar="S", default=2.0, help="play before the window"
    )
    parser.add_argument("--reps", type=int, metavar="N", default=3, help="windows per server")
    parser.add_argument(
        "--pause", type=float, metavar="S", default=0.0, help="tp3 serve --game-pause"
    )
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="another tp3 checkout to compare with"
    )
    parser.add_argument("--quick", action="store_true", help="1 rep, a 3 s window")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the per-rep results")
    parser.add_argument("--play", nargs="+", help=argparse.SUPPRESS)  # TARGET NAME...
    args = parser.parse_args()
    if args.play:
        target, *names = args.play
        print(json.dumps(asyncio.run(players(target, names, args.seconds))))
        return
    if args.quick:
        args.reps, args.seconds, args.warm_up = 1, 3.0, 1.0
    sources: dict[str, Path | None] = {"this": None}
    if args.baseline is not None:
        sources["baseline"] = args.baseline.resolve()
    results: dict[str, list[dict[str, float]]] = {name: [] for name in sources}
    began = time.monotonic()
    for rep in range(args.reps):
        for name, source in sources.items():
            results[name].append(measure(source, args))
        print(f"rep {rep + 1}/{args.reps} done", file=sys.stderr, flush=True)
    print(
        f"game: {args.players} players in {args.processes} processes, pause {args.pause:g} s, "
        f"{args.seconds:g} s windows, {args.reps} reps"
    )
    print(report(results))
    print(f"\n({time.monotonic() - began:.0f} s)")
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
