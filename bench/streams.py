"""StreamQuotes and ConvertStream messages/s, tp3 side by side with grpc's own Python stack:
throughput and server CPU per message.

Issue #12's method, as bench/unary.py:

- contenders, each a server process pinned to core 0: `tp3 serve` as shipped (access log
  on; its per-client limits lifted, as one load client carries everything), grpc.aio,
  grpcio sync (a thread per call: as many as the streams), and tp3's own service on a bare
  grpclib Server (bench/peers/bare_grpclib_streams.py); all answer with tp3's converter and
  market (`--seed 1`), so only the RPC stack differs;
- load from h2load pinned to core 1, outside any server's interpreter; a stream is one
  HTTP/2 request whose DATA holds its messages. Not a grpcio client: one costs 40-100 µs of
  Python a message, as much as the servers, and was the bottleneck. h2load reads only
  `:status`, so every contender is first checked with real grpcio calls (its first quotes,
  `time` cleared, and its answers to a good and a bad ConvertStream request must be the same
  bytes as the others'), and each run's DATA bytes must be one reply per message;
- StreamQuotes: `--quote-streams` streams at once of `--quotes` quotes each, at the
  smallest interval the server accepts (10 ms). That offers 100 quotes/s a stream, more in
  all than any contender sends: no stream waits for its timer, so this measures the stack,
  not the timer (with few streams it would be a timer bench);
- ConvertStream: calls of `--requests` requests each, sent at once (the window is the
  call), `--calls-at-once` calls at a time; messages/s are answers/s;
- contenders interleaved (A B C D A B C D ...), `--reps` times; medians with min-max; ratios
  of tp3 to each peer computed rep by rep, within the run;
- server CPU per message from /proc (utime + stime), and h2load's CPU in % of its core, so
  a saturated load would show; and what other processes took of the two cores meanwhile
  (a shared machine: a run to discard if much).

    python bench/streams.py [--reps 5] [--quote-streams 500] [--quotes 100] [--calls 100]
                            [--calls-at-once 32] [--requests 500] [--quick] [--json FILE]
"""

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from common import (
    Contender,
    core_seconds,
    cpu_seconds,
    free_port,
    pinned,
    python,
    spread,
    wait_for_port,
)

from tp3.generated.tp3.currency import v1 as pb

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
SERVICE = "/tp3.currency.v1.CurrencyService"
SERVER_CORE, LOAD_CORE = CORES = ("0", "1")
STREAMS_PER_CONNECTION = 50  # HTTP/2 allows ~100 concurrent streams per connection
TIMESTAMP_BYTES = (8, 13)  # a quote's `time` field: nanos take 0 to 5 bytes as varint
WARM_UP = 5000  # messages before each run: connections, caches, the allocator
SEED = ["--seed", "1"]  # the same walk of quotes from every contender
UNLIMITED = [  # one client address carries all the load
    *("--quote-client-rate", "1e9", "--max-client-streams", "100000"),
    *("--max-streams-per-client", "100000", "--max-connections-per-client", "100000"),
]


@dataclass(frozen=True)
class Load:
    """One h2load run: `calls` calls of one method, `at_once` at a time, each sending `body`
    and getting `per_call` messages back."""

    name: str
    method: str
    body: Path
    calls: int
    at_once: int
    per_call: int

    @property
    def messages(self) -> int:
        return self.calls * self.per_call


def framed(*messages: bytes) -> bytes:
    return b"".join(b"\0" + len(m).to_bytes(4, "big") + m for m in messages)


def loads(args: argparse.Namespace, folder: Path) -> list[Load]:
    ask = pb.StreamQuotesRequest(
        base_currency="EUR",
        quote_currency="USD",
        interval=timedelta(milliseconds=10),
        count=args.quotes,
    )
    request = pb.ConvertStreamRequest(from_currency="MAD", to_currency="USD", amount="6500")
    (folder / "quotes.bin").write_bytes(framed(bytes(ask)))
    (folder / "convert-stream.bin").write_bytes(framed(*[bytes(request)] * args.requests))
    return [
        Load("quotes", "StreamQuotes", folder / "quotes.bin", args.quote_streams,
             args.quote_streams, args.quotes),
        Load("convert_stream", "ConvertStream", folder / "convert-stream.bin", args.calls,
             args.calls_at_once, args.requests),
    ]  # fmt: skip


def varint_size(n: int) -> int:
    return max(1, (n.bit_length() + 6) // 7)


def expected_data(load: Load, first: bytes) -> tuple[int, int]:
    """The DATA bytes (min, max) of a run, from a contender's first reply: messages differ
    only in their sequence number and, for quotes, their clock (and a rate digit or so)."""
    sizes = [len(first) - 1 + varint_size(n) + 5 for n in range(1, load.per_call + 1)]
    if load.name != "quotes":
        return sum(sizes) * load.calls, sum(sizes) * load.calls
    low, high = TIMESTAMP_BYTES
    per_call = (sum(sizes) + (low - 1) * load.per_call, sum(sizes) + (high + 1) * load.per_call)
    return per_call[0] * load.calls, per_call[1] * load.calls


def h2load(port: int, load: Load, calls: int) -> dict[str, float]:
    """Run `calls` of `load`: seconds, calls done, DATA bytes, h2load's CPU seconds."""
    at_once = min(calls, load.at_once)
    connections = -(-at_once // STREAMS_PER_CONNECTION)
    argv = ["h2load", "-n", str(calls), "-c", str(connections), "-t", "1"]
    argv += ["-m", str(-(-at_once // connections)), "-d", str(load.body)]
    argv += ["-H", "content-type: application/grpc", "-H", "te: trailers"]
    argv.append(f"http://127.0.0.1:{port}{SERVICE}/{load.method}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        pinned(LOAD_CORE, argv), capture_output=True, text=True, timeout=300, check=True
    ).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    took = re.search(r"finished in ([\d.]+)(m?s)", out)
    done = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", out)
    data = re.search(r"\((\d+)\) data", out)
    if not (took and done and data):
        raise RuntimeError(f"h2load said:\n{out}")
    seconds = float(took[1]) / (1000 if took[2] == "ms" else 1)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"seconds": seconds, "ok": int(done[1]), "data": int(data[1]), "cpu": cpu}


def check(port: int, name: str, replies: dict[str, list[str]]) -> None:
    """Real grpcio calls: the contender's replies must be the others'."""
    argv = pinned(LOAD_CORE, [sys.executable, str(PEERS / "grpcio_client.py"), "streams"])
    out = subprocess.run(
        [*argv, f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    got = json.loads(out)
    if replies and got != replies:
        raise RuntimeError(f"{name} answered {got}, the others {replies}")
    replies.update(got)


def measure(contender: Contender, runs: list[Load], replies: dict[str, list[str]]) -> None:
    port = free_port()
    server = subprocess.Popen(
        pinned(SERVER_CORE, contender.argv(port)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, server, contender.name)
        check(port, contender.name, replies)
        result: dict[str, float] = {}
        for load in runs:
            h2load(port, load, min(load.calls, -(-WARM_UP // load.per_call)))
            before = cpu_seconds(server.pid)
            cores = [core_seconds(SERVER_CORE), core_seconds(LOAD_CORE)]
            began = time.monotonic()
            run = h2load(port, load, load.calls)
            took = time.monotonic() - began
            cpu = cpu_seconds(server.pid) - before
            core_0, core_1 = (core_seconds(c) - b for c, b in zip(CORES, cores, strict=True))
            low, high = expected_data(load, bytes.fromhex(replies[load.name][0]))
            if run["ok"] != load.calls or not low <= run["data"] <= high:
                raise RuntimeError(f"{contender.name}, {load.name}: {run}, not {low}-{high} B")
            result |= {
                f"{load.name}_per_s": load.messages / run["seconds"],
                f"{load.name}_cpu_us": cpu / load.messages * 1e6,
                f"{load.name}_load_cpu_pct": run["cpu"] / run["seconds"] * 100,
                f"{load.name}_others_pct": (core_0 - cpu + core_1 - run["cpu"]) / took * 100,
            }
        contender.runs.append(result)
    finally:
        server.terminate()
        server.wait(30)


def report(contenders: list[Contender], runs: list[Load]) -> str:
    quotes, stream = runs
    lines = [
        f"StreamQuotes: {quotes.at_once} streams x {quotes.per_call} quotes at 10 ms "
        f"(offered {quotes.at_once * 100:,} quotes/s); ConvertStream: {stream.calls} calls x "
        f"{stream.per_call} requests, {stream.at_once} at once",
        "",
        "| contender | StreamQuotes msg/s | server CPU µs/msg | ConvertStream msg/s "
        "| server CPU µs/msg | h2load CPU % (quotes, stream) | others' CPU % (quotes, stream) |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in contenders:
        column = {k: [r[k] for r in c.runs] for k in c.runs[0]}
        lines.append(
            f"| {c.name} | {spread(column['quotes_per_s'])} "
            f"| {spread(column['quotes_cpu_us'], 1)} "
            f"| {spread(column['convert_stream_per_s'])} "
            f"| {spread(column['convert_stream_cpu_us'], 1)} "
            f"| {max(column['quotes_load_cpu_pct']):.0f}, "
            f"{max(column['convert_stream_load_cpu_pct']):.0f} (max) "
            f"| {max(column['quotes_others_pct']):.0f}, "
            f"{max(column['convert_stream_others_pct']):.0f} (max) |"
        )
    tp3, *peers = contenders
    lines += [
        "",
        "| tp3 / peer, rep by rep | StreamQuotes msg/s | CPU per quote (lower: tp3 cheaper) "
        "| ConvertStream msg/s | CPU per answer |",
        "|---|---|---|---|---|",
    ]
    for peer in peers:
        cells = [
            spread([a[k] / b[k] for a, b in zip(tp3.runs, peer.runs, strict=True)], 2)
            for k in ("quotes_per_s", "quotes_cpu_us", "convert_stream_per_s",
                      "convert_stream_cpu_us")
        ]  # fmt: skip
        lines.append(f"| {peer.name} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0].replace("\n", " "),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--reps", type=int, metavar="N", default=5, help="rounds of every contender"
    )
    parser.add_argument(
        "--quote-streams", type=int, metavar="N", default=500, help="StreamQuotes at once"
    )
    parser.add_argument(
        "--quotes", type=int, metavar="N", default=100, help="quotes a StreamQuotes"
    )
    parser.add_argument(
        "--calls", type=int, metavar="N", default=100, help="ConvertStream calls a run"
    )
    parser.add_argument(
        "--calls-at-once", type=int, metavar="N", default=32, help="ConvertStream at once"
    )
    parser.add_argument(
        "--requests", type=int, metavar="N", default=500, help="requests a ConvertStream"
    )
    parser.add_argument("--quick", action="store_true", help="2 reps, a fifth of the messages")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the per-rep results")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.quotes, args.calls = 2, args.quotes // 5, args.calls // 5
    for tool in ("h2load", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} is not installed (apt-get install nghttp2-client util-linux)")
    threads = str(max(args.quote_streams, args.calls_at_once))
    contenders = [
        Contender("tp3 serve", python("-m", "tp3", "serve", *SEED, *UNLIMITED, "--port")),
        Contender("grpc.aio", python(str(PEERS / "grpcio_server.py"), "aio", *SEED)),
        Contender("grpcio sync", python(str(PEERS / "grpcio_server.py"), "sync", *SEED,
                                        "--threads", threads)),
        Contender("bare grpclib", python(str(PEERS / "bare_grpclib_streams.py"), *SEED)),
    ]  # fmt: skip
    replies: dict[str, list[str]] = {}
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tp3-bench-") as folder:
        runs = loads(args, Path(folder))
        for rep in range(args.reps):
            for contender in contenders:
                measure(contender, runs, replies)
            print(f"rep {rep + 1}/{args.reps} done", file=sys.stderr, flush=True)
    print(report(contenders, runs))
    print(f"\n({time.monotonic() - start:.0f} s)")
    if args.json is not None:
        args.json.write_text(json.dumps({c.name: c.runs for c in contenders}, indent=2) + "\n")


if __name__ == "__main__":
    main()
