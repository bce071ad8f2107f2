"""The RPC being served, as the pipeline's stages and the handler's own code see it."""

import asyncio
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from grpclib.exceptions import GRPCError
from grpclib.metadata import Deadline

from tp3.errors import Tp3Error
from tp3.ratelimit import Origin

__all__ = ["RpcCall", "current_rpc", "set_current_rpc"]


class RpcCall:
    """One RPC: which method, from whom, since when; and a way to end it from elsewhere."""

    __slots__ = (
        "_task",
        "abort_error",
        "client",
        "connection",
        "deadline",
        "identity",
        "metadata",
        "method",
        "on_drain",
        "peer_certificate",
        "started",
        "streaming",
    )

    def __init__(
        self,
        method: str,
        client: str,
        connection: object,
        deadline: Deadline | None,
        task: "asyncio.Task[Any] | None",
        *,
        streaming: bool = False,
        metadata: Mapping[str, str | bytes] | None = None,
        peer_certificate: Callable[[], dict[str, Any] | None] = lambda: None,
    ) -> None:
        self.method = method
        """The full method path, /package.Service/Method."""
        self.client = client
        """The caller's address as `host:port` (IPv6 hosts in brackets)."""
        self.connection = connection
        """The caller's HTTP/2 connection (a key for per-connection limits)."""
        self.deadline = deadline
        self.streaming = streaming
        """A stream of requests or responses (else unary: left to finish at shutdown)."""
        self.on_drain: Callable[[], None] | None = None
        """How the handler ends the call itself when the server shuts down (a session: a
        last notice, then UNAVAILABLE); None: see `drain`."""
        self.metadata: Mapping[str, str | bytes] = metadata or {}
        """The request's headers (custom metadata)."""
        self.peer_certificate = peer_certificate
        """The client's TLS certificate, as `SSLSocket.getpeercert()` gives it (None without
        mutual TLS)."""
        self.identity: str | None = None
        """Who the caller is, when the server authenticates (tp3.rpc.auth): None when it
        does not; "" for a client certificate without a common name."""
        self.started = time.perf_counter()
        self.abort_error: Tp3Error | GRPCError | None = None
        self._task = task

    @property
    def service(self) -> str:
        return self.method.split("/")[1]

    @property
    def client_host(self) -> str:
        """The caller's host alone (a key for per-client limits)."""
        return self.client.rpartition(":")[0].strip("[]")

    def origin(self) -> Origin:
        """The caller's connection and address, as the domain's rate limits know them."""
        return Origin(connection=f"{id(self.connection):x}", address=self.client_host)

    def abort(self, error: Tp3Error | GRPCError) -> None:
        """End the RPC with `error`'s status, whatever the handler is waiting on."""
        if self.abort_error is None and self._task is not None:
            self.abort_error = error
            self._task.cancel()

    def drain(self, error: Tp3Error | GRPCError) -> None:
        """The server is shutting down: the handler's own way if it has one (`on_drain`), a
        stream ends now with `error`, a unary call is left to finish."""
        if self.on_drain is not None:
            self.on_drain()
        elif self.streaming:
            self.abort(error)

    def uncancel(self) -> None:
        """Undo the cancellation `abort` caused, so the handler can end with its status."""
        if self._task is not None:
            self._task.uncancel()

    def finish(self) -> None:
        """The RPC is over. Drops the task: the task's context holds this call, and the cycle
        would keep a finished handler's frames (and their replies) alive until a full GC."""
        self._task = None


_current: ContextVar[RpcCall] = ContextVar("tp3_rpc")


def current_rpc() -> RpcCall:
    """The RPC being handled (only inside a handler)."""
    return _current.get()


def set_current_rpc(call: RpcCall) -> None:
    _current.set(call)
