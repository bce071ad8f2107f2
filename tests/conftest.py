"""Shared fixtures: real tp3 servers on ephemeral 127.0.0.1 ports; the two tiers.

Tiers: `pytest -m "not slow"` is the one to run on every change (in-process servers and
unit tests, about a minute at most); a test that starts a process (a tp3 server, redis,
nginx, grpcurl, Java...) or waits seconds on purpose is marked `slow`, and one that isn't
marked fails as soon as it starts a process, so the fast tier stays fast.

- `server` / `client`: an in-process server in the test's event loop, and an async client
  connected to it over real TCP (fast, and tests can look inside the server).
- `server_process`: `python -m tp3 serve --port 0` as a subprocess, shared by the session, for
  the CLI and the blocking client, which can't run inside the test's event loop.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme

from tp3.cli.cluster import free_port
from tp3.client import AsyncTp3Client
from tp3.server import ServerConfig, Tp3Server

SEED = 42
MAD_USD = {
    "from_currency": "MAD",
    "to_currency": "USD",
    "amount": "6500",
    "converted_amount": "708.68",
    "rate": "0.1090284084",
    "rate_date": "2026-02-20",
}
"""The Convert of 6500 MAD to USD (ECB rates of 2026-02-20), in protobuf's JSON mapping."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """Outside the slow tier, starting a process (in the test or in a fixture it sets up)
    fails the test with what to do about it."""
    if item.get_closest_marker("slow") is not None:
        return (yield)
    start = subprocess.Popen.__init__

    def refuse(popen: subprocess.Popen[bytes], args: object, *rest: object, **kw: object) -> None:
        raise AssertionError(
            f"{item.nodeid} starts a process ({args!r}): mark it slow "
            "(`pytestmark = pytest.mark.slow` for its module, or @pytest.mark.slow)"
        )

    subprocess.Popen.__init__ = refuse  # type: ignore[method-assign,assignment]
    try:
        return (yield)
    finally:
        subprocess.Popen.__init__ = start  # type: ignore[method-assign]


_SERVING = re.compile(r"tp3 serving on (\S+):(\d+)")
STARTUP_TIMEOUT = 20.0


def secrets_from(*values: int) -> Callable[[], int]:
    """A game's draw, for a backend injected by a test: these secrets, round after round."""
    draws: Iterator[int] = iter(values)
    return lambda: next(draws)


@pytest.fixture
async def server() -> AsyncIterator[Tp3Server]:
    async with Tp3Server(ServerConfig(host="127.0.0.1", port=0, seed=SEED)) as running:
        yield running


@pytest.fixture
async def client(server: Tp3Server) -> AsyncIterator[AsyncTp3Client]:
    async with AsyncTp3Client(f"127.0.0.1:{server.port}", timeout=5.0) as connected:
        yield connected


@dataclass
class ServerProcess:
    """A `tp3 serve` subprocess; `log` collects its stderr lines as they come."""

    process: "subprocess.Popen[str]"
    target: str
    log: list[str] = field(repr=False)
    reader: threading.Thread

    def wait_for_log(
        self, matches: Callable[[str], bool], *, count: int = 1, timeout: float = 10.0
    ) -> str:
        """The `count`th log line that `matches` (the first, by default), polling the live log
        for at most `timeout` seconds; the test fails, showing the log, if it does not come."""
        deadline = time.monotonic() + timeout
        while len(found := [line for line in list(self.log) if matches(line)]) < count:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{count} matching log line(s) not seen within {timeout}s; log:\n"
                    + "\n".join(self.log)
                )
            time.sleep(0.02)
        return found[count - 1]

    def stop(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        code = self.process.wait(timeout)
        self.reader.join(timeout)  # the log is complete once stderr is drained
        assert self.process.stderr is not None
        self.process.stderr.close()
        return code


def start_server_process(*args: str, own_group: bool = False) -> ServerProcess:
    """Start `tp3 serve --port 0 ARGS` and wait (bounded) until it says where it listens.
    `own_group`: in a process group of its own, as a terminal's foreground job is (a test
    can then signal the group, as Ctrl-C does)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tp3", "serve", "--port", "0", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        process_group=0 if own_group else None,
    )
    assert process.stderr is not None
    log: list[str] = []
    found = threading.Event()
    address: list[str] = []

    def pump() -> None:  # keeps reading so the server never blocks on a full pipe
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line.rstrip("\n"))
            match = _SERVING.search(line)
            if match and not found.is_set():
                address.append(f"{match[1]}:{match[2]}")
                found.set()
        found.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    running = ServerProcess(process, "", log, reader)
    if not found.wait(STARTUP_TIMEOUT) or not address:
        running.process.kill()
        running.stop()
        raise RuntimeError("tp3 serve did not start:\n" + "\n".join(log))
    running.target = address[0]
    return running


@pytest.fixture(scope="session")
def server_process() -> Iterator[ServerProcess]:
    running = start_server_process("--seed", str(SEED))
    yield running
    running.stop()


@pytest.fixture
def kwd_rates_file(tmp_path: Path) -> Path:
    """A rates file in the ECB's one-day layout with a 3-minor-unit currency (KWD).

    The figures are a fixture for rounding tests, not reference data."""
    path = tmp_path / "eurofxref.csv"
    path.write_text(
        "Date, USD, JPY, KWD, MAD, \n20 February 2026, 1.1767, 182.63, 0.3612, 10.7926, \n"
    )
    return path


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    other_ca: Path
    stranger_cert: Path
    stranger_key: Path
    alice_cert: Path
    alice_key: Path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1, client ones it signed (one without a common
    name, alice's with one); and a second CA, with a client certificate of its own."""
    folder = tmp_path_factory.mktemp("pki")
    ca, other = trustme.CA(), trustme.CA()
    files = {}
    for name, blob in [
        ("ca", ca.cert_pem),
        ("other_ca", other.cert_pem),
    ]:
        files[name] = folder / f"{name}.pem"
        blob.write_to_path(str(files[name]))
    for name, issuer, identity, common_name in [
        ("server", ca, "127.0.0.1", None),
        ("client", ca, "client@tp3.test", None),
        ("stranger", other, "mallory@tp3.test", None),
        ("alice", ca, "alice@tp3.test", "alice"),
    ]:
        cert = issuer.issue_cert(identity, common_name=common_name)
        files[f"{name}_cert"] = folder / f"{name}.pem"
        files[f"{name}_key"] = folder / f"{name}.key"
        cert.cert_chain_pems[0].write_to_path(str(files[f"{name}_cert"]))
        cert.private_key_pem.write_to_path(str(files[f"{name}_key"]))
    return Pki(**files)


@pytest.fixture(scope="session")
def java_client() -> list[str]:
    """The argv of the Java client (clients/java), which `nox -s tests` builds with Maven and
    passes in TP3_JAVA_CLIENT; without it, skip (a failure if TP3_REQUIRE_TOOLS=1, as in CI)."""
    jar = os.environ.get("TP3_JAVA_CLIENT")
    java = shutil.which("java")
    if jar and java and Path(jar).exists():
        return [java, "-jar", jar]
    if os.environ.get("TP3_REQUIRE_TOOLS") == "1":
        pytest.fail("the Java client is required (TP3_REQUIRE_TOOLS=1) but was not built")
    pytest.skip("the Java client is not built (nox -s tests builds it with Maven)")


def require_tool(name: str, path: str | None) -> str:
    """`path`, or skip the test: unless TP3_REQUIRE_TOOLS=1 (CI), which makes it a failure."""
    if path:
        return path
    if os.environ.get("TP3_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{name} is required (TP3_REQUIRE_TOOLS=1) but was not found")
    pytest.skip(f"{name} is not installed (.ci/run installs it)")


@dataclass
class RedisServer:
    """A redis-server of the tests' own, on a free loopback port, in a temporary folder."""

    process: "subprocess.Popen[bytes]"
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def start_redis(folder: Path, *extra: str, port: int | None = None) -> RedisServer:
    """A redis-server keeping its files in `folder` (none, unless `extra` turns on AOF)."""
    binary = require_tool("redis-server", shutil.which("redis-server"))
    port = port or free_port()
    process = subprocess.Popen(
        [
            *(binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)),
            *("--save", "", "--appendonly", "no", *extra),  # a later --appendonly wins
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:  # up once it answers PING
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return RedisServer(process, port)
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"redis-server did not start on port {port}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for the session; tests that use it start from an empty database."""
    running = start_redis(tmp_path_factory.mktemp("redis"))
    yield running
    running.stop()
