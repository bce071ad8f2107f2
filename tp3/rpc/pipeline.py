"""The RPC pipeline: every call of every service goes through the same stages, built once.

grpclib dispatches a `RecvRequest` event before each handler and lets a listener replace the
handler; tp3 replaces it with one function that runs, in order:

    admission stages   each may refuse the call (a Tp3Error or GRPCError): drain, auth, quotas
    the handler        domain errors become their status through the one table (tp3.rpc.status)
    the access log     one line per outcome, refusals included
    the live registry  calls being served, so the transport can end one (a too-large message)

The HTTP/2 layer below (tp3.rpc.transport) refuses what must be refused before a handler
exists: too many streams or connections, oversized messages, expired deadlines.
"""

import asyncio
import contextvars
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from grpclib.const import Cardinality, Status
from grpclib.events import RecvRequest, listen
from grpclib.exceptions import GRPCError
from grpclib.metadata import Deadline
from grpclib.server import Server, Stream

from tp3.errors import ResourceExhausted, Tp3Error
from tp3.rpc.access_log import AccessLog, address
from tp3.rpc.context import RpcCall, set_current_rpc
from tp3.rpc.status import bounded_message, status_for

if TYPE_CHECKING:
    from grpclib._typing import IServerMethodFunc

__all__ = [
    "Counts",
    "LiveRpcs",
    "RpcPipeline",
    "Stage",
    "StreamQuota",
    "streaming_methods",
]


K = TypeVar("K")


class Stage(Protocol):
    """A step every call passes before its handler runs."""

    def admit(self, call: RpcCall) -> None:
        """Raise a Tp3Error (or GRPCError) to refuse the call."""

    def release(self, call: RpcCall) -> None:
        """The admitted call is over (called once, whatever its outcome)."""


class LiveRpcs:
    """The calls being served, by their HTTP/2 stream, and the refusals the transport made of
    calls whose handler has not started yet."""

    def __init__(self) -> None:
        self._calls: dict[object, RpcCall] = {}
        self._refused: dict[object, GRPCError] = {}
        self._deadlines: dict[object, Deadline] = {}
        self._none_left = asyncio.Event()
        self._none_left.set()

    def __len__(self) -> int:
        return len(self._calls)

    def calls(self) -> list[RpcCall]:
        return list(self._calls.values())

    async def none_left(self) -> None:
        """Return once no call is being served."""
        await self._none_left.wait()

    def get(self, stream: object) -> RpcCall | None:
        return self._calls.get(stream)

    def add(self, stream: object, call: RpcCall) -> None:
        self._calls[stream] = call
        self._none_left.clear()

    def discard(self, stream: object) -> None:
        self._calls.pop(stream, None)
        if not self._calls:
            self._none_left.set()

    def refuse(self, stream: object, error: GRPCError) -> None:
        """End the stream's call with `error`: now if it runs, else as soon as it starts."""
        call = self._calls.get(stream)
        if call is not None:
            call.abort(error)
        else:
            self._refused[stream] = error

    def take_refusal(self, stream: object) -> GRPCError | None:
        return self._refused.pop(stream, None)

    def expect_deadline(self, stream: object, deadline: Deadline) -> None:
        self._deadlines[stream] = deadline

    def take_deadline(self, stream: object) -> Deadline | None:
        return self._deadlines.pop(stream, None)

    def forget(self, stream: object) -> None:
        """The stream is over: drop what was left for a call that never started."""
        self._refused.pop(stream, None)
        self._deadlines.pop(stream, None)


class Counts(Generic[K]):
    """A count per key; a key whose count falls to zero is forgotten."""

    def __init__(self) -> None:
        self._counts: dict[K, int] = {}

    def __getitem__(self, key: K) -> int:
        return self._counts.get(key, 0)

    def add(self, key: K) -> int:
        self._counts[key] = count = self._counts.get(key, 0) + 1
        return count

    def remove(self, key: K) -> None:
        count = self._counts[key] - 1
        if count:
            self._counts[key] = count
        else:
            del self._counts[key]


class StreamQuota:
    """At most `limit` concurrent streaming calls of one service from one client host: a
    client can't hold thousands of quote streams or chat sessions, however many connections
    it opens. Unary calls are not counted."""

    def __init__(self, limit: int, streaming_methods: Iterable[str]) -> None:
        self.limit = limit
        self._streaming = frozenset(streaming_methods)
        self._open: Counts[tuple[str, str]] = Counts()

    def admit(self, call: RpcCall) -> None:
        if call.method not in self._streaming:
            return
        key = (call.service, call.client_host)
        if self._open[key] >= self.limit:
            raise ResourceExhausted(
                f"too many streams: at most {self.limit} open calls of {call.service} "
                f"per client (--max-client-streams)"
            )
        self._open.add(key)

    def release(self, call: RpcCall) -> None:
        if call.method in self._streaming:
            self._open.remove((call.service, call.client_host))


class RpcPipeline:
    def __init__(
        self, stages: Sequence[Stage], access_log: AccessLog, streaming: Iterable[str] = ()
    ) -> None:
        """`streaming`: the paths of the methods that stream (see `streaming_methods`)."""
        self.stages = stages
        self.access_log = access_log
        self.live = LiveRpcs()
        self._streaming = frozenset(streaming)

    def install(self, server: Server) -> None:
        listen(server, RecvRequest, self._on_request)

    async def _on_request(self, event: RecvRequest) -> None:
        event.method_func = self._wrap(event.method_func, event.method_name)

    def _wrap(self, handler: "IServerMethodFunc", method: str) -> "IServerMethodFunc":
        async def run(stream: Stream[Any, Any]) -> None:
            h2_stream = stream._stream
            call = RpcCall(
                method,
                address(stream.peer.addr()),
                h2_stream.connection,
                self.live.take_deadline(h2_stream),
                asyncio.current_task(),
                streaming=method in self._streaming,
                metadata=stream.metadata,
                peer_certificate=stream.peer.cert,
            )
            set_current_rpc(call)
            admitted: list[Stage] = []
            status, message = Status.OK, ""
            self.live.add(h2_stream, call)
            timer = None
            try:
                refused = self.live.take_refusal(h2_stream)
                if refused is not None:
                    raise refused
                if call.deadline is not None:
                    timer = _deadline_timer(call, call.deadline)
                for stage in self.stages:
                    stage.admit(call)
                    admitted.append(stage)
                await handler(stream)
            except Tp3Error as error:
                refusal = _as_grpc_error(error)
                status, message = refusal.status, refusal.message or ""
                raise refusal from None
            except GRPCError as error:
                status, message = error.status, error.message or ""
                raise
            except asyncio.CancelledError:
                if call.abort_error is not None:  # our own cancellation: end with its status
                    call.uncancel()
                    aborted = _as_grpc_error(call.abort_error)
                    status, message = aborted.status, aborted.message or ""
                    raise aborted from None
                expired = call.deadline is not None and call.deadline.time_remaining() <= 0
                status = Status.DEADLINE_EXCEEDED if expired else Status.CANCELLED
                raise
            except Exception:
                status = Status.UNKNOWN  # a bug: grpclib logs the traceback
                raise
            finally:
                if timer is not None:
                    timer.cancel()
                for stage in reversed(admitted):
                    stage.release(call)
                self.live.discard(h2_stream)
                call.finish()
                self.access_log.call(call, status, message)

        return run


def _deadline_timer(call: RpcCall, deadline: Deadline) -> asyncio.TimerHandle:
    """End `call` with DEADLINE_EXCEEDED when its deadline passes (at once if it has)."""
    exceeded = GRPCError(Status.DEADLINE_EXCEEDED, "deadline exceeded")
    remaining = deadline.time_remaining()
    if remaining <= 0:
        raise exceeded
    # An empty context: cancelled when the call ends, early, the timer would keep the
    # handler's context (and the call, its connection) until its time (see transport.py).
    loop = asyncio.get_running_loop()
    return loop.call_later(remaining, call.abort, exceeded, context=contextvars.Context())


def _as_grpc_error(error: Tp3Error | GRPCError) -> GRPCError:
    if isinstance(error, GRPCError):
        return error
    return GRPCError(status_for(error), bounded_message(str(error)))


def streaming_methods(services: Iterable[Any]) -> set[str]:
    """The paths of every method with a streamed request or response."""
    found = set()
    for service in services:
        mapping: Mapping[str, Any] = service.__mapping__()
        for path, handler in mapping.items():
            if handler.cardinality is not Cardinality.UNARY_UNARY:
                found.add(path)
    return found
