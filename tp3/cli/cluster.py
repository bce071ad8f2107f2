"""`tp3 cluster`: a whole scale-out on this machine, for a demo: a redis-server, replicas of
tp3 sharing it, and nginx in front of them (deploy/nginx.conf, as written but for its ports).
Clients point at nginx; Ctrl-C stops everything.

Everything runs in a temporary folder, on free loopback ports but nginx's; redis-server and
nginx are Debian's (apt-get install redis-server nginx).
"""

import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from tp3.cli.common import fail

RECIPE = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
RECIPE_REPLICAS = ("127.0.0.1:50061", "127.0.0.1:50062", "127.0.0.1:50063")
RECIPE_LISTEN = "listen 127.0.0.1:8080"
STARTUP = 20.0


def nginx_config(recipe: str, replicas: Sequence[int], listen: int) -> str:
    """deploy/nginx.conf with its upstream servers and its listening port replaced."""
    upstream = "\n".join(
        f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in replicas
    )
    lines = [line for line in recipe.splitlines() if not _is_recipe_replica(line)]
    text = "\n".join(lines) + "\n"
    text = re.sub(r"(upstream tp3 \{\n(?:\s*#.*\n)*)", lambda m: m[1] + upstream + "\n", text)
    return text.replace(RECIPE_LISTEN, f"listen 127.0.0.1:{listen}")


def _is_recipe_replica(line: str) -> bool:
    return line.strip().startswith("server ") and any(r in line for r in RECIPE_REPLICAS)


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found is None and Path("/usr/sbin/nginx").exists():
        found = "/usr/sbin/nginx"
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: "subprocess.Popen[bytes]", what: str) -> None:
    deadline = time.monotonic() + STARTUP
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start on port {port}") from None
            time.sleep(0.05)


def cluster_command(
    replicas: Annotated[int, typer.Option(min=1, max=9, help="tp3 replicas behind nginx.")] = 3,
    port: Annotated[
        int,
        typer.Option(min=1, max=65535, metavar="PORT", help="nginx's port: where clients connect."),
    ] = 8080,
) -> None:
    """Run redis-server, tp3 replicas sharing it (--replicas) and nginx in front, until Ctrl-C.

    A demo of scale-out on one machine: point clients at 127.0.0.1:PORT (with
    --reconnect, they survive a replica being killed). Needs redis-server and nginx.
    """
    redis_server, nginx = shutil.which("redis-server"), find_nginx()
    if redis_server is None or nginx is None:
        tools = (("redis-server", redis_server), ("nginx", nginx))
        missing = " and ".join(name for name, path in tools if path is None)
        fail(f"tp3 cluster needs {missing} (apt-get install redis-server nginx)")
    if not RECIPE.exists():
        fail(f"tp3 cluster runs from a checkout of tp3: {RECIPE} is missing")
    with tempfile.TemporaryDirectory(prefix="tp3-cluster-") as folder:
        code = _run(Path(folder), redis_server, nginx, replicas, port)
    raise typer.Exit(code)


def _run(folder: Path, redis_server: str, nginx: str, count: int, listen: int) -> int:
    processes: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        redis_port = free_port()
        store = subprocess.Popen(
            [
                *(redis_server, "--port", str(redis_port), "--bind", "127.0.0.1"),
                *("--dir", str(folder), "--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us alone: we stop them, in order
        )
        processes.append(store)
        wait_for_port(redis_port, store, "redis-server")
        url = f"redis://127.0.0.1:{redis_port}/0"
        ports = [free_port() for _ in range(count)]
        for replica_port in ports:
            replica = subprocess.Popen(
                [
                    *(sys.executable, "-m", "tp3", "serve", "--port", str(replica_port)),
                    *("--backend", url, "--log-level", "warning"),
                ],
                start_new_session=True,
            )
            processes.append(replica)
            wait_for_port(replica_port, replica, "tp3 serve")
        (folder / "logs").mkdir()
        config = folder / "nginx.conf"
        config.write_text(nginx_config(RECIPE.read_text(), ports, listen))
        proxy = subprocess.Popen(
            [nginx, "-p", str(folder), "-c", str(config), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        processes.append(proxy)
        wait_for_port(listen, proxy, "nginx")
        typer.echo(
            f"tp3 cluster: redis-server on {redis_port}, {count} replicas on "
            f"{', '.join(map(str, ports))}, nginx on {listen}\n"
            f"point your clients at 127.0.0.1:{listen} (Ctrl-C stops everything)",
            err=True,
        )
        while not stopping:
            if any(p.poll() is not None for p in processes):
                typer.echo("tp3 cluster: a process stopped; stopping the others", err=True)
                return 1
            time.sleep(0.2)
        return 0
    except RuntimeError as error:
        typer.echo(f"error: {error}", err=True)
        return 1
    finally:
        for process in reversed(processes):  # nginx first, redis-server last
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
