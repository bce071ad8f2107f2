"""Cross-cutting RPC concerns, plugged into the server at one place.

grpclib dispatches a `RecvRequest` event before every handler and lets a listener replace the
handler (`event.method_func`). tp3 wraps every handler there, so that for every RPC of every
service:
- a domain error (`tp3.errors`) becomes its gRPC status (`tp3.status`), with its message;
- one access-log line is written: method, peer, status, duration.
Auth, limits and metrics belong here too.
"""

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from grpclib.const import Status
from grpclib.events import RecvRequest, listen
from grpclib.exceptions import GRPCError
from grpclib.protocol import Peer
from grpclib.server import Server, Stream

from tp3.errors import Tp3Error
from tp3.status import status_for

__all__ = ["install_rpc_hooks"]

log = logging.getLogger("tp3.rpc")

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
        try:
            await handler(stream)
        except Tp3Error as error:
            status, message = status_for(error), str(error)
            raise GRPCError(status, message) from None
        except GRPCError as error:
            status, message = error.status, error.message or ""
            raise
        except asyncio.CancelledError:
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
