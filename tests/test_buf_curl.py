"""`buf curl`, Buf's generic client (a dev dependency: buf-bin), calls tp3 with no .proto file:
it learns the services through server reflection, as grpcurl and Postman do.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import MAD_USD, ServerProcess

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

TIMEOUT = 20.0
METHODS = {
    *(f"tp3.currency.v1.CurrencyService/{m}" for m in ("Convert", "StreamQuotes")),
    *(f"tp3.currency.v1.CurrencyService/{m}" for m in ("ConvertBatch", "ConvertStream")),
    "tp3.currency.v1.CurrencyService/ListCurrencies",
    *(f"tp3.chat.v1.ChatService/{m}" for m in ("Chat", "ListRooms", "ListMembers")),
    *(f"tp3.game.v1.GuessingGame/{m}" for m in ("Play", "Guess", "Watch", "Scoreboard")),
    "grpc.health.v1.Health/Check",
    "grpc.health.v1.Health/Watch",
    # the lab's own contract, package-less
    *(f"BankService/{m}" for m in ("convert", "getCurrencyStream", "performStream")),
    "BankService/fullCurrencyStream",
    "Chat/Chat",
    *(f"Jeu/{m}" for m in ("Start", "Guess", "Stop")),
}


@pytest.fixture(scope="module")
def buf() -> str:
    """buf from the test's virtualenv (buf-bin is a dev dependency), else from PATH."""
    beside = Path(sys.executable).with_name("buf")
    path = str(beside) if beside.exists() else shutil.which("buf")
    assert path, "buf is a dev dependency (buf-bin): pip install -e '.[dev]'"
    return path


def buf_curl(
    buf: str, server: ServerProcess, *args: str, method: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--timeout", "10s"),
            *(*args, f"http://{server.target}/{method}"),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def convert(buf: str, server: ServerProcess, **request: str) -> subprocess.CompletedProcess[str]:
    method = "tp3.currency.v1.CurrencyService/Convert"
    return buf_curl(buf, server, "--data", json.dumps(request), method=method)


def test_lists_every_method(buf: str, server_process: ServerProcess) -> None:
    result = buf_curl(buf, server_process, "--list-methods")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == METHODS


def test_convert(buf: str, server_process: ServerProcess) -> None:
    result = convert(buf, server_process, from_currency="MAD", to_currency="USD", amount="6500")
    assert result.returncode == 0, result.stderr
    response: dict[str, Any] = json.loads(result.stdout)
    # buf prints protobuf's JSON with camelCase names
    assert response == {
        "".join(w.title() if i else w for i, w in enumerate(k.split("_"))): v
        for k, v in MAD_USD.items()
    }


def test_a_bad_request_is_its_status(buf: str, server_process: ServerProcess) -> None:
    result = convert(buf, server_process, from_currency="XXX", to_currency="USD", amount="1")
    assert result.returncode != 0
    error = json.loads(result.stderr)
    assert error["code"] == "invalid_argument"
    assert error["message"].startswith("from_currency: XXX is not supported")
