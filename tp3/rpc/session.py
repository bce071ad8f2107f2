"""The one session skeleton: a chat member, a game player and a spectator are all served by it.

A session RPC has two halves: the writer streams out what arrives in the subscriber's inbox,
while a reader task applies what the client sends (a spectator sends nothing). When the
inbox closes because the subscriber was too slow, the RPC ends with RESOURCE_EXHAUSTED at
once, even if the handler is stuck sending to that very peer. When the server shuts down, the
client's requests are no longer read, what was queued is sent, then a last notice, then
UNAVAILABLE. Whatever ends the session, the subscriber leaves exactly once.
"""

import asyncio
import contextvars
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from tp3.errors import FailedPrecondition, ResourceExhausted, Tp3Error, Unavailable
from tp3.mailbox import Inbox, LeaveReason, MailboxClosed
from tp3.rpc.context import current_rpc

__all__ = [
    "LOST_NOTICE",
    "SHUTDOWN_NOTICE",
    "Heartbeat",
    "Requests",
    "SessionCount",
    "chained",
    "opening_join",
    "serve_session",
]

SHUTDOWN_NOTICE = "server shutting down \N{EM DASH} reconnect and resume"
LOST_NOTICE = (
    "the shared store forgot this session (Redis restarted without persistence) "
    "\N{EM DASH} reconnect"
)

log = logging.getLogger("tp3.session")
T = TypeVar("T")  # a request from the client
E = TypeVar("E")  # an event in the subscriber's inbox
R = TypeVar("R")  # a response on the wire


async def opening_join(
    messages: AsyncIterator[T], join: Callable[[T], R | None], what: str
) -> R | None:
    """The join that must open a session: `join(first message)`, FAILED_PRECONDITION if the
    first message is something else, None if the client left before saying anything."""
    first = await anext(messages, None)
    if first is None:
        return None
    opening = join(first)
    if opening is None:
        raise FailedPrecondition(f"join first: the first message of a {what} must be a join")
    return opening


async def chained(first: T, rest: AsyncIterator[T]) -> AsyncIterator[T]:
    """`first`, then what `rest` brings: a stream whose first message was read already."""
    yield first
    async for message in rest:
        yield message


@dataclass(frozen=True)
class Heartbeat(Generic[R]):
    """What a quiet session sends, and after how long: proxies that do not pass HTTP/2 PINGs
    on (nginx) cut a stream that stays silent past their read timeout."""

    interval: float
    make: Callable[[], R]


@dataclass(frozen=True)
class Requests(Generic[T]):
    """What the client sends during a session, and how to apply it."""

    messages: AsyncIterator[T]
    apply: Callable[[T], Awaitable[bool]]
    """Apply one request; False for a leave. A Tp3Error refuses that request alone."""


class SessionCount:
    """Sessions being served now (observable proof that vanished subscribers are released)."""

    def __init__(self) -> None:
        self.value = 0


async def serve_session(
    first: R | None,
    inbox: Inbox[E],
    encode: Callable[[E], R | None],
    *,
    leave: Callable[[LeaveReason], Awaitable[None]],
    too_slow: Callable[[], ResourceExhausted],
    notice: Callable[[Tp3Error], E],
    requests: Requests[T] | None = None,
    count: SessionCount | None = None,
    heartbeat: Heartbeat[R] | None = None,
) -> AsyncGenerator[R, None]:
    """Yield `first`, then `encode(event)` for each event of the inbox until it closes, and
    a heartbeat after every quiet `heartbeat.interval`, if given. None, as `first` or from
    `encode`, sends nothing (a contract with no words for that event: the lab's).

    A refused request is told in-band: `notice(error)` goes into the inbox. A leave or the
    end of the client's stream calls `leave(LEFT)`; any other end, `leave(DISCONNECTED)`
    (`leave` must be idempotent)."""
    if count is not None:
        count.value += 1
    rpc = current_rpc()
    inbox.on_close(lambda reason: rpc.abort(too_slow()) if reason is LeaveReason.TOO_SLOW else None)
    reader = None
    if requests is not None:
        reader = asyncio.create_task(_read(requests, inbox, notice, leave))

    def shut_down() -> None:
        if reader is not None:
            reader.cancel()  # what the client sends now would never be answered
        inbox.close(LeaveReason.SHUTDOWN, farewell=notice(Unavailable(SHUTDOWN_NOTICE)))

    rpc.on_drain = shut_down
    quiet = _QuietTimer(inbox, heartbeat) if heartbeat is not None else None
    try:
        if first is not None:
            yield first
            first = None  # a room's whole member list, for a chat: not held while idle
        while True:
            event = await inbox.get()
            if event is _QUIET:
                beat = quiet.beat() if quiet is not None else None
                if beat is not None:  # None: something was sent meanwhile
                    yield beat
                continue
            response = encode(event)
            if response is None:
                continue
            yield response
            if quiet is not None:
                quiet.sent()
    except MailboxClosed as closed:
        if closed.reason is LeaveReason.TOO_SLOW:
            raise too_slow() from None
        if closed.reason is LeaveReason.SHUTDOWN:
            raise Unavailable(SHUTDOWN_NOTICE) from None
        if closed.reason is LeaveReason.LOST:
            farewell = encode(notice(Unavailable(LOST_NOTICE)))
            if farewell is not None:
                yield farewell
            raise Unavailable(LOST_NOTICE) from None
    finally:
        if quiet is not None:
            quiet.cancel()
        if count is not None:
            count.value -= 1
        if reader is not None:
            reader.cancel()
            try:
                await reader
            except asyncio.CancelledError:
                pass
            except Exception as error:  # the connection went away under the reader
                log.debug("session reader ended: %r", error)
        await leave(LeaveReason.DISCONNECTED)  # no-op if it already left


_QUIET: Any = object()
"""Put in a session's inbox by its _QuietTimer: time to check whether a heartbeat is due."""


class _QuietTimer(Generic[R]):
    """When a session has sent nothing for the heartbeat's interval, puts _QUIET in its
    inbox. One timer per interval, not one per wait: arming asyncio.timeout around every
    wait for an event was ~8% of the server's time while a thousand members joined a room."""

    def __init__(self, inbox: Inbox[Any], heartbeat: Heartbeat[R]) -> None:
        self._inbox = inbox
        self._heartbeat = heartbeat
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()
        self._timer = self._at(self._last + self._heartbeat.interval)

    def sent(self) -> None:
        self._last = self._loop.time()

    def due(self) -> bool:
        return self._loop.time() - self._last >= self._heartbeat.interval

    def beat(self) -> R | None:
        """The heartbeat to send, if still due."""
        if not self.due():
            return None
        self.sent()
        return self._heartbeat.make()

    def cancel(self) -> None:
        self._timer.cancel()

    def _at(self, when: float) -> asyncio.TimerHandle:
        # an empty context: the timer must not hold the handler's (see rpc/transport.py)
        return self._loop.call_at(when, self._check, context=contextvars.Context())

    def _check(self) -> None:
        if self.due():
            self._inbox.put(_QUIET)  # a full inbox: the session is busy, no heartbeat due
            self._timer = self._at(self._loop.time() + self._heartbeat.interval)
        else:
            self._timer = self._at(self._last + self._heartbeat.interval)


async def _read(
    requests: Requests[T],
    inbox: Inbox[E],
    notice: Callable[[Tp3Error], E],
    leave: Callable[[LeaveReason], Awaitable[None]],
) -> None:
    """Apply each request in order until a leave or the end of the client's stream, then
    leave (which closes the inbox and so ends the writer)."""
    async for request in requests.messages:
        try:
            if not await requests.apply(request):
                break
        except Tp3Error as error:
            inbox.put(notice(error))
        # One request per turn of the event loop: a client that pipelines thousands of
        # requests must not fill everyone's inboxes before their writers get to run.
        await asyncio.sleep(0)
    await leave(LeaveReason.LEFT)
