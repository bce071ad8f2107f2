"""grpcurl, a generic client that has never seen our .proto files, lists, describes and calls
every method through server reflection.

grpcurl comes from `go install` (`nox -s tests` does it); where it is missing the tests skip,
unless TP3_REQUIRE_TOOLS=1 (set by CI) turns a missing tool into a failure.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ServerProcess

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

TIMEOUT = 20.0
SERVICE = "tp3.currency.v1.CurrencyService"
CONVERT_MAD_USD = '{"from_currency": "MAD", "to_currency": "USD", "amount": "6500"}'


def _grpcurl() -> str:
    path = os.environ.get("TP3_GRPCURL") or shutil.which("grpcurl")
    if path and os.access(path, os.X_OK):
        return path
    if os.environ.get("TP3_REQUIRE_TOOLS") == "1":
        pytest.fail("grpcurl is required (TP3_REQUIRE_TOOLS=1) but was not found")
    pytest.skip("grpcurl not installed (nox -s tests installs it with go install)")


@pytest.fixture(scope="module")
def grpcurl() -> str:
    return _grpcurl()


def run(
    grpcurl: str,
    server: ServerProcess,
    *args: str,
    data: str | None = None,
    options: tuple[str, ...] = (),
) -> str:
    command = [grpcurl, "-plaintext", "-max-time", "10", *options]
    if data is not None:
        command += ["-d", "@"]
    result = subprocess.run(
        [*command, server.target, *args],
        input=data,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def messages(output: str) -> list[dict[str, Any]]:
    """grpcurl prints one pretty JSON object per response message."""
    decoder, found, rest = json.JSONDecoder(), [], output.strip()
    while rest:
        message, end = decoder.raw_decode(rest)
        found.append(message)
        rest = rest[end:].strip()
    return found


def test_list(grpcurl: str, server_process: ServerProcess) -> None:
    services = run(grpcurl, server_process, "list").split()
    assert set(services) == {
        SERVICE,
        "tp3.chat.v1.ChatService",
        "tp3.game.v1.GuessingGame",
        "grpc.health.v1.Health",
        *("BankService", "Chat", "Jeu"),  # the lab's own contract
    }
    methods = run(grpcurl, server_process, "list", SERVICE).split()
    assert {m.rsplit(".", 1)[1] for m in methods} == {
        "Convert",
        "StreamQuotes",
        "ConvertBatch",
        "ConvertStream",
        "ListCurrencies",
    }


def test_the_labs_contract_by_its_own_names(grpcurl: str, server_process: ServerProcess) -> None:
    """The README's command: the lab's package-less BankService, its camelCase JSON names."""
    lab = '{"currencyFrom": "DH", "currencyTo": "USD", "amount": 6500}'
    [converted] = messages(run(grpcurl, server_process, "BankService/convert", data=lab))
    assert converted == {
        "currencyFrom": "MAD",
        "currencyTo": "USD",
        "amount": 6500,
        "result": 708.68,
    }
    assert "rpc Guess ( stream .GuessRequest ) returns ( stream .Result );" in run(
        grpcurl, server_process, "describe", "Jeu"
    )


def test_describe(grpcurl: str, server_process: ServerProcess) -> None:
    service = run(grpcurl, server_process, "describe", SERVICE)
    assert "rpc ConvertStream ( stream .tp3.currency.v1.ConvertStreamRequest )" in service
    assert "returns ( stream .tp3.currency.v1.ConvertStreamResponse )" in service
    message = run(grpcurl, server_process, "describe", "tp3.currency.v1.ConvertRequest")
    assert "string from_currency = 1;" in message


def test_call_every_method(grpcurl: str, server_process: ServerProcess) -> None:
    [converted] = messages(
        run(
            grpcurl,
            server_process,
            f"{SERVICE}/Convert",
            data=CONVERT_MAD_USD,
        )
    )
    assert converted["convertedAmount"] == "708.68"

    ticks = messages(
        run(
            grpcurl,
            server_process,
            f"{SERVICE}/StreamQuotes",
            data='{"base_currency": "EUR", "quote_currency": "USD", "count": 3,'
            ' "interval": "0.01s"}',
        )
    )
    assert [t["sequence"] for t in ticks] == ["1", "2", "3"]

    [summary] = messages(
        run(
            grpcurl,
            server_process,
            f"{SERVICE}/ConvertBatch",
            data='{"to_currency": "USD", "from_currency": "EUR", "amount": "100"}'
            '{"from_currency": "MAD", "amount": "6500"}',
        )
    )
    assert summary["total"] == "826.35"

    replies = messages(
        run(
            grpcurl,
            server_process,
            f"{SERVICE}/ConvertStream",
            data='{"from_currency": "EUR", "to_currency": "JPY", "amount": "1"}'
            '{"from_currency": "EUR", "to_currency": "JPY", "amount": "-1"}',
        )
    )
    assert replies[0]["conversion"]["convertedAmount"] == "183"
    assert "must not be negative" in replies[1]["error"]["message"]

    [listing] = messages(run(grpcurl, server_process, f"{SERVICE}/ListCurrencies"))
    assert len(listing["currencies"]) == 31


def test_without_reflection_from_the_proto_files(
    grpcurl: str, server_process: ServerProcess
) -> None:
    """Tools that prefer files read protos/ (with -use-reflection off, grpcurl's default then)."""
    protos = Path(__file__).parents[1] / "protos"
    [converted] = messages(
        run(
            grpcurl,
            server_process,
            f"{SERVICE}/Convert",
            data=CONVERT_MAD_USD,
            options=("-import-path", str(protos), "-proto", "tp3/currency/v1/currency.proto"),
        )
    )
    assert converted["convertedAmount"] == "708.68"


def test_errors_come_back_as_status(grpcurl: str, server_process: ServerProcess) -> None:
    result = subprocess.run(
        [
            grpcurl,
            "-plaintext",
            "-d",
            '{"from_currency": "XXX", "to_currency": "USD", "amount": "1"}',
            server_process.target,
            f"{SERVICE}/Convert",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode != 0
    assert "Code: InvalidArgument" in result.stderr
    assert "from_currency: XXX is not supported" in result.stderr


def test_health(grpcurl: str, server_process: ServerProcess) -> None:
    [health] = messages(run(grpcurl, server_process, "grpc.health.v1.Health/Check"))
    assert health == {"status": "SERVING"}


def test_a_chat_session_fed_from_stdin(grpcurl: str, server_process: ServerProcess) -> None:
    session = (
        '{"join": {"room": "grpcurl", "name": "curl"}}'
        '{"send": {"text": "hi from grpcurl"}}'
        '{"send": {"text": "psst", "to": "nobody"}}'
        '{"leave": {}}'
    )
    replies = messages(run(grpcurl, server_process, "tp3.chat.v1.ChatService/Chat", data=session))
    assert replies[0]["joined"]["name"] == "curl"
    assert replies[1]["message"]["from"] == "curl"
    assert replies[1]["message"]["text"] == "hi from grpcurl"
    assert "no member named 'nobody'" in replies[2]["notice"]["text"]
    assert len(replies) == 3
