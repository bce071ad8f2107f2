"""The client's one exception type, and the table that produces it.

Whatever goes wrong under an RPC — a status from the server, a deadline, a refused or lost
connection — reaches the caller as `Tp3RpcError` with a gRPC status and a human message.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from grpclib.const import Status
from grpclib.exceptions import GRPCError, ProtocolError, StreamTerminatedError

__all__ = ["Tp3RpcError", "rpc_errors"]


class Tp3RpcError(Exception):
    """An RPC failed. `status` is the gRPC status code, `message` says why."""

    def __init__(self, status: Status, message: str) -> None:
        super().__init__(f"{status.name}: {message}")
        self.status = status
        self.message = message


@contextmanager
def rpc_errors(target: str, timeout: float | None) -> Iterator[None]:
    """Translate transport and gRPC failures inside the block into `Tp3RpcError`."""
    try:
        yield
    except GRPCError as error:
        raise Tp3RpcError(error.status, error.message or error.status.name) from None
    except TimeoutError:  # asyncio.TimeoutError is TimeoutError since 3.11
        waited = f" within {timeout:g}s" if timeout is not None else ""
        raise Tp3RpcError(
            Status.DEADLINE_EXCEEDED, f"no answer from the tp3 server at {target}{waited}"
        ) from None
    except (StreamTerminatedError, ProtocolError) as error:
        raise Tp3RpcError(
            Status.UNAVAILABLE, f"lost the connection to the tp3 server at {target}: {error}"
        ) from None
    except ConnectionRefusedError:
        raise Tp3RpcError(
            Status.UNAVAILABLE,
            f"cannot reach the tp3 server at {target}: connection refused (is it running?)",
        ) from None
    except OSError as error:  # unreachable network, unknown host...
        reason = error.strerror or str(error)
        raise Tp3RpcError(
            Status.UNAVAILABLE, f"cannot reach the tp3 server at {target}: {reason}"
        ) from None
