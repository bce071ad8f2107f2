"""Where the server is: the target forms tp3 accepts, and their default.

A target is `host:port` (`[ipv6]:port`), or one of the forms other gRPC tools take:

    http://host:port     plaintext, as buf curl reads it (and grpc://host:port, as Postman)
    https://host:port    TLS, trusting the system's CAs unless a CA is given (and grpcs://)
    dns:///host:port     gRPC's name syntax (also dns:host:port); security from the options

A trailing `/` is tolerated; a path, a query, a user, another scheme or a missing port is a
ValueError that says what is expected. The port is always required.
"""

import os
from dataclasses import dataclass

from tp3.tls import ClientTls

__all__ = ["DEFAULT_TARGET", "TARGET_ENV", "Target", "default_target", "parse_target"]

DEFAULT_TARGET = "127.0.0.1:50051"
TARGET_ENV = "TP3_TARGET"
_EXPECTED = "expected host:port, http://host:port, https://host:port or dns:///host:port"
_SCHEMES = {"http": False, "grpc": False, "https": True, "grpcs": True, "dns": None}
"""Each URL scheme, and the TLS it implies (None: it says nothing, the options decide)."""


@dataclass(frozen=True)
class Target:
    host: str
    """Without IPv6 brackets."""
    port: int
    tls: bool | None = None
    """True for https:// and grpcs://, False for http:// and grpc://, None when the form says
    nothing (host:port, dns:): then TLS options alone decide."""

    @property
    def address(self) -> str:
        """host:port, as people write it (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def client_tls(self, given: ClientTls | None) -> ClientTls | None:
        """The TLS to connect with: `given`; for https:// without it, the system's CAs;
        ValueError for TLS options with an http:// target, which asks for plaintext."""
        if self.tls is False and given is not None:
            raise ValueError(
                f"target {self.address} is plaintext (http://, grpc://) but TLS options were "
                "given: use https:// or no scheme, or drop the TLS options"
            )
        if self.tls and given is None:
            return ClientTls()
        return given


def default_target() -> str:
    """`$TP3_TARGET` if set, else 127.0.0.1:50051."""
    return os.environ.get(TARGET_ENV) or DEFAULT_TARGET


def parse_target(target: str) -> Target:
    """Read any of the module's forms; ValueError says what is wrong and what is expected."""
    text = target.strip()
    scheme, sep, rest = text.partition(":")
    scheme, tls = scheme.lower(), None
    if sep and scheme in _SCHEMES and not rest.isdigit():  # http:50051 is a host named http
        tls = _SCHEMES[scheme]
        if scheme == "dns":
            rest = _dns_name(rest, target)
        elif rest.startswith("//"):
            rest = rest[2:]
        else:
            raise ValueError(f"target {target!r}: {scheme}: needs //host:port ({_EXPECTED})")
        rest = rest.removesuffix("/")
    elif "://" in text:
        raise ValueError(
            f"target {target!r}: unknown scheme {text.partition('://')[0]!r}; {_EXPECTED}"
        )
    else:
        rest = text
    if any(char in rest for char in "/?#@"):
        raise ValueError(f"target {target!r}: a path, query or user is not allowed; {_EXPECTED}")
    host, sep, port_text = rest.rpartition(":")
    if not sep or not host:
        missing = "port" if not sep else "host"
        raise ValueError(f"target {target!r} has no {missing}: {_EXPECTED}, e.g. {DEFAULT_TARGET}")
    if host.startswith("[") != host.endswith("]"):
        raise ValueError(f"target {target!r}: unbalanced brackets around an IPv6 address")
    host = host.removeprefix("[").removesuffix("]")
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
        raise ValueError(f"target {target!r} has no valid port (1-65535)")
    return Target(host, int(port_text), tls)


def _dns_name(rest: str, target: str) -> str:
    """The host:port of gRPC's `dns:[//authority/]host:port`; a DNS server (the authority)
    would need a resolver of our own, so only the empty one is taken."""
    if not rest.startswith("//"):
        return rest
    authority, slash, name = rest[2:].partition("/")
    if not slash or authority:
        raise ValueError(
            f"target {target!r}: dns: names a DNS server tp3 cannot use; write dns:///host:port"
        )
    return name
