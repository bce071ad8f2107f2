"""Cross-cutting RPC concerns, plugged into the server at one place.

grpclib dispatches a `RecvRequest` event before every handler and lets a listener replace the
handler (`event.method_func`). tp3 wraps every handler there, so that for every RPC of every
service:
- a domain error (`tp3.errors`) becomes its gRPC status (`tp3.status`), with its message;
- one access-log line is written: method, peer, status, duration;
- `current_rpc()` lets the handler's code end its own RPC from elsewhere (another task, a
  callback), e.g. a chat member too slow to read while the handler is stuck sending to it.
Auth, limits and metrics belong here too.
"""

import asyncio
import logging
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from grpclib.const import Status
from grpclib.events import RecvRequest, listen
from grpclib.exceptions import GRPCError
from grpclib.protocol import Peer
from grpclib.server import Server, Stream

from tp3.errors import Tp3Error
from tp3.status import status_for

__all__ = ["RpcContext", "current_rpc", "install_rpc_hooks"]

log = logging.getLogger("tp3.rpc")


class RpcContext:
    """The RPC the current handler serves."""

    def __init__(self, task: "asyncio.Task[Any]") -> None:
        self._task = task
        self.abort_error: Tp3Error | None = None

    def abort(self, error: Tp3Error) -> None:
        """End the RPC with `error`'s status, whatever the handler is waiting on."""
        if self.abort_error is None:
            self.abort_error = error
            self._task.cancel()


_current: ContextVar[RpcContext] = ContextVar("tp3_rpc")


def current_rpc() -> RpcContext:
    """The context of the RPC being handled (only inside a handler)."""
    return _current.get()


if TYPE_CHECKING:
    from grpclib._typing import IServerMethodFunc


def install_rpc_hooks(server: Server) -> None:
    listen(server, RecvRequest, _on_request)


async def _on_request(event: RecvRequest) -> None:
    event.method_func = _observed(event.method_func, event.method_name, _address(event.peer))


def _observed(handler: "IServerMethodFunc", method: str, peer: str) -> "IServerMethodFunc":
    async def observed(stream: Stream[Any, Any]) -> None:
        started = time.perf_counter()
        status, message = Status.OK, ""
        task = asyncio.current_task()
        assert task is not None
        rpc = RpcContext(task)
        _current.set(rpc)
        try:
            await handler(stream)
        except Tp3Error as error:
            status, message = status_for(error), str(error)
            raise GRPCError(status, message) from None
        except GRPCError as error:
            status, message = error.status, error.message or ""
            raise
        except asyncio.CancelledError:
            if rpc.abort_error is not None:  # our own cancellation: end with its status
                task.uncancel()
                status, message = status_for(rpc.abort_error), str(rpc.abort_error)
                raise GRPCError(status, message) from None
            deadline = stream.deadline
            expired = deadline is not None and deadline.time_remaining() <= 0
            status = Status.DEADLINE_EXCEEDED if expired else Status.CANCELLED
            raise
        except Exception:
            status = Status.UNKNOWN  # a bug: grpclib logs the traceback
            raise
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            detail = f" message={message!r}" if message else ""
            log.info(
                "%s peer=%s status=%s duration=%.1fms%s",
                method,
                peer,
                status.name,
                elapsed_ms,
                detail,
            )

    return observed


def _address(peer: Peer) -> str:
    addr = peer.addr()
    if not addr:
        return "unknown"
    host, port = addr[0], addr[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
