"""grpcui, the web UI `tp3 ui` runs (BloomRPC's successor), shows and calls our services
through server reflection, checked in a real headless Chromium.

One test dumps the page's DOM and looks for every service and method; another, driving the
page with Selenium, fills Convert's request form, clicks Invoke and reads the result in the
page's Response tab. grpcui comes from `nox -s tools` (`nox -s tests` builds it too), Chromium and
chromedriver from the system (.ci/run installs Debian's); where one is missing the tests skip,
unless TP3_REQUIRE_TOOLS=1 (set by CI) turns a missing tool into a failure.
TP3_GRPCUI_SCREENSHOT=FILE also saves a screenshot of the page showing that result there
(docs/grpcui.png comes from this).
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
from cli_support import LineReader, tp3_argv, tp3_env
from conftest import Pki, ServerProcess, start_server_process
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tp3.cli.ui import find_grpcui

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools

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
CONVERT = {"amount": "6500", "from_currency": "MAD", "to_currency": "USD"}
CHROMIUM_FLAGS = (
    *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"),
    *("--disable-background-networking", "--disable-component-update", "--disable-sync"),
    *("--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900"),
)


def _tool(name: str, path: str | None) -> str:
    if path:
        return path
    if os.environ.get("TP3_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{name} is required (TP3_REQUIRE_TOOLS=1) but was not found")
    pytest.skip(
        f"{name} not installed (nox -s tools builds grpcui; .ci/run installs chromium and "
        "chromium-driver)"
    )


@pytest.fixture(scope="module")
def chromium() -> str:
    return _tool("chromium", shutil.which("chromium") or shutil.which("chromium-browser"))


@pytest.fixture(scope="module")
def chromedriver() -> str:
    return _tool("chromedriver", shutil.which("chromedriver"))


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
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
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


@pytest.fixture(scope="module")
def browser(
    chromium: str, chromedriver: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebDriver]:
    """Chromium under Debian's chromedriver, both given by path: Selenium Manager (which would
    download a browser or a driver) never runs."""
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    try:
        driver.set_page_load_timeout(TIMEOUT)
        # --window-size counts the (invisible) window frame: make the page itself 1280x900
        frame = driver.execute_script("return window.outerHeight - window.innerHeight")
        driver.set_window_size(1280, 900 + frame)
        yield driver
    finally:
        driver.quit()


def _field_row(name: str) -> str:
    """XPath of the request form's row for field `name` (grpcui labels it <strong>name</strong>)."""
    label = f"td[@class='name']/strong='{name}'"
    return f"//div[@id='grpc-request-form']//tr[@class='message_field'][{label}]"


@pytest.fixture(scope="module")
def converted(browser: WebDriver, grpcui_url: str) -> WebDriver:
    """The page after a Convert call made through it: form filled, Invoke clicked, and the
    Response tab shown (grpcui switches to it once the call returns, result or error)."""
    wait = WebDriverWait(browser, TIMEOUT)
    browser.get(grpcui_url + "/")
    # the extra script picks Convert once the page has loaded
    wait.until(
        lambda page: page.find_element(By.ID, "grpc-method").get_property("value") == "Convert"
    )
    for name, value in CONVERT.items():
        row = _field_row(name)
        # An unset proto3 field shows a disabled textarea; ticking the row's presence box
        # rebuilds the cell with an enabled one.
        wait.until(
            ec.element_to_be_clickable((By.XPATH, row + "//td[@class='toggle_presence']/input"))
        ).click()
        textarea = wait.until(ec.element_to_be_clickable((By.XPATH, row + "//textarea")))
        textarea.clear()
        textarea.send_keys(value)
    # the Request Form tab's Invoke button (the Raw Request tab has another)
    wait.until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "#grpc-request-tab button.grpc-invoke"))
    ).click()
    wait.until(ec.visibility_of_element_located((By.ID, "grpc-response-tab")))
    return browser


def test_convert_through_the_page(converted: WebDriver) -> None:
    error = converted.find_element(By.ID, "grpc-response-error")
    assert not error.is_displayed(), error.text
    [shown] = converted.find_elements(By.CSS_SELECTOR, "#grpc-response-data textarea")
    assert shown.is_displayed()
    text = shown.get_property("value")
    assert isinstance(text, str)
    assert "708.68" in text
    message = json.loads(text)
    assert message["converted_amount"] == "708.68"
    assert (message["from_currency"], message["to_currency"]) == ("MAD", "USD")


def test_screenshot(converted: WebDriver, tmp_path: Path) -> None:
    png = tmp_path / "grpcui.png"
    converted.execute_script("window.scrollTo(0, 0)")
    png.write_bytes(converted.get_screenshot_as_png())
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if keep := os.environ.get("TP3_GRPCUI_SCREENSHOT"):
        shutil.copyfile(png, keep)


def test_tp3_ui_over_tls_with_a_token(pki: Pki, tmp_path: Path) -> None:
    """`tp3 ui` hands grpcui the connection options: it reflects a TLS server that wants a
    token, and a Convert invoked through its page carries the token."""
    _tool("grpcui", find_grpcui())
    tokens = tmp_path / "tokens"
    tokens.write_text("ui-token-0123456789abcdef alice\n")
    server = start_server_process(
        *("--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)),
        *("--auth-tokens", str(tokens)),
    )
    ui = subprocess.Popen(
        tp3_argv("ui", "--no-browser", "--target", server.target, "--tls-ca", str(pki.ca)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=tp3_env(TP3_TOKEN="ui-token-0123456789abcdef"),
    )
    try:
        assert ui.stdout is not None
        lines = LineReader(ui.stdout)
        url = None
        while url is None and (line := lines.next_line(TIMEOUT)) is not None:
            if match := _AVAILABLE.search(line):
                url = match[1]
        assert url is not None, "grpcui did not start"
        cookies = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        with browser.open(url + "/", timeout=TIMEOUT) as page:
            assert "tp3.currency.v1.CurrencyService" in page.read().decode()
        [csrf] = [c.value for c in cookies if c.name == "_grpcui_csrf_token"]
        assert csrf is not None
        invoke = urllib.request.Request(
            url + "/invoke/tp3.currency.v1.CurrencyService.Convert",
            data=json.dumps({"metadata": [], "data": [CONVERT]}).encode(),
            headers={"Content-Type": "application/json", "x-grpcui-csrf-token": csrf},
        )
        with browser.open(invoke, timeout=TIMEOUT) as reply:
            result = json.load(reply)
        assert result["error"] is None, result
        assert result["responses"][0]["message"]["converted_amount"] == "708.68", result
    finally:
        ui.terminate()
        ui.communicate(timeout=TIMEOUT)
        server.stop()
    assert isinstance(ui.args, list)
    assert "ui-token" not in " ".join(map(str, ui.args))  # the token stayed out of argv
