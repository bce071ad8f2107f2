"""Unary Convert, tp3 side by side with grpc's own Python stack: throughput, server CPU per
request, serial latency. Issue #12's method:

- contenders, each a server process pinned to core 0: `tp3 serve` as shipped (access log
  on), grpc.aio, grpcio sync (10 threads), and tp3's own service on a bare grpclib Server;
  all answer `Convert 6500 MAD USD` with tp3's converter, so only the RPC stack differs;
- load from h2load (Debian's nghttp2-client) pinned to core 1, outside any server's
  interpreter; h2load reads only `:status`, so every contender is first checked with a real
  call (its reply must be the same bytes as the others'), and each run's DATA bytes must be
  one reply per request;
- contenders interleaved (A B C D A B C D ...), `--reps` times; medians with min-max; ratios
  of tp3 to each peer computed rep by rep, within the run;
- server CPU per request from /proc (utime + stime), not only throughput;
- serial latency: a grpcio client (core 1) calling one after the other.

    python bench/unary.py [--reps 5] [--requests 20000] [--serial 2000] [--quick]
                          [--baseline DIR] [--whole-machine] [--json FILE]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import common
from common import Contender, cpu_seconds, free_port, python, spread, wait_for_port

from tp3.generated.tp3.currency import v1 as pb

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
PATH = "/tp3.currency.v1.CurrencyService/Convert"
SERVER_CORE, LOAD_CORE = "0", "1"


CONTENDERS = [
    Contender("tp3 serve", python("-m", "tp3", "serve", "--port")),
    Contender("grpc.aio", python(str(PEERS / "grpcio_server.py"), "aio")),
    Contender("grpcio sync", python(str(PEERS / "grpcio_server.py"), "sync")),
    Contender("bare grpclib", python(str(PEERS / "bare_grpclib.py"))),
]


WHOLE_MACHINE = False
"""--whole-machine: nothing pinned, servers and load share both cores."""


def pinned(core: str, argv: list[str]) -> list[str]:
    return common.pinned(core, argv, pin=not WHOLE_MACHINE)


def request_file(folder: Path) -> Path:
    body = bytes(pb.ConvertRequest(from_currency="MAD", to_currency="USD", amount="6500"))
    path = folder / "convert.bin"
    path.write_bytes(b"\0" + len(body).to_bytes(4, "big") + body)
    return path


def h2load(port: int, body: Path, requests: int) -> dict[str, float]:
    argv = ["h2load", "-n", str(requests), "-c", "10", "-m", "10", "-t", "1", "-d", str(body)]
    argv += ["-H", "content-type: application/grpc", "-H", "te: trailers"]
    out = subprocess.run(
        pinned(LOAD_CORE, [*argv, f"http://127.0.0.1:{port}{PATH}"]),
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout  # fmt: skip
    rate = re.search(r"finished in [\d.]+m?s, ([\d.]+) req/s", out)
    done = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded", out)
    data = re.search(r"\((\d+)\) data", out)
    if not (rate and done and data):
        raise RuntimeError(f"h2load said:\n{out}")
    return {"rps": float(rate[1]), "ok": int(done[1]), "data": int(data[1])}


def grpcio_client(*args: str) -> str:
    argv = pinned(LOAD_CORE, [sys.executable, str(PEERS / "grpcio_client.py"), *args])
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=True).stdout


def measure(contender: Contender, body: Path, args: argparse.Namespace, reply: list[str]) -> None:
    port = free_port()
    env = dict(os.environ)
    if contender.source is not None:  # ahead of this checkout's editable install
        env["PYTHONPATH"] = str(contender.source)
    server = subprocess.Popen(
        pinned(SERVER_CORE, contender.argv(port)),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=contender.source,
    )  # fmt: skip
    try:
        wait_for_port(port, server, contender.name)
        got = grpcio_client("check", f"127.0.0.1:{port}").strip()
        if reply and got != reply[0]:
            raise RuntimeError(f"{contender.name} answered {got}, the others {reply[0]}")
        reply[:] = [got]
        h2load(port, body, 2000)  # warm up
        before = cpu_seconds(server.pid)
        load = h2load(port, body, args.requests)
        cpu = cpu_seconds(server.pid) - before
        per_reply = len(bytes.fromhex(got)) + 5
        if load["ok"] != args.requests or load["data"] != per_reply * args.requests:
            raise RuntimeError(f"{contender.name}: {load} (expected {per_reply} B a reply)")
        serial = json.loads(grpcio_client("serial", f"127.0.0.1:{port}", str(args.serial)))
        contender.runs.append({"rps": load["rps"], "cpu_us": cpu / args.requests * 1e6, **serial})
    finally:
        server.terminate()
        server.wait(30)


def report(contenders: list[Contender]) -> str:
    lines = [
        "| contender | unary req/s | server CPU µs/req | serial p50 ms | serial p99 ms |",
        "|---|---|---|---|---|",
    ]
    for c in contenders:
        column = {k: [r[k] for r in c.runs] for k in c.runs[0]}
        lines.append(
            f"| {c.name} | {spread(column['rps'])} | {spread(column['cpu_us'])} "
            f"| {spread(column['p50_ms'], 3)} | {spread(column['p99_ms'], 3)} |"
        )
    tp3, *peers = contenders
    lines += [
        "",
        "| tp3 / peer, rep by rep | req/s | CPU per req (lower: tp3 cheaper) | serial p50 |",
        "|---|---|---|---|",
    ]
    for peer in peers:
        ratios = {
            k: [a[k] / b[k] for a, b in zip(tp3.runs, peer.runs, strict=True)]
            for k in ("rps", "cpu_us", "p50_ms")
        }
        lines.append(
            f"| {peer.name} | {spread(ratios['rps'], 2)} | {spread(ratios['cpu_us'], 2)} "
            f"| {spread(ratios['p50_ms'], 2)} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--serial", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="2 reps, fewer requests")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the per-rep results")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout of tp3 (git worktree): a contender too"
    )
    parser.add_argument(
        "--whole-machine",
        action="store_true",
        help="unpinned, tp3 serve --workers 2 --services currency among the contenders",
    )
    args = parser.parse_args()
    contenders = list(CONTENDERS)
    if args.whole_machine:
        global WHOLE_MACHINE
        WHOLE_MACHINE = True
        workers = python("-m", "tp3", "serve", "--workers", "2", "--services", "currency", "--port")
        contenders.insert(0, Contender("tp3 serve --workers 2", workers))
    if args.baseline is not None:
        serve = CONTENDERS[0].argv
        contenders.insert(1, Contender("tp3 baseline", serve, args.baseline.resolve()))
    if args.quick:
        args.reps, args.requests, args.serial = 2, 5000, 500
    for tool in ("h2load", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"error: {tool} is not installed (apt-get install nghttp2-client util-linux)")
    folder = Path(os.environ.get("TMPDIR", "/tmp"))
    body = request_file(folder)
    reply: list[str] = []
    for rep in range(args.reps):
        for contender in contenders:
            measure(contender, body, args, reply)
        print(f"rep {rep + 1}/{args.reps} done", file=sys.stderr, flush=True)
    print(report(contenders))
    if args.json is not None:
        args.json.write_text(json.dumps({c.name: c.runs for c in contenders}, indent=2) + "\n")


if __name__ == "__main__":
    main()
