"""Chat fan-out, tp3 side by side with a naive grpclib fan-out and grpc's own Python stack: one
room, one member sending at a fixed rate, every member receiving. Issue #12's method:

- contenders, each a server process pinned to core 0, all serving
  `tp3.chat.v1.ChatService/Chat`: `tp3 serve` as shipped (only the limits one load address
  would hit are lifted), bench/peers/naive_fanout.py (bare grpclib and tp3's generated stubs:
  a queue per member, each message encoded once per member, a MemberJoined per member per
  join) and bench/peers/grpcio_chat.py (the same on grpc.aio);
- load: processes pinned to core 1, 50 members to a connection: the sender alone in one (its
  pace waits on nobody's reading), the others split over up to 3 more. By default (--load go)
  bench/peers/go_fanout, ~13 µs of its core a delivery; --load python runs
  bench/peers/fanout_client.py, through tp3's own client library, ~56 µs a delivery. Their
  CPU is shown beside the server's: a client core near 100% means the row measures the
  client, not the server. So is the rest of the machine's ("others"): on a shared machine, a
  row next to someone else's job is suspect;
- latency has a floor that is the load's, not the server's: one message's N copies reach
  core 1 together, and the load takes them in one after the other (through tp3's client
  library, ~56 ms for 1,000: why the Go load is the default). The report says how much;
- scenarios: 10 members x 100 msg/s, 100 x 100, 1,000 x 10, --seconds each after a second
  of warm-up; deliveries/s, latency p50/p99 (receipt - send, both time.monotonic(), which is
  system-wide on Linux: the send time travels in the text), server CPU per delivery (/proc);
- before the messages, the joins: server CPU from the first join until every member knows
  every other (its Joined, then the MemberJoined events), and the server's RSS per idle
  member (after the joins minus before, / N);
- contenders interleaved scenario by scenario, rep by rep; medians (min-max); ratios of tp3
  to each peer computed rep by rep, within the run. Targets: tp3's server CPU per delivery
  at most 0.5x the naive fan-out's, p99 at most 50 ms at 1,000 members x 10 msg/s.

    python bench/chat_fanout.py [--reps 3] [--seconds 10] [--quick] [--baseline DIR]
                                [--json FILE] [--calm SECONDS] [--load go|python]
                                [--only NAME,...] [--scenarios MEMBERSxRATE,...]

With --baseline DIR (another checkout of tp3, e.g. `git worktree add /tmp/base main`), its
`tp3 serve` is one more contender. --quick: one rep of 2 s, and the big room at 200 members
(1,000 members cost the naive peers half a million presence events, ~45 s a run). --calm S:
before each run, wait up to S seconds for the rest of the machine to be idle. --json FILE:
every run's measures (percentiles up to p99.9, cores, joins). Everything is bounded: a
scenario that stalls ends the bench with an error naming the contender, the scenario and the
step.
"""

import argparse
import asyncio
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from common import cpu_seconds, free_port, rss_kib, spread, wait_for_port

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
SERVER_CORE, LOAD_CORE = "0", "1"
PER_CONNECTION = 50  # members per HTTP/2 connection (~100 concurrent streams allowed)
LOAD_PROCESSES = 3  # receiving processes at most, beside the sender's
JOIN_TIMEOUT = 300.0  # the naive peers hand out N^2 / 2 presence events one by one
DRAIN_TIMEOUT = 60.0  # after the last send, for every member to have every message
SERVER_LOG = Path(os.environ.get("TMPDIR", "/tmp")) / "tp3-chat-fanout-servers.log"
# One load address holds every member, and the sender goes flat out: lift tp3's per-client
# limits (as shipped, they would refuse the load, not measure the server).
UNLIMITED = [
    *("--max-client-streams", "100000", "--max-streams-per-client", "100000"),
    *("--chat-rate", "100000", "--chat-client-rate", "100000"),
]


@dataclass(frozen=True)
class Scenario:
    members: int
    rate: float
    """Messages per second, all from one member."""

    def __str__(self) -> str:
        return f"{self.members:,} x {self.rate:g}/s"


def python(*argv: str) -> Callable[[int], list[str]]:
    """The command line of a server listening on the port it is given."""
    return lambda port: [sys.executable, *argv, str(port)]


@dataclass
class Contender:
    name: str
    argv: Callable[[int], list[str]]
    source: Path | None = None
    """Another checkout of tp3 to run the server from (a baseline), else this one."""
    runs: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    """Measures of each run, by scenario."""


TP3 = python("-m", "tp3", "serve", "--log-level", "warning", *UNLIMITED, "--port")
NAIVE = Contender("naive grpclib", python(str(PEERS / "naive_fanout.py")))
CONTENDERS = [
    Contender("tp3 serve", TP3),
    NAIVE,
    Contender("grpc.aio", python(str(PEERS / "grpcio_chat.py"))),
]


def machine_busy() -> float:
    """CPU seconds all processes have used, all cores together (/proc/stat): what is not the
    server's nor the load's is someone else's, and makes the numbers suspect."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields)
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_for_calm(limit: float) -> None:
    """Wait (`limit` seconds at most) for a second in which the rest of the machine uses less
    than a quarter of a core: on a shared machine, a run next to someone else's measures both."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy = machine_busy()
        time.sleep(1)
        if machine_busy() - busy < 0.25:
            return


def pinned(core: str, argv: list[str]) -> list[str]:
    return ["taskset", "-c", core, *argv]


class Load:
    """One fanout_client.py process: its members, its commands, its replies."""

    def __init__(self, process: asyncio.subprocess.Process, first: int, count: int) -> None:
        self.process, self.first, self.count = process, first, count
        self.replies: dict[str, dict[str, Any]] = {}  # by first key, until expected

    command: ClassVar[list[str]] = [sys.executable, str(PEERS / "fanout_client.py")]
    """The load program (--load): tp3's Python client library, or bench/peers/go_fanout."""

    @classmethod
    async def start(cls, target: str, room: str, total: int, first: int, count: int) -> "Load":
        argv = [*cls.command, target, room]
        process = await asyncio.create_subprocess_exec(
            *pinned(LOAD_CORE, [*argv, str(total), str(first), str(count)]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            limit=1 << 26,  # a round's latencies come as one line
        )
        load = cls(process, first, count)
        await load.expect("ready", 60)
        return load

    def __str__(self) -> str:
        return f"the load process of m{self.first}..m{self.first + self.count - 1}"

    async def tell(self, **command: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command).encode() + b"\n")
        await self.process.stdin.drain()

    async def expect(self, key: str, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        try:
            async with asyncio.timeout(timeout):
                while key not in self.replies:
                    line = await self.process.stdout.readline()
                    if not line:
                        raise Stalled(f"{self} ended (exit status {await self.process.wait()})")
                    reply = json.loads(line)
                    self.replies[next(iter(reply))] = reply
        except TimeoutError:
            raise Stalled(f"no {key!r} from {self} within {timeout:.0f} s") from None
        return self.replies.pop(key)

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    async def stop(self) -> None:
        """End of input ends it at once; kill it if not."""
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class Stalled(Exception):
    """A step of a scenario did not finish in time, or a load process died."""


def go_load() -> list[str]:
    """bench/peers/go_fanout, built into a temporary folder."""
    out = Path(tempfile.mkdtemp(prefix="tp3-go-fanout-")) / "fanout"
    build = ["go", "-C", str(PEERS / "go_fanout"), "build", "-o", str(out), "."]
    subprocess.run(build, check=True, timeout=600)
    return [str(out), "-descriptors", str(HERE.parent / "tp3" / "generated" / "tp3.binpb")]


def split(members: int) -> list[tuple[int, int]]:
    """(first, count) of each load process: the sender m0 alone, the others shared out."""
    others = members - 1
    processes = min(LOAD_PROCESSES, math.ceil(others / PER_CONNECTION))
    counts = [others // processes + (i < others % processes) for i in range(processes)]
    starts = [1 + sum(counts[:i]) for i in range(processes)]
    return [(0, 1), *zip(starts, counts, strict=True)]


async def everyone(loads: list[Load], key: str, timeout: float) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(load.expect(key, timeout) for load in loads)))


async def messages_round(loads: list[Load], messages: int, rate: float) -> dict[str, Any]:
    """Every member is told to expect `messages`, then m0 sends them; until all have them."""
    for load in loads:
        await load.tell(do="round", messages=messages)
    await everyone(loads, "ready", 30)
    await loads[0].tell(do="send", messages=messages, rate=rate)
    sent = await loads[0].expect("sent", 2 * messages / rate + 30)
    done = await everyone(loads, "done", DRAIN_TIMEOUT)
    latencies = sorted(latency for d in done for latency in d["latencies_ms"])
    return {
        "started": sent["started"],
        "last_receipt": max(d["last_receipt"] for d in done),
        "latencies": latencies,
        "dropped": max(d["dropped"] for d in done),
    }


def metering(pid: int, loads: list[Load]) -> Callable[[], dict[str, float]]:
    """Start counting; the function returned tells the wall time, and the CPU seconds of the
    server, of the load and of the rest of the machine, since."""

    def now() -> tuple[float, ...]:
        clients = sum(load.cpu() for load in loads)
        return time.monotonic(), cpu_seconds(pid), clients, machine_busy()

    before = now()

    def since() -> dict[str, float]:
        wall, server, clients, busy = (b - a for a, b in zip(before, now(), strict=True))
        return {"wall": wall, "server": server, "clients": clients,
                "others": max(0.0, busy - server - clients)}  # fmt: skip

    return since


async def measure(
    pid: int, loads: list[Load], scenario: Scenario, seconds: float
) -> dict[str, float]:
    rss, used = rss_kib(pid), metering(pid, loads)
    for load in loads:
        await load.tell(do="join")
    await everyone(loads, "present", JOIN_TIMEOUT)
    joins = used()
    await messages_round(loads, max(5, round(scenario.rate)), scenario.rate)  # warm-up: 1 s
    messages, used = round(scenario.rate * seconds), metering(pid, loads)
    got = await messages_round(loads, messages, scenario.rate)
    fanout, latencies = used(), got["latencies"]
    if not latencies:
        raise Stalled(f"no message reached any member ({got['dropped']} dropped)")
    return {
        "deliveries": len(latencies),
        "expected": messages * scenario.members,
        "deliveries_per_s": len(latencies) / (got["last_receipt"] - got["started"]),
        "p50_ms": statistics.median(latencies),
        "p90_ms": latencies[int(len(latencies) * 0.9)],
        "p99_ms": latencies[int(len(latencies) * 0.99)],
        "p999_ms": latencies[int(len(latencies) * 0.999)],
        "max_ms": latencies[-1],
        "server_cpu_us": fanout["server"] / len(latencies) * 1e6,
        "clients_cpu_us": fanout["clients"] / len(latencies) * 1e6,
        **{f"{who}_core": fanout[who] / fanout["wall"] for who in ("server", "clients", "others")},
        "dropped": got["dropped"],
        "join_cpu_s": joins["server"],
        "join_clients_cpu_s": joins["clients"],
        "join_s": joins["wall"],
        "join_others_core": joins["others"] / joins["wall"],
        "rss_kib_per_member": (rss_kib(pid) - rss) / scenario.members,
    }


def start_server(contender: Contender, port: int) -> "subprocess.Popen[bytes]":
    """The contender's server, on core 0."""
    env = dict(os.environ)
    if contender.source is not None:  # ahead of this checkout's editable install
        env["PYTHONPATH"] = str(contender.source)
    # stderr to a file: grpc.aio prints a traceback for every stream its client cuts
    with SERVER_LOG.open("ab") as log:
        return subprocess.Popen(
            pinned(SERVER_CORE, contender.argv(port)),
            stdout=subprocess.DEVNULL, stderr=log, env=env, cwd=contender.source,
        )  # fmt: skip


def stop_server(server: "subprocess.Popen[bytes]") -> None:
    server.terminate()
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


async def run(contender: Contender, scenario: Scenario, seconds: float) -> dict[str, float]:
    """A fresh server and fresh load processes: one contender, one scenario, one rep."""
    port = free_port()
    server = start_server(contender, port)
    loads: list[Load] = []
    try:
        target = f"127.0.0.1:{port}"
        # the server and the load import their modules side by side, each on its core
        started = await asyncio.gather(
            asyncio.to_thread(wait_for_port, port, server, contender.name),
            *(
                Load.start(target, "bench", scenario.members, *part)
                for part in split(scenario.members)
            ),
            return_exceptions=True,
        )
        loads = [load for load in started if isinstance(load, Load)]
        for failure in started:
            if isinstance(failure, BaseException):
                raise failure
        return await measure(server.pid, loads, scenario, seconds)
    except (Stalled, RuntimeError) as error:  # RuntimeError: the server did not start
        raise Stalled(
            f"{contender.name}, {scenario}: {error} (servers' stderr: {SERVER_LOG})"
        ) from None
    finally:
        await asyncio.gather(*(load.stop() for load in loads))
        stop_server(server)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


FANOUT = [
    ("deliveries/s", "deliveries_per_s", 0),
    ("p50 ms", "p50_ms", 1),
    ("p99 ms", "p99_ms", 1),
    ("server CPU µs/delivery", "server_cpu_us", 1),
    ("clients' CPU µs/delivery", "clients_cpu_us", 1),
]
JOINS = [
    ("server CPU s for the joins", "join_cpu_s", 2),
    ("clients' CPU s", "join_clients_cpu_s", 1),
    ("joins, wall s", "join_s", 1),
    ("server RSS KiB per idle member", "rss_kib_per_member", 1),
]
RATIOS = [
    ("deliveries/s", "deliveries_per_s"),
    ("server CPU per delivery (lower: tp3 cheaper)", "server_cpu_us"),
    ("p99", "p99_ms"),
    ("server CPU for the joins", "join_cpu_s"),
    ("RSS per member", "rss_kib_per_member"),
]


def report(contenders: list[Contender], scenarios: list[Scenario]) -> str:
    def values(c: Contender, s: Scenario, key: str) -> list[float]:
        return [run[key] for run in c.runs[str(s)]]

    def cores(c: Contender, s: Scenario, *keys: str) -> str:
        return " / ".join(f"{statistics.median(values(c, s, k)):.2f}" for k in keys)

    fanout = [
        [str(s), c.name]
        + [spread(values(c, s, key), digits) for _, key, digits in FANOUT]
        + [cores(c, s, "server_core", "clients_core", "others_core")]
        + [f"{max(values(c, s, 'dropped')):.0f}"]
        for s in scenarios
        for c in contenders
    ]
    joins = [
        [f"{s.members:,}", c.name]
        + [spread(values(c, s, key), digits) for _, key, digits in JOINS]
        + [cores(c, s, "join_others_core")]
        for s in scenarios
        for c in contenders
    ]
    tp3, *peers = contenders

    def ratio(peer: Contender, s: Scenario, key: str) -> str:
        pairs = zip(values(tp3, s, key), values(peer, s, key), strict=True)
        ratios = [a / b for a, b in pairs if b > 0]  # 0: below /proc's 10 ms resolution
        return spread(ratios, 2) if ratios else "n/a"

    ratios = [
        [str(s), peer.name] + [ratio(peer, s, key) for _, key in RATIOS]
        for s in scenarios
        for peer in peers
    ]
    cores_header = "cores used: server / clients / others"
    return "\n".join(
        [
            *table(
                ["scenario", "server", *(h for h, _, _ in FANOUT), cores_header, "dropped"], fanout
            ),
            "",
            *table(["members", "server", *(h for h, _, _ in JOINS), "others' core"], joins),
            "",
            *table(["scenario", "tp3 / peer, rep by rep", *(h for h, _ in RATIOS)], ratios),
            "",
            *targets(contenders, scenarios),
        ]
    )


def targets(contenders: list[Contender], scenarios: list[Scenario]) -> list[str]:
    """Issue #12's targets, judged on the medians of the reps."""
    tp3, naive = contenders[0], NAIVE
    if not tp3.name.startswith("tp3") or naive not in contenders:
        return []  # --only left one of them out

    def median(c: Contender, s: Scenario, key: str) -> float:
        return statistics.median(run[key] for run in c.runs[str(s)])

    lines = []
    for s in scenarios:
        cpu = statistics.median(
            a["server_cpu_us"] / max(b["server_cpu_us"], 1e-9)
            for a, b in zip(tp3.runs[str(s)], naive.runs[str(s)], strict=True)
        )
        lines.append(
            f"- {s}: tp3's server CPU per delivery x{cpu:.2f} the naive fan-out's"
            f" (target <= x0.5: {'met' if cpu <= 0.5 else 'NOT met'})"
        )
    for s in scenarios:
        if s.members < 1000:
            continue
        p99 = median(tp3, s, "p99_ms")
        others = ", ".join(f"{c.name} {median(c, s, 'p99_ms'):.1f}" for c in contenders[1:])
        # one message's copies all reach core 1 at once: taking them in is a floor the
        # server cannot lower
        per_copy = statistics.median(
            run["clients_cpu_us"] for c in contenders for run in c.runs[str(s)]
        )
        lines.append(
            f"- {s}: tp3's p99 {p99:.1f} ms (target <= 50 ms: {'met' if p99 <= 50 else 'NOT met'});"
            f" {others}. The load spends {per_copy:.0f} µs of its core per delivery: one"
            f" message's {s.members:,} copies take it {per_copy * s.members / 1000:.0f} ms,"
            " a p99 near that measures the load"
        )
    return lines


async def bench(contenders: list[Contender], scenarios: list[Scenario], args: Any) -> None:
    for rep in range(args.reps):
        for scenario in scenarios:
            for contender in contenders:
                wait_for_calm(args.calm)
                started = time.monotonic()
                result = await run(contender, scenario, args.seconds)
                contender.runs.setdefault(str(scenario), []).append(result)
                print(
                    f"rep {rep + 1}/{args.reps}, {scenario}, {contender.name}:"
                    f" {result['deliveries_per_s']:,.0f} deliveries/s,"
                    f" p99 {result['p99_ms']:.1f} ms, {result['server_cpu_us']:.1f} µs/delivery,"
                    f" cores: clients {result['clients_core']:.2f},"
                    f" others {result['others_core']:.2f}"
                    f" ({time.monotonic() - started:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )


def parse_scenario(text: str) -> Scenario:
    members, _, rate = text.partition("x")
    try:
        return Scenario(int(members), float(rate))
    except ValueError:
        sys.exit(f"error: --scenarios {text!r}: expected MEMBERSxRATE, e.g. 1000x10")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="of messages, per run")
    parser.add_argument(
        "--quick", action="store_true", help="1 rep of 2 s; the big room at 200 members"
    )
    parser.add_argument(
        "--baseline", type=Path, help="another checkout of tp3 (git worktree): a contender too"
    )
    parser.add_argument("--json", type=Path, help="write every run's measures there")
    parser.add_argument(
        "--only",
        metavar="NAME,...",
        help="only these contenders (by the start of their name: tp3,naive,grpc.aio)",
    )
    parser.add_argument(
        "--scenarios",
        metavar="MEMBERSxRATE,...",
        help="only these scenarios, e.g. 1000x10 (default: 10x100,100x100,1000x10)",
    )
    parser.add_argument(
        "--load",
        choices=["go", "python"],
        default="go" if shutil.which("go") else "python",
        help="the members' program: bench/peers/go_fanout (~10x cheaper a delivery, so the"
        " latencies are the server's) or tp3's Python client (default: go, if Go is here)",
    )
    parser.add_argument(
        "--calm",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each run, wait up to this long for the rest of the machine to be idle",
    )
    args = parser.parse_args()
    scenarios = [Scenario(10, 100), Scenario(100, 100), Scenario(1000, 10)]
    if args.quick:
        args.reps, args.seconds = 1, 2.0
        scenarios[-1] = Scenario(200, 10)
    if args.scenarios:
        scenarios = [parse_scenario(text) for text in args.scenarios.split(",")]
    contenders = list(CONTENDERS)
    if args.baseline is not None:
        contenders.insert(1, Contender("tp3 baseline", TP3, args.baseline.resolve()))
    if args.only:
        wanted = args.only.split(",")
        contenders = [c for c in contenders if any(c.name.startswith(w) for w in wanted)]
        if not contenders:
            parser.error(f"--only {args.only}: no such contender")
    if args.load == "go":
        Load.command = go_load()
    print(
        f"chat fan-out: {args.reps} reps, {args.seconds:g} s of messages per run,"
        f" server on core 0, load ({args.load}) on core 1",
        flush=True,
    )
    try:
        asyncio.run(bench(contenders, scenarios, args))
    except Stalled as error:
        sys.exit(f"error: {error}")
    if args.json is not None:
        raw = {
            "reps": args.reps,
            "seconds": args.seconds,
            "scenarios": [asdict(s) for s in scenarios],
            "runs": {c.name: c.runs for c in contenders},
        }
        args.json.write_text(json.dumps(raw, indent=1))
    print(report(contenders, scenarios))


if __name__ == "__main__":
    main()
