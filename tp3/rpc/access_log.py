"""The access log: one line per RPC outcome and per refused connection or stream.

A flood of bad calls must not become a flood of log lines: at most `per_second` lines are
written each second, and the ones held back are counted and reported once the flood ebbs.
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from grpclib.const import Status

from tp3.rpc.context import RpcCall

__all__ = ["AccessLog", "address"]

_LOGGED_MESSAGE = 200  # characters of a status message quoted in a line


class AccessLog:
    def __init__(
        self,
        logger: logging.Logger | None = None,
        *,
        per_second: float = 200.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger or logging.getLogger("tp3.rpc")
        self.per_second = per_second
        self._clock = clock
        self._tokens = per_second
        self._refilled = clock()
        self.suppressed = 0
        """Lines held back since the last one written."""

    def call(self, call: RpcCall, status: Status, message: str) -> None:
        if not self.logger.isEnabledFor(logging.INFO) or not self._take():
            return
        elapsed_ms = (time.perf_counter() - call.started) * 1000
        detail = f" message={message[:_LOGGED_MESSAGE]!r}" if message else ""
        self.logger.info(
            "%s peer=%s status=%s duration=%.1fms%s",
            call.method,
            call.client,
            status.name,
            elapsed_ms,
            detail,
        )

    def refused(self, client: str, what: str) -> None:
        """A connection or stream refused before any handler ran: `what` says why."""
        if self.logger.isEnabledFor(logging.INFO) and self._take():
            self.logger.info("refused peer=%s %s", client, what[:_LOGGED_MESSAGE])

    def _take(self) -> bool:
        now = self._clock()
        self._tokens = min(self.per_second, self._tokens + (now - self._refilled) * self.per_second)
        self._refilled = now
        if self._tokens < 1:
            self.suppressed += 1
            return False
        self._tokens -= 1
        if self.suppressed:
            self.logger.warning("%d access-log lines suppressed (flood)", self.suppressed)
            self.suppressed = 0
        return True


def address(peer: tuple[Any, ...] | None) -> str:
    """A peer's address as `host:port`, from a socket's peername."""
    if not peer:
        return "unknown"
    host, port = str(peer[0]), peer[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
