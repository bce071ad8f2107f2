"""TLS and mutual TLS, with certificates made at test time (trustme), never committed keys."""

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cli_support import assert_ok, assert_one_error_line, run_tp3, tp3_env
from conftest import Pki, ServerProcess, start_server_process

from tp3.client import AsyncTp3Client, ClientTls, Tp3RpcError
from tp3.server import ServerConfig, Tp3Server
from tp3.tls import ServerTls, TlsError

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools


@pytest.fixture
async def tls_server(pki: Pki) -> AsyncIterator[Tp3Server]:
    tls = ServerTls(pki.server_cert, pki.server_key)
    async with Tp3Server(ServerConfig(host="127.0.0.1", port=0, tls=tls)) as running:
        yield running


@pytest.fixture
async def mtls_server(pki: Pki) -> AsyncIterator[Tp3Server]:
    tls = ServerTls(pki.server_cert, pki.server_key, client_ca=pki.ca)
    async with Tp3Server(ServerConfig(host="127.0.0.1", port=0, tls=tls)) as running:
        yield running


async def convert(server: Tp3Server, tls: ClientTls | None) -> str:
    async with AsyncTp3Client(f"127.0.0.1:{server.port}", tls=tls, timeout=5) as client:
        return str((await client.currency.convert("6500", "MAD", "USD")).converted_amount)


async def test_a_client_that_trusts_the_ca_talks_tls(tls_server: Tp3Server, pki: Pki) -> None:
    assert await convert(tls_server, ClientTls(ca=pki.ca)) == "708.68"
    async with (
        AsyncTp3Client(f"127.0.0.1:{tls_server.port}", tls=ClientTls(ca=pki.ca)) as client,
        client.chat.join("alice", "secure") as alice,
    ):
        await alice.send("over TLS")  # a stream too
        assert alice.joined.room == "secure"


@pytest.mark.parametrize("trust", ["other_ca", "system"])
async def test_a_server_the_client_does_not_trust_is_refused(
    tls_server: Tp3Server, pki: Pki, trust: str
) -> None:
    tls = ClientTls(ca=pki.other_ca) if trust == "other_ca" else ClientTls()
    with pytest.raises(Tp3RpcError) as caught:
        await convert(tls_server, tls)
    assert caught.value.status.name == "UNAVAILABLE"
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.message


async def test_an_https_target_is_tls_with_the_system_cas(
    tls_server: Tp3Server, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = f"https://127.0.0.1:{tls_server.port}"
    with pytest.raises(Tp3RpcError, match="CERTIFICATE_VERIFY_FAILED"):  # TLS, not plaintext
        async with AsyncTp3Client(target, timeout=5) as client:
            await client.currency.convert("1", "EUR", "USD")
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))  # OpenSSL's system store, for this test
    async with AsyncTp3Client(target, timeout=5) as client:
        assert (
            str((await client.currency.convert("6500", "MAD", "USD")).converted_amount) == "708.68"
        )


async def test_plaintext_to_a_tls_server_fails_cleanly(tls_server: Tp3Server) -> None:
    with pytest.raises(Tp3RpcError) as caught:
        await convert(tls_server, None)
    assert caught.value.status.name == "UNAVAILABLE"


async def test_mutual_tls_admits_a_client_the_ca_signed(mtls_server: Tp3Server, pki: Pki) -> None:
    tls = ClientTls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    assert await convert(mtls_server, tls) == "708.68"


async def test_mutual_tls_binds_names_to_the_certificates_common_name(
    mtls_server: Tp3Server, pki: Pki
) -> None:
    alice_tls = ClientTls(ca=pki.ca, cert=pki.alice_cert, key=pki.alice_key)
    nameless_tls = ClientTls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
    target = f"127.0.0.1:{mtls_server.port}"
    async with (
        AsyncTp3Client(target, tls=alice_tls, timeout=5) as alice,
        AsyncTp3Client(target, tls=nameless_tls, timeout=5) as nameless,
    ):
        async with alice.chat.join("Alice") as session:
            assert session.joined.name == "Alice"
        for client, name in [(alice, "bob"), (nameless, "alice")]:
            with pytest.raises(Tp3RpcError) as caught:
                await client.game.guess(name, 500)
            assert caught.value.status.name == "PERMISSION_DENIED"
        assert "no common name" in caught.value.message
        await nameless.currency.convert("1", "EUR", "USD")  # what needs no name still works


@pytest.mark.parametrize("who", ["no certificate", "another CA's"])
async def test_mutual_tls_refuses_other_clients_at_the_handshake(
    mtls_server: Tp3Server, pki: Pki, who: str
) -> None:
    tls = (
        ClientTls(ca=pki.ca)
        if who == "no certificate"
        else ClientTls(ca=pki.ca, cert=pki.stranger_cert, key=pki.stranger_key)
    )
    with pytest.raises(Tp3RpcError) as caught:
        await convert(mtls_server, tls)
    assert caught.value.status.name == "UNAVAILABLE"
    assert len(mtls_server.pipeline.live) == 0  # no call got in


def test_unusable_files_are_named(pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(TlsError, match=r"cannot use certificate .*missing\.pem"):
        ServerTls(tmp_path / "missing.pem", pki.server_key).context()
    with pytest.raises(TlsError, match="cannot use CA file"):
        ClientTls(ca=pki.server_key).context()  # a key, not a certificate
    with pytest.raises(TlsError, match="needs its key"):
        ClientTls(ca=pki.ca, cert=pki.client_cert)


def test_tp3_serve_over_tls_and_its_warnings(pki: Pki) -> None:
    running = start_server_process(
        "--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)
    )
    try:
        assert any(line.endswith("(TLS)") for line in running.log)
        convert = ["currency", "convert", "6500", "MAD", "USD", "--target", running.target]
        [line] = assert_ok(run_tp3(*convert, "--tls-ca", str(pki.ca)))
        assert line.startswith("6500 MAD = 708.68 USD")
        # https:// is TLS by itself, trusting the system's CAs (which SSL_CERT_FILE names)
        convert[-1] = f"https://{running.target}/"
        [line] = assert_ok(run_tp3(*convert, env=tp3_env(SSL_CERT_FILE=str(pki.ca))))
        assert line.startswith("6500 MAD = 708.68 USD")
        # TLS on one side only: the one error line says what to change
        convert[-1] = running.target
        plaintext = assert_one_error_line(run_tp3(*convert), 1, "error: UNAVAILABLE: lost the")
        assert plaintext.endswith("(if the server speaks TLS, give --tls-ca or an https:// target)")
    finally:
        running.stop()


def test_tls_to_a_plaintext_server_says_the_server_does_not_speak_it(
    pki: Pki, server_process: ServerProcess
) -> None:
    convert = ["currency", "convert", "1", "EUR", "USD", "--target", server_process.target]
    line = assert_one_error_line(run_tp3(*convert, "--tls-ca", str(pki.ca)), 1, "error: UNAVAIL")
    assert line.endswith(
        "(the server does not speak TLS: leave out the TLS options, or use http://)"
    )
    exposed = start_server_process("--host", "0.0.0.0")
    try:
        warning = "in plaintext with no auth: anyone on the network"
        exposed.wait_for_log(lambda line: warning in line)  # after the line start waits for
    finally:
        exposed.stop()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "missing.pem", "--tls-key", "missing.key"], "cannot use certificate"),
        (["--tls-cert", "x.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-client-ca", "ca.pem"], "needs --tls-cert"),
    ],
)
def test_tp3_serve_refuses_unusable_tls_settings_in_one_line(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tp3", "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def mtls_process(pki: Pki) -> Iterator[ServerProcess]:
    running = start_server_process(
        *("--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)),
        *("--tls-client-ca", str(pki.ca)),
    )
    yield running
    running.stop()


def test_every_client_command_takes_the_tls_options(mtls_process: ServerProcess, pki: Pki) -> None:
    tls = ["--tls-ca", str(pki.ca), "--tls-cert", str(pki.alice_cert)]
    tls += ["--tls-key", str(pki.alice_key)]
    target = ["--target", mtls_process.target]
    [line] = assert_ok(run_tp3("currency", "convert", "6500", "MAD", "USD", *target, *tls))
    assert line.startswith("6500 MAD = 708.68 USD")
    assert_ok(run_tp3("chat", "send", "--name", "alice", "over TLS", *target, *tls))  # a stream
    assert_ok(run_tp3("game", "scoreboard", *target, *tls))
    # the same from the environment
    env = tp3_env(
        TP3_TARGET=mtls_process.target,
        TP3_TLS_CA=str(pki.ca),
        TP3_TLS_CERT=str(pki.alice_cert),
        TP3_TLS_KEY=str(pki.alice_key),
    )
    assert_ok(run_tp3("currency", "list", env=env))


@pytest.mark.parametrize(
    ("options", "code", "says"),
    [
        (["--tls-cert", "{client_cert}", "--tls-key", "{client_key}"], 1, "UNAVAILABLE"),
        (["--tls-ca", "{ca}"], 1, "UNAVAILABLE"),  # mutual TLS: no client certificate
        (["--tls-ca", "{ca}", "--tls-cert", "{client_cert}"], 2, "needs its key"),
        (["--tls-ca", "{client_key}"], 2, "cannot use CA file"),
    ],
)
def test_tls_problems_are_one_line(
    mtls_process: ServerProcess, pki: Pki, options: list[str], code: int, says: str
) -> None:
    files = {name: str(getattr(pki, name)) for name in ("ca", "client_cert", "client_key")}
    argv = [option.format(**files) for option in options]
    result = run_tp3(
        "currency", "convert", "1", "EUR", "USD", "--target", mtls_process.target, *argv
    )
    line = assert_one_error_line(result, code, "error: ")
    assert says in line
