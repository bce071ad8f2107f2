"""`tp3 serve` as a process: signals, access log, rates file, seed, startup failures."""

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cli_support import assert_one_error_line, run_tp3
from conftest import ServerProcess, start_server_process

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

WAIT_TIMEOUT = 10.0


def currency(running: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return run_tp3("currency", *args, "--target", running.target)


@contextmanager
def serving(*args: str) -> Iterator[ServerProcess]:
    """`tp3 serve --port 0 ARGS` for the duration of the block, always stopped after."""
    running = start_server_process(*args)
    try:
        yield running
    finally:
        try:
            running.stop(WAIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            running.process.kill()
            running.stop(WAIT_TIMEOUT)


# --- stopping ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_stops_the_server_cleanly(sig: signal.Signals) -> None:
    with serving() as running:
        running.process.send_signal(sig)
        assert running.process.wait(WAIT_TIMEOUT) == 0
        running.wait_for_log(lambda line: "draining" in line)
        running.wait_for_log(lambda line: line.endswith("stopped"))
        assert not any("Traceback" in line for line in running.log)


# --- access log ------------------------------------------------------------------------------

CONVERT = "/tp3.currency.v1.CurrencyService/Convert"
_ACCESS = re.compile(
    r"(?P<method>/\S+) peer=(?P<peer>\S+) status=(?P<status>[A-Z_]+) duration=(?P<ms>\d+\.\d)ms"
    r"(?: message=(?P<message>.+))?$"
)


def _access(line: str) -> re.Match[str] | None:
    return _ACCESS.search(line)


def test_one_access_log_line_per_rpc() -> None:
    with serving() as running:
        assert currency(running, "convert", "6500", "MAD", "USD").returncode == 0
        ok = running.wait_for_log(
            lambda line: CONVERT in line and "status=OK" in line,
        )
        match = _access(ok)
        assert match is not None, ok
        assert match["method"] == CONVERT
        assert match["peer"].startswith("127.0.0.1:")
        assert match["peer"].removeprefix("127.0.0.1:").isdigit()
        assert float(match["ms"]) >= 0
        assert match["message"] is None

        bad = currency(running, "convert", "1", "XXX", "USD")
        assert bad.returncode == 1
        rejected = running.wait_for_log(
            lambda line: CONVERT in line and "status=INVALID_ARGUMENT" in line
        )
        match = _access(rejected)
        assert match is not None, rejected
        assert match["peer"].startswith("127.0.0.1:")
        assert match["message"] is not None
        assert "from_currency: XXX is not supported" in match["message"]

        assert currency(running, "list", "--json").returncode == 0
        running.wait_for_log(lambda line: "/ListCurrencies" in line and "status=OK" in line)
        # Two Convert calls, two Convert lines: none missing, none doubled.
        assert sum(CONVERT in line for line in running.log) == 2


# --- rates file ------------------------------------------------------------------------------


def test_rates_file_is_served(kwd_rates_file: Path) -> None:
    with serving("--rates", str(kwd_rates_file)) as running:
        result = currency(running, "convert", "100", "EUR", "KWD")
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("100 EUR = 36.120 KWD  (rate 0.3612, rates of 2026-02-20)")

        result = currency(running, "convert", "1000", "JPY", "KWD", "--json")
        assert result.returncode == 0, result.stderr
        # 1000 / 182.63 * 0.3612 = 1.97776..., rounded to KWD's 3 minor units
        assert json.loads(result.stdout)["converted_amount"] == "1.978"

        result = currency(running, "list", "--json")
        assert result.returncode == 0, result.stderr
        listed = [json.loads(line) for line in result.stdout.splitlines()]
        assert sorted(c["code"] for c in listed) == ["EUR", "JPY", "KWD", "MAD", "USD"]
        kwd = next(c for c in listed if c["code"] == "KWD")
        assert kwd["minor_units"] == 3
        assert kwd["rate"] == "0.3612"


def test_an_ecb_file_without_mad_keeps_the_embedded_mad_and_says_so(tmp_path: Path) -> None:
    """The ECB publishes no MAD: the lab's headline conversion works on its files anyway, and
    the start log says which file, of which date, and where MAD comes from."""
    path = tmp_path / "eurofxref.csv"  # the ECB's one-day layout; test figures, not real ones
    path.write_text("Date, USD, JPY, \n10 March 2026, 1.1500, 170.00, \n")
    with serving("--rates", str(path)) as running:
        result = currency(running, "convert", "6500", "MAD", "USD")
        assert result.returncode == 0, result.stderr
        # 6500 / 10.7926 (embedded MAD) * 1.15 (the file's USD) = 692.604...
        assert result.stdout == "6500 MAD = 692.60 USD  (rate 0.1065544910, rates of 2026-03-10)\n"
        start = running.wait_for_log(lambda line: "rates of" in line)
        assert f"rates of 2026-03-10 from {path}" in start
        assert "MAD (not in that file): tp3's embedded Bank Al-Maghrib" in start
        assert "of 2026-02-20, 10.7926" in start
        listing = currency(running, "list", "--json")
        assert listing.returncode == 0, listing.stderr
        codes = [json.loads(line)["code"] for line in listing.stdout.splitlines()]
        assert codes == ["EUR", "JPY", "MAD", "USD"]


@pytest.mark.parametrize("kind", ["not-a-table", "directory"])
def test_unusable_rates_file_is_one_error_line(kind: str, tmp_path: Path) -> None:
    if kind == "not-a-table":
        path = tmp_path / "notes.csv"
        path.write_text("hello, world\nthis is not a rates table\n")
    else:
        path = tmp_path
    result = run_tp3("serve", "--port", "0", "--rates", str(path))
    assert_one_error_line(result, 2, "error: cannot use the rates file")
    assert "tp3 serving" not in result.stderr


def test_nonexistent_rates_path() -> None:
    result = run_tp3("serve", "--port", "0", "--rates", "/nonexistent")
    line = assert_one_error_line(result, 2, "error: cannot use the rates file")
    assert "/nonexistent" in line


# --- seed ------------------------------------------------------------------------------------


def _quote_rates(running: ServerProcess) -> list[str]:
    result = currency(
        running, "quotes", "EUR", "USD", "--count", "5", "--interval", "0.01", "--json"
    )
    assert result.returncode == 0, result.stderr
    ticks = [json.loads(line) for line in result.stdout.splitlines()]
    assert [t["sequence"] for t in ticks] == [1, 2, 3, 4, 5]
    return [t["rate"] for t in ticks]


def test_seed_makes_quote_streams_reproducible() -> None:
    with serving("--seed", "7") as seeded:
        first = _quote_rates(seeded)
        second = _quote_rates(seeded)
    assert first == second
    assert len(set(first)) > 1  # the rate does wander

    with serving("--seed", "8") as other:
        assert _quote_rates(other) != first


# --- startup failures ------------------------------------------------------------------------


def test_port_in_use_is_one_error_line() -> None:
    with serving() as running:
        port = running.target.rpartition(":")[2]
        result = run_tp3("serve", "--host", "127.0.0.1", "--port", port)
        line = assert_one_error_line(result, 1, "error: cannot listen on ")
        assert port in line
        assert running.process.poll() is None  # the first server is unharmed
        assert currency(running, "convert", "1", "EUR", "USD").returncode == 0
