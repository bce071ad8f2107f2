"""`tp3 serve --workers N`: N server processes on one port (SO_REUSEPORT: the kernel spreads
the connections over them), started, signalled and awaited by this one.

Each worker is `tp3 serve` itself, with the same arguments, its port fixed and shared; so
rooms and games must live in a shared backend (Redis): with the in-memory one each worker
would hold rooms of its own, and two members of one room could not meet. The currency
service alone (`--services currency`) holds no state: its workers need nothing shared.
"""

import logging
import signal
import socket
import subprocess
import sys

from tp3.server import bound_socket

__all__ = ["reserve_port", "run_workers", "worker_argv"]

log = logging.getLogger("tp3.server")


def reserve_port(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) with SO_REUSEPORT, not listening: it holds the port
    (chosen by the system if 0) for the workers, and gets no connection itself."""
    return bound_socket(host, port, reuse_port=True)


def worker_argv(argv: list[str], port: int, number: int) -> list[str]:
    """The command line of worker `number`: this one's, without --workers, on `port`."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--workers":
            skip = True
        elif not arg.startswith("--workers="):
            kept.append(arg)
    return [
        sys.executable, "-m", "tp3", *kept,
        "--port", str(port), "--reuse-port", "--worker-name", f"worker-{number}",
    ]  # fmt: skip


def run_workers(count: int, host: str, port: int, argv: list[str]) -> int:
    """Run `count` workers until they stop; SIGINT and SIGTERM are passed on to them (a second
    one too: they stop at once). The worst exit status of theirs."""
    with reserve_port(host, port) as holder:
        port = holder.getsockname()[1]
        # Each in a process group of its own: Ctrl-C in a terminal signals the whole
        # foreground group, and passed on as well, it reached the workers twice, and the
        # second signal stopped them at once ("calls still running were cut off").
        workers = [
            subprocess.Popen(worker_argv(argv, port, n), process_group=0)
            for n in range(1, count + 1)
        ]

        def pass_on(signum: int, _frame: object) -> None:
            for worker in workers:
                if worker.poll() is None:
                    worker.send_signal(signum)

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, pass_on)
        log.info("%d workers on %s:%d", count, host, port)
        return max(worker.wait() for worker in workers)
