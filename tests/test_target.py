"""Target forms: host:port and the URLs grpcurl, buf curl and gRPC users type."""

from pathlib import Path

import pytest
from cli_support import assert_ok, run_tp3, tp3_env

from tp3.client import AsyncTp3Client, ClientTls, parse_target
from tp3.client.target import Target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:50051", Target("127.0.0.1", 50051)),
        (" example.org:443 ", Target("example.org", 443)),
        ("[::1]:50051", Target("::1", 50051)),
        ("localhost:50051", Target("localhost", 50051)),
        ("http:50051", Target("http", 50051)),  # a host named http, not a scheme
        ("http://127.0.0.1:50051", Target("127.0.0.1", 50051, tls=False)),
        ("http://127.0.0.1:50051/", Target("127.0.0.1", 50051, tls=False)),
        ("HTTP://Example.org:80", Target("Example.org", 80, tls=False)),
        ("grpc://h:1", Target("h", 1, tls=False)),
        ("https://example.org:443", Target("example.org", 443, tls=True)),
        ("https://[::1]:8443/", Target("::1", 8443, tls=True)),
        ("grpcs://h:1", Target("h", 1, tls=True)),
        ("dns:///example.org:50051", Target("example.org", 50051)),
        ("dns:example.org:50051", Target("example.org", 50051)),
        ("dns:///[::1]:50051", Target("::1", 50051)),
    ],
)
def test_accepted_forms(text: str, expected: Target) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("nonsense", "has no port"),
        ("http://127.0.0.1", "has no port"),
        ("https://example.org/", "has no port"),
        (":50051", "has no host"),
        ("http://:50051", "has no host"),
        ("127.0.0.1:notaport", "has no valid port"),
        ("host:0", "has no valid port"),
        ("host:65536", "has no valid port"),
        ("http://h:1/tp3.currency.v1.CurrencyService", "a path, query or user is not allowed"),
        ("http://h:1?x=1", "a path, query or user is not allowed"),
        ("http://user@h:1", "a path, query or user is not allowed"),
        ("ftp://h:1", "unknown scheme 'ftp'"),
        ("unix:///tmp/tp3.sock", "unknown scheme 'unix'"),
        ("http:h:1", "http: needs //host:port"),
        ("dns://8.8.8.8/h:1", "names a DNS server"),
        ("[::1:50051", "unbalanced brackets"),
    ],
)
def test_rejected_forms_say_what_is_expected(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem) as caught:
        parse_target(text)
    message = str(caught.value)
    assert repr(text) in message
    if not problem.startswith(("has no valid port", "names a DNS", "unbalanced")):
        assert "http://host:port, https://host:port or dns:///host:port" in message


def test_the_address_is_written_as_people_write_it() -> None:
    assert parse_target("https://[::1]:8443").address == "[::1]:8443"
    assert parse_target("dns:///example.org:1").address == "example.org:1"


def test_the_scheme_and_the_tls_options_decide_together(tmp_path: Path) -> None:
    ca = ClientTls(ca=tmp_path / "ca.pem")
    assert parse_target("https://h:1").client_tls(None) == ClientTls()  # the system's CAs
    assert parse_target("https://h:1").client_tls(ca) is ca
    assert parse_target("h:1").client_tls(None) is None
    assert parse_target("dns:///h:1").client_tls(ca) is ca
    assert parse_target("http://h:1").client_tls(None) is None
    with pytest.raises(ValueError, match=r"plaintext .* but TLS options were given"):
        parse_target("http://h:1").client_tls(ca)


def test_the_library_takes_the_same_forms() -> None:
    with pytest.raises(ValueError, match="unknown scheme 'ftp'"):
        AsyncTp3Client("ftp://127.0.0.1:1")
    with pytest.raises(ValueError, match="TLS options were given"):
        AsyncTp3Client("http://127.0.0.1:1", tls=ClientTls())


@pytest.mark.slow  # runs tp3 ui
@pytest.mark.parametrize(
    ("target", "security"),
    [
        ("http://127.0.0.1:1/", ["-plaintext"]),
        ("https://127.0.0.1:1", []),
        ("127.0.0.1:1", ["-plaintext"]),
    ],
)
def test_tp3_ui_hands_grpcui_the_address_and_the_schemes_security(
    tmp_path: Path, target: str, security: list[str]
) -> None:
    """grpcui takes host:port alone; https:// means TLS with the system's CAs (no flag)."""
    grpcui = tmp_path / "grpcui"
    grpcui.write_text('#!/bin/sh\nprintf "%s\\n" "$@"\n')  # prints the argv it was given
    grpcui.chmod(0o755)
    result = run_tp3("ui", "--no-browser", "--target", target, env=tp3_env(TP3_GRPCUI=str(grpcui)))
    assert assert_ok(result) == [*security, "-port", "0", "-open-browser=false", "127.0.0.1:1"]
