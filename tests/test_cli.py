"""The `tp3` command line, run as a user runs it: `python -m tp3 ...` against a real server.

Every command runs in a subprocess with a timeout; expected failures must be one `error: ...`
line on stderr with the documented exit status, never a traceback.
"""

import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from cli_support import (
    LINE_TIMEOUT,
    Command,
    Terminal,
    assert_ok,
    assert_one_error_line,
    run_tp3,
    tp3_env,
)
from conftest import ServerProcess

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

RATE_DATE = "2026-02-20"


def cli(
    server: ServerProcess, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tp3 currency ARGS --target <server>`."""
    return run_tp3("currency", *args, "--target", server.target, input=input)


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


# --- convert (unary) -------------------------------------------------------------------------


def test_convert_prints_the_conversion(server_process: ServerProcess) -> None:
    lines = assert_ok(cli(server_process, "convert", "6500", "MAD", "USD"))
    assert lines == [f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})"]


def test_convert_json(server_process: ServerProcess) -> None:
    result = cli(server_process, "convert", "6500", "MAD", "USD", "--json")
    assert_ok(result)
    assert json_lines(result.stdout) == [
        {
            "type": "conversion",
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


@pytest.mark.parametrize(
    ("args", "code", "status"),
    [
        (("convert", "1", "XXX", "USD"), 1, "INVALID_ARGUMENT"),  # the server's status
        (("batch", "USD", "100"), 2, "INVALID_ARGUMENT"),  # bad input, found by the CLI
        (("convert", "1", "EUR", "USD", "--target", "127.0.0.1:1"), 1, "UNAVAILABLE"),
    ],
    ids=["refused", "bad-input", "unreachable"],
)
def test_json_failure_ends_stdout_with_an_error_object(
    server_process: ServerProcess, args: tuple[str, ...], code: int, status: str
) -> None:
    """Scripts read the failure in the JSON stream; people still read the `error:` line."""
    target = () if "--target" in args else ("--target", server_process.target)
    result = run_tp3("currency", *args, *target, "--json")
    line = assert_one_error_line(result, code, "error: ", stdout_empty=False)
    (error,) = json_lines(result.stdout)
    assert list(error) == ["type", "status", "code", "message"]
    assert (error["type"], error["status"]) == ("error", status)
    assert error["code"] == {"INVALID_ARGUMENT": 3, "UNAVAILABLE": 14}[status]
    assert line.endswith(error["message"])


def test_convert_bad_amount_is_one_error_line(server_process: ServerProcess) -> None:
    line = assert_one_error_line(
        cli(server_process, "convert", "abc", "EUR", "USD"), 1, "error: INVALID_ARGUMENT: amount:"
    )
    assert "'abc'" in line


def test_convert_unreachable_server_is_unavailable() -> None:
    result = run_tp3("currency", "convert", "1", "EUR", "USD", "--target", "127.0.0.1:1")
    line = assert_one_error_line(result, 1, "error: UNAVAILABLE: ")
    assert "127.0.0.1:1" in line


@pytest.mark.parametrize("target", ["nonsense", "127.0.0.1:notaport", ":50051", "host:0"])
def test_convert_malformed_target_is_a_usage_error(target: str) -> None:
    result = run_tp3("currency", "convert", "1", "EUR", "USD", "--target", target)
    line = assert_one_error_line(result, 2, "error: ")
    assert repr(target) in line


@pytest.mark.parametrize("form", ["http://{}", "http://{}/", "grpc://{}", "dns:///{}"])
def test_a_url_target_reaches_the_server(server_process: ServerProcess, form: str) -> None:
    """`--target http://host:port`, as buf curl users type it, was a DNS error."""
    target = form.format(server_process.target)
    lines = assert_ok(run_tp3("currency", "convert", "6500", "MAD", "USD", "--target", target))
    assert lines == [f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})"]


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:50051/tp3.currency.v1.CurrencyService",
        "ftp://127.0.0.1:50051",
        "https://127.0.0.1",
    ],
)
def test_an_unusable_url_target_says_what_is_expected(target: str) -> None:
    result = run_tp3("currency", "convert", "1", "EUR", "USD", "--target", target)
    line = assert_one_error_line(result, 2, f"error: target {target!r}")
    assert "expected host:port, http://host:port, https://host:port or dns:///host:port" in line


def test_an_http_target_with_tls_options_is_a_usage_error(tmp_path: Path) -> None:
    result = run_tp3(
        *("currency", "convert", "1", "EUR", "USD", "--target", "http://127.0.0.1:50051"),
        *("--tls-ca", str(tmp_path / "ca.pem")),
    )
    line = assert_one_error_line(result, 2, "error: target 127.0.0.1:50051 is plaintext")
    assert "use https://" in line


# --- target from the environment -------------------------------------------------------------


def test_target_env_var_is_used_without_target_option(server_process: ServerProcess) -> None:
    result = run_tp3(
        "currency", "convert", "100", "EUR", "USD", env=tp3_env(TP3_TARGET=server_process.target)
    )
    assert assert_ok(result) == [f"100 EUR = 117.67 USD  (rate 1.1767, rates of {RATE_DATE})"]


def test_target_env_var_really_chooses_the_server() -> None:
    result = run_tp3(
        "currency", "convert", "1", "EUR", "USD", env=tp3_env(TP3_TARGET="127.0.0.1:1")
    )
    line = assert_one_error_line(result, 1, "error: UNAVAILABLE: ")
    assert "127.0.0.1:1" in line


def test_target_option_overrides_env_var(server_process: ServerProcess) -> None:
    result = run_tp3(
        "currency",
        "convert",
        "100",
        "EUR",
        "USD",
        "--target",
        server_process.target,
        env=tp3_env(TP3_TARGET="127.0.0.1:1"),
    )
    assert assert_ok(result)[0].startswith("100 EUR = 117.67 USD")


# --- quotes (server streaming) ---------------------------------------------------------------


def test_a_negative_amount_reaches_the_server_and_is_one_error_line(
    server_process: ServerProcess,
) -> None:
    """`-1` looked like an option ("No such option: -1" in a box): it is an amount."""
    result = cli(server_process, "convert", "-1", "EUR", "USD")
    assert_one_error_line(result, 1, "error: INVALID_ARGUMENT: amount: must not be negative")
    result = cli(server_process, "batch", "MAD", "100", "EUR", "-5", "USD")
    assert_one_error_line(result, 1, "error: INVALID_ARGUMENT: item 2: amount: must not be neg")


def test_quotes_prints_count_ticks(server_process: ServerProcess) -> None:
    lines = assert_ok(
        cli(server_process, "quotes", "EUR", "USD", "--count", "3", "--interval", "0.05")
    )
    assert len(lines) == 3
    for number, line in enumerate(lines, start=1):
        assert line.startswith(f"#{number} "), line
        assert "EUR/USD" in line
        assert "(reference 1.1767)" in line


def test_quotes_of_one_currency_are_one_error_line(server_process: ServerProcess) -> None:
    line = assert_one_error_line(cli(server_process, "quotes", "EUR", "EUR"), 1, "error: ")
    assert "EUR is the base currency too" in line


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
    quotes = Command(
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
    try:
        first = quotes.out.next_line(timeout=5.0)
        assert first is not None
        assert first.startswith("#1 "), first
        assert quotes.process.poll() is None, "the stream should still be running"
    finally:
        quotes.finish()


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
    assert [by_line[n]["type"] for n in (1, 2, 3, 4)] == [
        "conversion",
        "error",
        "error",
        "conversion",
    ]
    assert (by_line[2]["status"], by_line[2]["code"]) == ("INVALID_ARGUMENT", 3)
    assert "AMOUNT FROM TO" in by_line[2]["message"]
    assert by_line[3]["status"] == "INVALID_ARGUMENT"
    assert "amount" in by_line[3]["message"]


def test_exchange_all_good_exits_zero(server_process: ServerProcess) -> None:
    lines = assert_ok(
        cli(server_process, "exchange", input="# header\n6500 MAD USD\n\n1 EUR USD\n")
    )
    assert lines == [
        f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})",
        f"1 EUR = 1.18 USD  (rate 1.1767, rates of {RATE_DATE})",
    ]


def test_exchange_answers_each_line_before_stdin_closes(server_process: ServerProcess) -> None:
    exchange = Command(
        "currency", "exchange", "--target", server_process.target, stdin=subprocess.PIPE
    )
    stdin = exchange.process.stdin
    assert stdin is not None
    try:
        stdin.write("6500 MAD USD\n")
        stdin.flush()
        assert (
            exchange.out.next_line()
            == f"6500 MAD = 708.68 USD  (rate 0.1090284084, rates of {RATE_DATE})"
        )
        assert exchange.process.poll() is None

        stdin.write("100 EUR JPY\n")
        stdin.flush()
        assert (
            exchange.out.next_line() == f"100 EUR = 18263 JPY  (rate 182.63, rates of {RATE_DATE})"
        )
        assert exchange.process.poll() is None

        stdin.close()
        assert exchange.wait(LINE_TIMEOUT) == 0
        assert exchange.out.next_line() is None
        assert exchange.err.next_line() is None
    finally:
        exchange.finish()


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
        "type": "currency",
        "code": "MAD",
        "name": "Moroccan dirham",
        "minor_units": 2,
        "rate": "10.7926",
        "base_currency": "EUR",
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
    result = run_tp3(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    for text in expected:
        assert text in result.stdout, text


# --- Ctrl-C in a terminal --------------------------------------------------------------------


def test_ctrl_c_in_an_interactive_exchange_exits_at_once(server_process: ServerProcess) -> None:
    """In a real terminal stdin is blocked in a read when Ctrl-C comes: the command must still
    leave at once (exit 130), not wait for the user to press Enter."""
    exchange = Terminal("currency", "exchange", "-t", server_process.target)
    try:
        exchange.type("1 EUR USD\n")
        assert "1 EUR = 1.18 USD" in exchange.wait_for("USD  (rate")
        exchange.type("\x03")  # Ctrl-C, delivered by the terminal as SIGINT
        assert exchange.wait_exit() == 130
    finally:
        exchange.close()


# --- the command itself ----------------------------------------------------------------------


def test_version_is_the_installed_packages() -> None:
    assert assert_ok(run_tp3("--version")) == [f"tp3 {version('tp3')}"]


@pytest.mark.parametrize("command", [[], ["currency", "convert"], ["chat", "who"], ["serve"]])
def test_h_is_help_on_every_command(command: list[str]) -> None:
    short, long = run_tp3(*command, "-h"), run_tp3(*command, "--help")
    assert short.returncode == long.returncode == 0, short.stderr
    assert short.stdout == long.stdout
    assert "Usage: " in short.stdout
    assert " ".join(command) in short.stdout


def test_shell_completion_completes_commands() -> None:
    """What `tp3 --install-completion` wires into the shell: bash asks tp3 for the words. (The
    installed `tp3` script: under `python -m tp3` the program's name is not `tp3`.)"""
    tp3 = str(Path(sys.executable).with_name("tp3"))

    def run(*args: str, **env: str) -> list[str]:
        done = subprocess.run(
            [tp3, *args], capture_output=True, text=True, timeout=LINE_TIMEOUT, env=tp3_env(**env)
        )
        return assert_ok(done)

    # typer takes "bash" as the shell only with detection off; else it looks for a shell among
    # the test's parent processes, and a test run started detached has none
    no_detection = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = run("--show-completion", "bash", **no_detection)
    assert any("_TP3_COMPLETE=complete_bash" in line for line in shown)
    asked = {"_TP3_COMPLETE": "complete_bash", "COMP_WORDS": "tp3 currency con", "COMP_CWORD": "2"}
    assert run(**asked) == ["convert"]
