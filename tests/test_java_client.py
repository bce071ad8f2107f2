"""The Java client (clients/java, grpc-java) against a real tp3 server, every currency RPC.

`nox -s tests` builds the jar with Maven and passes its path in TP3_JAVA_CLIENT; without it
the tests skip, unless TP3_REQUIRE_TOOLS=1 (CI) turns that into a failure.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ServerProcess

TIMEOUT = 60.0


@pytest.fixture(scope="module")
def java_client() -> list[str]:
    jar = os.environ.get("TP3_JAVA_CLIENT")
    java = shutil.which("java")
    if jar and java and Path(jar).exists():
        return [java, "-jar", jar]
    if os.environ.get("TP3_REQUIRE_TOOLS") == "1":
        pytest.fail("the Java client is required (TP3_REQUIRE_TOOLS=1) but was not built")
    pytest.skip("the Java client is not built (nox -s tests builds it with Maven)")


def run(
    client: list[str], server: ServerProcess, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*client, "currency", *args, "--target", server.target],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


@pytest.mark.parametrize("mode", [[], ["--async"]])
def test_convert_blocking_and_async(
    java_client: list[str], server_process: ServerProcess, mode: list[str]
) -> None:
    result = run(java_client, server_process, "convert", *mode, "6500", "MAD", "USD")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "6500 MAD = 708.68 USD  (rate 0.1090284084, rates of 2026-02-20)"
    )


def test_convert_error_is_one_line(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(java_client, server_process, "convert", "1", "XXX", "USD")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: INVALID_ARGUMENT: from_currency: XXX is not supported")


def test_quotes(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(
        java_client, server_process, "quotes", "EUR", "USD", "--count", "3", "--interval", "0.05"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["#1", "#2", "#3"]
    assert all("EUR/USD" in line and "(reference 1.1767)" in line for line in lines)


def test_batch(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(java_client, server_process, "batch", "USD", stdin="100 EUR\n6500 MAD\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "Total: 826.35 USD  (2 items, rates of 2026-02-20)"


def test_exchange(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(
        java_client, server_process, "exchange", stdin="6500 MAD USD\n-1 EUR USD\n100 EUR JPY\n"
    )
    assert result.returncode == 1  # one line was refused
    assert result.stdout.splitlines() == [
        "6500 MAD = 708.68 USD  (rate 0.1090284084, rates of 2026-02-20)",
        "100 EUR = 18263 JPY  (rate 182.63, rates of 2026-02-20)",
    ]
    assert "line 2: INVALID_ARGUMENT: amount: must not be negative" in result.stderr


def test_list(java_client: list[str], server_process: ServerProcess) -> None:
    result = run(java_client, server_process, "list")
    assert result.returncode == 0, result.stderr
    assert "Moroccan dirham" in result.stdout
    assert "Rates of 2026-02-20" in result.stdout
