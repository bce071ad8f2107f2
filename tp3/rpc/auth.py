"""Who is calling: bearer tokens and client certificates, checked by one pipeline stage.

With `tp3 serve --auth-tokens FILE`, every call but health and reflection must carry
`authorization: Bearer TOKEN` with a token of the file (else UNAUTHENTICATED); with mutual TLS,
the client certificate's common name says who the caller is. Either way the call gets an
`identity`, and a chat or game name must be it (`claimed_name`, PERMISSION_DENIED otherwise).

Tokens are kept as SHA-256 digests and compared to all of them in constant time; neither a
token nor its digest is ever logged or sent back.
"""

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from tp3.errors import InvalidArgument, PermissionDenied, quote
from tp3.names import name_key, valid_name
from tp3.rpc.context import RpcCall, current_rpc

__all__ = ["OPEN_SERVICES", "Authenticator", "TokenFileError", "Tokens", "claimed_name"]

OPEN_SERVICES = frozenset(
    {
        "grpc.health.v1.Health",  # load balancers and probes carry no token
        "grpc.reflection.v1.ServerReflection",  # grpcurl and grpcui discover the API first
        "grpc.reflection.v1alpha.ServerReflection",
    }
)
MIN_TOKEN_LENGTH = 16


class TokenFileError(ValueError):
    """A token file that can't be used; the message names the file and line."""


@dataclass(frozen=True)
class Tokens:
    """Token -> name, from a file of `TOKEN NAME` lines."""

    _digests: tuple[tuple[bytes, str], ...]

    @classmethod
    def load(cls, path: Path) -> "Tokens":
        """Blank lines and lines starting with '#' are skipped."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise TokenFileError(f"cannot read the token file {path}: {error}") from None
        entries: dict[bytes, str] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            where = f"{path}, line {number}"
            fields = line.split()
            if len(fields) != 2:
                raise TokenFileError(f"{where}: expected 'TOKEN NAME', two words")
            token, name = fields
            if len(token) < MIN_TOKEN_LENGTH:
                raise TokenFileError(
                    f"{where}: a token must have at least {MIN_TOKEN_LENGTH} characters "
                    "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe())')"
                )
            try:
                valid_name(name, "name")
            except InvalidArgument as error:
                raise TokenFileError(f"{where}: {error}") from None
            digest = _digest(token)
            if digest in entries:
                raise TokenFileError(f"{where}: the same token as an earlier line")
            entries[digest] = name
        if not entries:
            raise TokenFileError(f"the token file {path} holds no token")
        return cls(tuple(entries.items()))

    def __len__(self) -> int:
        return len(self._digests)

    def identify(self, token: str) -> str | None:
        """The name `token` belongs to, if any. Every entry is compared, each in constant
        time: how long it takes says nothing of how close a guess was."""
        digest = _digest(token)
        found = None
        for known, name in self._digests:
            if hmac.compare_digest(known, digest):
                found = name
        return found


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


class Authenticator:
    """The pipeline stage that identifies every caller (tokens, client certificates, or
    both: then they must name the same one)."""

    def __init__(self, tokens: Tokens | None, *, certificates: bool) -> None:
        self.tokens = tokens
        self.certificates = certificates

    def admit(self, call: RpcCall) -> None:
        if call.service in OPEN_SERVICES:
            return
        identity = _certificate_name(call) if self.certificates else None
        if self.tokens is not None:
            holder = self._token_holder(call)
            if identity is not None and name_key(identity) != name_key(holder):
                raise GRPCError(
                    Status.PERMISSION_DENIED,
                    f"the token is {holder!r}'s but the client certificate is {identity!r}'s",
                )
            identity = holder
        call.identity = identity

    def release(self, call: RpcCall) -> None:
        pass

    def _token_holder(self, call: RpcCall) -> str:
        assert self.tokens is not None
        header = call.metadata.get("authorization")
        if header is None:
            raise _unauthenticated("this server needs a token: send 'authorization: Bearer TOKEN'")
        scheme, _, token = str(header).strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated("the authorization header must read 'Bearer TOKEN'")
        holder = self.tokens.identify(token.strip())
        if holder is None:
            raise _unauthenticated("unknown token")
        return holder


def _unauthenticated(why: str) -> GRPCError:
    return GRPCError(Status.UNAUTHENTICATED, f"{why} (tp3: --token or $TP3_TOKEN)")


def _certificate_name(call: RpcCall) -> str:
    """The common name of the client's certificate (mutual TLS has verified it); "" for a
    certificate without one: a client the CA vouches for, that may not use any name."""
    certificate: dict[str, Any] | None = call.peer_certificate()
    for rdn in (certificate or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return str(value)
    return ""


def claimed_name(name: str, field: str) -> str:
    """The name a chat member or player uses: the caller's identity when the server knows it
    (a name given must be that one, else PERMISSION_DENIED; none given means it), `name`
    as it is otherwise."""
    identity = current_rpc().identity
    if identity is None:
        return name
    if not identity:
        raise PermissionDenied(
            f"{field}: your client certificate has no common name, and on this server a "
            "chat or game name is the certificate's common name"
        )
    if not name.strip():
        return identity
    if name_key(name.strip()) != name_key(identity):
        raise PermissionDenied(
            f"{field}: you are {identity!r} on this server, so you can't use the name "
            f"{quote(name.strip())}"
        )
    return name
