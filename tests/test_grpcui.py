"""grpcui, the web UI `tp3 ui` runs (BloomRPC's successor), shows and calls our services
through server reflection, checked in a real headless Chromium.

grpcui comes from `go install` (`nox -s tests` does it) and Chromium from the system (.ci/run
installs Debian's); where either is missing the tests skip, unless TP3_REQUIRE_TOOLS=1 (set by
CI) turns a missing tool into a failure. TP3_GRPCUI_SCREENSHOT=FILE also saves the screenshot
there (docs/grpcui.png comes from this).
"""

import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ServerProcess

from tp3.cli.ui import find_grpcui

TIMEOUT = 30.0
_AVAILABLE = re.compile(r"gRPC Web UI available at (http://\S+?)/?\s*$")
SERVICES = {
    "tp3.currency.v1.CurrencyService": [
        "Convert",
        "StreamQuotes",
        "ConvertBatch",
        "ConvertStream",
        "ListCurrencies",
    ],
    "tp3.chat.v1.ChatService": ["Chat", "ListRooms", "ListMembers"],
    "tp3.game.v1.GuessingGame": ["Play", "Guess", "Watch", "Scoreboard"],
}
# Loaded into the page with grpcui's -extra-js: show the currency service's Convert form.
SELECT_CONVERT = """
window.addEventListener("load", function () {
  $("#grpc-service").val("tp3.currency.v1.CurrencyService").change();
  $("#grpc-method").val("Convert").change();
});
"""


def _tool(name: str, path: str | None) -> str:
    if path:
        return path
    if os.environ.get("TP3_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{name} is required (TP3_REQUIRE_TOOLS=1) but was not found")
    pytest.skip(f"{name} not installed (nox -s tests installs grpcui; .ci/run installs chromium)")


@pytest.fixture(scope="module")
def chromium() -> str:
    return _tool("chromium", shutil.which("chromium") or shutil.which("chromium-browser"))


@pytest.fixture(scope="module")
def grpcui_url(
    server_process: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """grpcui on 127.0.0.1 (any free port) against the session server; yields its URL."""
    grpcui = _tool("grpcui", find_grpcui())
    extra_js = tmp_path_factory.mktemp("grpcui") / "select-convert.js"
    extra_js.write_text(SELECT_CONVERT)
    process = subprocess.Popen(
        [
            *(grpcui, "-plaintext", "-bind", "127.0.0.1", "-port", "0", "-open-browser=false"),
            *("-extra-js", str(extra_js), server_process.target),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    log: list[str] = []
    urls: list[str] = []
    found = threading.Event()

    def pump() -> None:  # keeps reading so grpcui never blocks on a full pipe
        assert process.stdout is not None
        for line in process.stdout:
            log.append(line.rstrip("\n"))
            match = _AVAILABLE.search(line)
            if match and not found.is_set():
                urls.append(match[1])
                found.set()
        found.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        if not found.wait(TIMEOUT) or not urls:
            pytest.fail("grpcui did not start:\n" + "\n".join(log))
        yield urls[0]
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        reader.join(10)
        assert process.stdout is not None
        process.stdout.close()


def headless(chromium: str, profile: Path, *args: str) -> str:
    """One bounded headless Chromium run; returns its stdout."""
    result = subprocess.run(
        [
            *(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic"),
            *("--no-first-run", "--disable-background-networking", "--disable-component-update"),
            *("--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}", *args),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT * 2,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_page_lists_services_and_methods(chromium: str, grpcui_url: str, tmp_path: Path) -> None:
    dom = headless(
        chromium,
        tmp_path / "profile",
        "--virtual-time-budget=5000",
        "--dump-dom",
        grpcui_url + "/",
    )
    for service, methods in SERVICES.items():
        assert f'<option value="{service}">{service}</option>' in dom
        for method in methods:
            assert f"{service}.{method}" in dom
    # the extra script picked Convert, so its request form (built from reflection) is shown
    assert '<option value="Convert">Convert</option>' in dom
    assert "from_currency" in dom


def test_screenshot(chromium: str, grpcui_url: str, tmp_path: Path) -> None:
    png = tmp_path / "grpcui.png"
    headless(
        chromium,
        tmp_path / "profile",
        "--hide-scrollbars",
        "--window-size=1280,900",
        "--virtual-time-budget=5000",
        f"--screenshot={png}",
        grpcui_url + "/",
    )
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if keep := os.environ.get("TP3_GRPCUI_SCREENSHOT"):
        shutil.copyfile(png, keep)


def test_convert_through_the_ui_backend(grpcui_url: str) -> None:
    """The call the page's Invoke button makes: POST /invoke/<method> with its CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(grpcui_url + "/", timeout=TIMEOUT) as page:
        assert page.status == 200
    token = next(c.value for c in jar if c.name == "_grpcui_csrf_token")
    convert = {"fromCurrency": "MAD", "toCurrency": "USD", "amount": "6500"}
    body = {"metadata": [], "data": [convert]}
    request = urllib.request.Request(
        grpcui_url + "/invoke/tp3.currency.v1.CurrencyService.Convert",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "x-grpcui-csrf-token": token},
        method="POST",
    )
    with opener.open(request, timeout=TIMEOUT) as response:
        result = json.load(response)
    assert result["error"] is None
    [message] = [r["message"] for r in result["responses"]]
    assert message["converted_amount"] == "708.68"
    assert message["to_currency"] == "USD"
