"""TLS for the server and its clients: which files, and the SSL contexts made from them.

gRPC runs over HTTP/2, which TLS negotiates by ALPN ("h2"); TLS 1.2 at least, as grpc-go
and grpc-java require. Mutual TLS: the server names a CA, and refuses at the handshake any
client without a certificate it signed.
"""

import ssl
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClientTls", "ServerTls", "TlsError"]


class TlsError(ValueError):
    """A TLS file that can't be used (missing, unreadable, not a certificate or key)."""


@dataclass(frozen=True)
class ServerTls:
    cert: Path
    """The server's certificate chain (PEM)."""
    key: Path
    """Its private key (PEM)."""
    client_ca: Path | None = None
    """With it, mutual TLS: clients must present a certificate this CA signed."""

    def context(self) -> ssl.SSLContext:
        context = _context(ssl.PROTOCOL_TLS_SERVER)
        _load_chain(context, self.cert, self.key)
        if self.client_ca is not None:
            _load_ca(context, self.client_ca)
            context.verify_mode = ssl.CERT_REQUIRED
        return context


@dataclass(frozen=True)
class ClientTls:
    ca: Path | None = None
    """The CA that signed the server's certificate; None trusts the system's CAs."""
    cert: Path | None = None
    """The client's own certificate chain (PEM), for a server that asks for one (mTLS)."""
    key: Path | None = None
    """Its private key (PEM)."""

    def __post_init__(self) -> None:
        if (self.cert is None) != (self.key is None):
            raise TlsError("a client certificate needs its key, and a key its certificate")

    def context(self) -> ssl.SSLContext:
        context = _context(ssl.PROTOCOL_TLS_CLIENT)  # checks the server's name and chain
        if self.ca is None:
            context.load_default_certs(ssl.Purpose.SERVER_AUTH)
        else:
            _load_ca(context, self.ca)
        if self.cert is not None and self.key is not None:
            _load_chain(context, self.cert, self.key)
        return context


def _context(protocol: int) -> ssl.SSLContext:
    context = ssl.SSLContext(protocol)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2"])
    return context


def _load_chain(context: ssl.SSLContext, cert: Path, key: Path) -> None:
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise TlsError(f"cannot use certificate {cert} with key {key}: {_reason(error)}") from None


def _load_ca(context: ssl.SSLContext, ca: Path) -> None:
    try:
        context.load_verify_locations(cafile=ca)
    except (OSError, ssl.SSLError) as error:
        raise TlsError(f"cannot use CA file {ca}: {_reason(error)}") from None


def _reason(error: OSError | ssl.SSLError) -> str:
    return getattr(error, "reason", None) or error.strerror or str(error)
