"""The `tp3` command line, run as a user runs it: `python -m tp3 ...` against a real server.

Every command runs in a subprocess with a timeout; expected failures must be one `error: ...`
line on stderr with the documented exit status, never a traceback.
"""

import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from typing import Any, TextIO

import pytest
from conftest import ServerProcess

RUN_TIMEOUT = 20.0
LINE_TIMEOUT = 10.0
RATE_DATE = "2026-02-20"


def _env(**overrides: str) -> dict[str, str]:
    """The caller's environment without TP3_TARGET (tests choose it), wide and colourless."""
    env = {k: v for k, v in os.environ.items() if k not in {"TP3_TARGET", "FORCE_COLOR"}}
    env.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    env.update(overrides)
    return env


def tp3(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tp3", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env if env is not None else _env(),
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def cli(
    server: ServerProcess, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tp3 currency ARGS --target <server>`."""
    return tp3("currency", *args, "--target", server.target, input=input)


def assert_ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


def assert_one_error_line(result: subprocess.CompletedProcess[str], code: int, prefix: str) -> str:
    """The command failed with `code` and said why in exactly one stderr line, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    assert result.stdout == ""
    return lines[0]


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


class LineReader:
    """Reads a pipe in a thread so tests can wait for one line with a bound."""

    def __init__(self, pipe: TextIO) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe: TextIO) -> None:
        for line in pipe:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self, timeout: float = LINE_TIMEOUT) -> str | None:
        """The next line, None at the end of the stream; fails the test after `timeout`."""
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no line within {timeout}s")

    def join(self, timeout: float = LINE_TIMEOUT) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive()


def _popen(*args: str, stdin: int | None = subprocess.DEVNULL) -> "subprocess.Popen[str]":
    return subprocess.Popen(
        [sys.executable, "-m", "tp3", *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def _finish(process: "subprocess.Popen[str]", *readers: LineReader) -> None:
    """Stop the process if it still runs, wait for it, and release its pipes."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(LINE_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(LINE_TIMEOUT)
    for reader in readers:
        reader.join()
    for pipe in (process.stdin, process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()


# --- convert (unary) -------------------------------------------------------------------------


def test_convert_prints_the_conversion(server_process: ServerProcess) -> None:
    lines = assert_ok(cli(server_process, "convert", "6500", "MAD", "USD"))
    assert lines == [f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})"]


def test_convert_json(server_process: ServerProcess) -> None:
    result = cli(server_process, "convert", "6500", "MAD", "USD", "--json")
    assert_ok(result)
    assert json_lines(result.stdout) == [
        {
            "from_currency": "MAD",
            "to_currency": "USD",
            "amount": "6500",
            "converted_amount": "708.68",
            "rate": "0.1090284084",
            "rate_date": RATE_DATE,
        }
    ]


def test_convert_unknown_currency_is_one_error_line(server_process: ServerProcess) -> None:
    line = assert_one_error_line(
        cli(server_process, "convert", "1", "XXX", "USD"),
        1,
        "error: INVALID_ARGUMENT: from_currency:",
    )
    assert "XXX" in line


def test_convert_bad_amount_is_one_error_line(server_process: ServerProcess) -> None:
    line = assert_one_error_line(
        cli(server_process, "convert", "abc", "EUR", "USD"), 1, "error: INVALID_ARGUMENT: amount:"
    )
    assert "'abc'" in line


def test_convert_unreachable_server_is_unavailable() -> None:
    result = tp3("currency", "convert", "1", "EUR", "USD", "--target", "127.0.0.1:1")
    line = assert_one_error_line(result, 1, "error: UNAVAILABLE: ")
    assert "127.0.0.1:1" in line


@pytest.mark.parametrize("target", ["nonsense", "127.0.0.1:notaport", ":50051", "host:0"])
def test_convert_malformed_target_is_a_usage_error(target: str) -> None:
    result = tp3("currency", "convert", "1", "EUR", "USD", "--target", target)
    line = assert_one_error_line(result, 2, "error: ")
    assert repr(target) in line


# --- target from the environment -------------------------------------------------------------


def test_target_env_var_is_used_without_target_option(server_process: ServerProcess) -> None:
    result = tp3(
        "currency", "convert", "100", "EUR", "USD", env=_env(TP3_TARGET=server_process.target)
    )
    assert assert_ok(result) == [f"100 EUR = 117.67 USD  (rate 1.1767, rates of {RATE_DATE})"]


def test_target_env_var_really_chooses_the_server() -> None:
    result = tp3("currency", "convert", "1", "EUR", "USD", env=_env(TP3_TARGET="127.0.0.1:1"))
    line = assert_one_error_line(result, 1, "error: UNAVAILABLE: ")
    assert "127.0.0.1:1" in line


def test_target_option_overrides_env_var(server_process: ServerProcess) -> None:
    result = tp3(
        "currency",
        "convert",
        "100",
        "EUR",
        "USD",
        "--target",
        server_process.target,
        env=_env(TP3_TARGET="127.0.0.1:1"),
    )
    assert assert_ok(result)[0].startswith("100 EUR = 117.67 USD")


# --- quotes (server streaming) ---------------------------------------------------------------


def test_quotes_prints_count_ticks(server_process: ServerProcess) -> None:
    lines = assert_ok(
        cli(server_process, "quotes", "EUR", "USD", "--count", "3", "--interval", "0.05")
    )
    assert len(lines) == 3
    for number, line in enumerate(lines, start=1):
        assert line.startswith(f"#{number} "), line
        assert "EUR/USD" in line
        assert "(reference 1.1767)" in line


def test_quotes_json(server_process: ServerProcess) -> None:
    result = cli(
        server_process, "quotes", "EUR", "USD", "--count", "3", "--interval", "0.05", "--json"
    )
    assert_ok(result)
    ticks = json_lines(result.stdout)
    assert [t["sequence"] for t in ticks] == [1, 2, 3]
    for tick in ticks:
        assert tick["base_currency"] == "EUR"
        assert tick["quote_currency"] == "USD"
        assert tick["reference_rate"] == "1.1767"
        assert isinstance(tick["rate"], str)
        assert abs(float(tick["rate"]) / 1.1767 - 1) < 0.05  # wanders near the reference
        assert isinstance(tick["time"], str)
    times = [t["time"] for t in ticks]
    assert times == sorted(times)


def test_quotes_are_printed_as_they_arrive(server_process: ServerProcess) -> None:
    # 50 ticks 0.2s apart take 10s: the first line must show up long before the end.
    process = _popen(
        "currency",
        "quotes",
        "EUR",
        "USD",
        "--count",
        "50",
        "--interval",
        "0.2",
        "--target",
        server_process.target,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    out, err = LineReader(process.stdout), LineReader(process.stderr)
    try:
        first = out.next_line(timeout=5.0)
        assert first is not None
        assert first.startswith("#1 "), first
        assert process.poll() is None, "the stream should still be running"
    finally:
        _finish(process, out, err)


def test_quotes_zero_count_is_rejected(server_process: ServerProcess) -> None:
    result = cli(server_process, "quotes", "EUR", "USD", "--count", "0")
    assert_one_error_line(result, 1, "error: INVALID_ARGUMENT: count:")


# --- batch (client streaming) ----------------------------------------------------------------


def test_batch_from_arguments(server_process: ServerProcess) -> None:
    lines = assert_ok(cli(server_process, "batch", "USD", "100", "EUR", "6500", "MAD"))
    assert lines[0] == f"Total: 826.35 USD  (2 items, rates of {RATE_DATE})"
    assert any("EUR" in line and "117.67" in line for line in lines[1:])
    assert any("MAD" in line and "708.68" in line for line in lines[1:])


def test_batch_from_stdin_skips_comments_and_blank_lines(server_process: ServerProcess) -> None:
    lines = assert_ok(cli(server_process, "batch", "USD", input="100 EUR\n# comment\n\n6500 MAD\n"))
    assert lines[0] == f"Total: 826.35 USD  (2 items, rates of {RATE_DATE})"


def test_batch_json(server_process: ServerProcess) -> None:
    result = cli(server_process, "batch", "USD", "100", "EUR", "6500", "MAD", "--json")
    assert_ok(result)
    (summary,) = json_lines(result.stdout)
    assert summary["total"] == "826.35"
    assert summary["item_count"] == 2
    subtotals = {s["from_currency"]: s for s in summary["subtotals"]}
    assert subtotals["EUR"]["converted_amount"] == "117.67"
    assert subtotals["MAD"]["converted_amount"] == "708.68"
    assert subtotals["MAD"]["amount"] == "6500"


def test_batch_malformed_stdin_line(server_process: ServerProcess) -> None:
    # Line numbers are the ones an editor shows: blank and comment lines count.
    result = cli(server_process, "batch", "USD", input="100 EUR\n\n# note\n6500\n")
    line = assert_one_error_line(result, 2, "error: line 4: expected 'AMOUNT CODE'")
    assert "'6500'" in line


def test_batch_odd_number_of_arguments(server_process: ServerProcess) -> None:
    result = cli(server_process, "batch", "USD", "100", "EUR", "6500")
    assert_one_error_line(result, 2, "error: ")


def test_batch_empty_stdin(server_process: ServerProcess) -> None:
    result = cli(server_process, "batch", "USD", input="")
    line = assert_one_error_line(result, 1, "error: INVALID_ARGUMENT: ")
    assert "empty" in line


# --- exchange (bidirectional streaming) ------------------------------------------------------

EXCHANGE_INPUT = "6500 MAD USD\n1 2\n-1 EUR USD\n100 EUR JPY\n"


def test_exchange_converts_good_lines_and_reports_bad_ones(server_process: ServerProcess) -> None:
    result = cli(server_process, "exchange", input=EXCHANGE_INPUT)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert sorted(result.stdout.splitlines()) == [
        f"100 EUR = 18263 JPY  (rate 182.63, rates of {RATE_DATE})",
        f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})",
    ]
    errors = sorted(result.stderr.splitlines())
    assert len(errors) == 2, result.stderr
    assert errors[0].startswith("line 2: ")
    assert "AMOUNT FROM TO" in errors[0]
    assert errors[1].startswith("line 3: ")
    assert "INVALID_ARGUMENT" in errors[1]
    assert "amount" in errors[1]


def test_exchange_json(server_process: ServerProcess) -> None:
    result = cli(server_process, "exchange", "--json", input=EXCHANGE_INPUT)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    by_line = {obj["line"]: obj for obj in json_lines(result.stdout)}
    assert sorted(by_line) == [1, 2, 3, 4]
    assert by_line[1]["converted_amount"] == "708.68"
    assert by_line[1]["from_currency"] == "MAD"
    assert by_line[4]["converted_amount"] == "18263"
    assert by_line[4]["to_currency"] == "JPY"
    assert by_line[2]["error"]["code"] == "INVALID_ARGUMENT"
    assert "AMOUNT FROM TO" in by_line[2]["error"]["message"]
    assert by_line[3]["error"]["code"] == "INVALID_ARGUMENT"
    assert "amount" in by_line[3]["error"]["message"]


def test_exchange_all_good_exits_zero(server_process: ServerProcess) -> None:
    lines = assert_ok(
        cli(server_process, "exchange", input="# header\n6500 MAD USD\n\n1 EUR USD\n")
    )
    assert lines == [
        f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})",
        f"1 EUR = 1.18 USD  (rate 1.1767, rates of {RATE_DATE})",
    ]


def test_exchange_answers_each_line_before_stdin_closes(server_process: ServerProcess) -> None:
    process = _popen(
        "currency", "exchange", "--target", server_process.target, stdin=subprocess.PIPE
    )
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    out, err = LineReader(process.stdout), LineReader(process.stderr)
    try:
        process.stdin.write("6500 MAD USD\n")
        process.stdin.flush()
        assert (
            out.next_line() == f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})"
        )
        assert process.poll() is None

        process.stdin.write("100 EUR JPY\n")
        process.stdin.flush()
        assert out.next_line() == f"100 EUR = 18263 JPY  (rate 182.63, rates of {RATE_DATE})"
        assert process.poll() is None

        process.stdin.close()
        assert process.wait(LINE_TIMEOUT) == 0
        assert out.next_line() is None
        assert err.next_line() is None
    finally:
        _finish(process, out, err)


# --- list (unary) ----------------------------------------------------------------------------


def test_list_table(server_process: ServerProcess) -> None:
    result = cli(server_process, "list")
    assert_ok(result)
    assert "MAD" in result.stdout
    assert "Moroccan dirham" in result.stdout
    assert RATE_DATE in result.stdout
    mad_row = next(line for line in result.stdout.splitlines() if "Moroccan dirham" in line)
    assert "10.7926" in mad_row


def test_list_json(server_process: ServerProcess) -> None:
    result = cli(server_process, "list", "--json")
    assert_ok(result)
    currencies = json_lines(result.stdout)
    assert len(currencies) == 31
    by_code = {c["code"]: c for c in currencies}
    assert len(by_code) == 31
    assert by_code["MAD"] == {
        "code": "MAD",
        "name": "Moroccan dirham",
        "minor_units": 2,
        "rate": "10.7926",
        "rate_date": RATE_DATE,
    }
    assert by_code["JPY"]["minor_units"] == 0
    assert by_code["EUR"]["rate"] == "1"
    assert {"USD", "JPY", "GBP", "CHF"} <= by_code.keys()


# --- help ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ((), ["serve", "currency"]),
        (("serve",), ["--port", "--rates", "--seed", "--host"]),
        (("currency",), ["convert", "quotes", "batch", "exchange", "list"]),
        (("currency", "convert"), ["FROM", "TO", "--target", "--json", "6500 MAD USD"]),
        (("currency", "quotes"), ["--count", "--interval", "--json"]),
        (("currency", "batch"), ["TO", "AMOUNT CODE", "--json"]),
        (("currency", "exchange"), ["AMOUNT FROM TO", "--json"]),
        (("currency", "list"), ["--json", "--target"]),
    ],
    ids=["tp3", "serve", "currency", "convert", "quotes", "batch", "exchange", "list"],
)
def test_help(command: tuple[str, ...], expected: list[str]) -> None:
    result = tp3(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    for text in expected:
        assert text in result.stdout, text


# --- Ctrl-C in a terminal --------------------------------------------------------------------


def test_ctrl_c_in_an_interactive_exchange_exits_at_once(server_process: ServerProcess) -> None:
    """In a real terminal stdin is blocked in a read when Ctrl-C comes: the command must still
    leave at once (exit 130), not wait for the user to press Enter."""
    pty = pytest.importorskip("pty")
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command, on the terminal
        os.execve(
            sys.executable,
            [sys.executable, "-m", "tp3", "currency", "exchange", "-t", server_process.target],
            _env(),
        )
    waited = (0, 0)
    try:
        os.write(fd, b"1 EUR USD\n")
        assert "1 EUR = 1.18 USD" in _read_terminal(fd, until="USD  (rate")
        os.write(fd, b"\x03")  # Ctrl-C, delivered by the terminal as SIGINT
        deadline = time.monotonic() + LINE_TIMEOUT
        while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:
            assert time.monotonic() < deadline, "still running after Ctrl-C"
            _read_terminal(fd, until="", timeout=0.05)
        assert os.waitstatus_to_exitcode(waited[1]) == 130
    finally:
        if waited[0] == 0:  # not reaped: don't leave it running
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)


def _read_terminal(fd: int, until: str, timeout: float = LINE_TIMEOUT) -> str:
    """What the terminal shows, read until `until` appears (or `timeout`)."""
    seen = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if until and until in seen.decode(errors="replace"):
                break
    return seen.decode(errors="replace")
