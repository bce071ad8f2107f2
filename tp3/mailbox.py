"""A subscriber's bounded buffer of events (a chat member's, a game player's or spectator's).

Whoever fans events out only ever puts into a mailbox, never waits on one: a subscriber whose
mailbox is full is too slow to keep up, and is dropped instead of stalling everyone else.

Presence (someone arriving or leaving) does not count against that bound: a burst of a
thousand departures must not get the members who stayed dropped as too slow. An arrival and
a departure of the same subject, both unread, cancel out, and presence has a bound of its own,
four times larger: a subscriber that never reads is still dropped, later. A subscriber may
take presence in batches (`batch_presence`): then each batch is one entry against that bound.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Generic, Protocol, TypeVar

__all__ = ["Inbox", "LeaveReason", "Mailbox", "MailboxClosed"]

T = TypeVar("T")


class LeaveReason(Enum):
    """Why a subscriber's mailbox closed."""

    LEFT = "left"
    DISCONNECTED = "disconnected"
    TOO_SLOW = "too slow"
    SHUTDOWN = "server shutting down"
    LOST = "lost by the shared store"
    """The store the session lived in (Redis) forgot it: it restarted without persistence."""


class MailboxClosed(Exception):
    def __init__(self, reason: LeaveReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class Inbox(Protocol[T]):
    """A subscriber's events as its session sees them. The backend that made it (a Mailbox,
    here) puts the events in; the session reads them, adds its own notices, and closes it at
    shutdown. Services only ever hold an Inbox: delivery is the backend's."""

    capacity: int
    """Events it holds before its subscriber counts as too slow."""

    async def get(self) -> T:
        """The next event; MailboxClosed once closed and drained."""

    def get_nowait(self) -> T | None:
        """The next event if one is waiting, else None."""

    def put(self, event: T) -> bool:
        """Queue an event; False if full."""

    def close(self, reason: LeaveReason, *, farewell: T | None = None) -> None: ...

    def on_close(self, callback: Callable[[LeaveReason], None]) -> None: ...


class _Presence(Generic[T]):
    """Presence in the queue: about one subject, or a batch (subject "", never cancelled)."""

    __slots__ = ("arriving", "cancelled", "event", "subject")

    def __init__(self, subject: str, arriving: bool, event: T) -> None:
        self.subject = subject
        self.arriving = arriving
        self.event = event
        self.cancelled = False


class Mailbox(Generic[T]):
    def __init__(self, capacity: int, *, batch_presence: bool = False) -> None:
        if capacity < 1:
            raise ValueError("a mailbox holds at least one event")
        self.capacity = capacity
        self.presence_capacity = 4 * capacity
        self.batch_presence = batch_presence
        """Whether its subscriber takes presence in batches (`put_presence_batch`)."""
        self.closed: LeaveReason | None = None
        self._events: deque[T | _Presence[T]] = deque()
        self._counted = 0  # events that count against the capacity
        self._presence: dict[str, _Presence[T]] = {}  # the unread one per subject
        self._batches = 0  # presence batches unread
        # Its one reader, waiting (a Future, not an Event: an Event's deque of waiters is
        # 0.7 KiB more for each of a room's idle members)
        self._reader: asyncio.Future[None] | None = None
        self._on_close: list[Callable[[LeaveReason], None]] = []

    def __len__(self) -> int:
        """Events waiting, presence included."""
        return self._counted + len(self._presence) + self._batches

    def put(self, event: T) -> bool:
        """Queue `event`; False if the mailbox is full. A closed mailbox drops it."""
        if self.closed is not None:
            return True
        if self._counted >= self.capacity:
            return False
        self._events.append(event)
        self._counted += 1
        self._wake()
        return True

    def put_presence(self, subject: str, arriving: bool, event: T) -> bool:
        """Queue a presence event about `subject`; False if presence is full. If the opposite
        event about the same subject is still unread, both vanish: the reader never saw it
        come and go."""
        if self.closed is not None:
            return True
        unread = self._presence.pop(subject, None)
        if unread is not None and unread.arriving != arriving:
            unread.cancelled = True
            return True
        if len(self._presence) + self._batches >= self.presence_capacity:
            return False
        entry = _Presence(subject, arriving, event)
        self._presence[subject] = entry
        self._events.append(entry)
        self._wake()
        return True

    def put_presence_batch(self, batch: T) -> bool:
        """Queue presence changes told together; False if presence is full."""
        if self.closed is not None:
            return True
        if len(self._presence) + self._batches >= self.presence_capacity:
            return False
        self._events.append(_Presence("", True, batch))
        self._batches += 1
        self._wake()
        return True

    def close(self, reason: LeaveReason, *, farewell: T | None = None) -> None:
        """No more events. A member that left, or that the server's shutdown sends away,
        still gets what was already queued (its last echoes, the room's last messages), then
        `farewell` if given, whatever the capacity; otherwise pending events are dropped:
        nobody will read them."""
        if self.closed is not None:
            return
        self.closed = reason
        if reason not in (LeaveReason.LEFT, LeaveReason.SHUTDOWN, LeaveReason.LOST):
            self._events.clear()
            self._presence.clear()
            self._counted = self._batches = 0
        if farewell is not None:
            self._events.append(farewell)
            self._counted += 1
        self._wake()
        for callback in self._on_close:
            callback(reason)

    def on_close(self, callback: Callable[[LeaveReason], None]) -> None:
        self._on_close.append(callback)

    def get_nowait(self) -> T | None:
        """The next event if one is waiting, else None."""
        while self._events:
            event = self._events.popleft()
            if not isinstance(event, _Presence):
                self._counted -= 1
                return event
            if event.cancelled:
                continue
            if not event.subject:
                self._batches -= 1
            elif self._presence.get(event.subject) is event:
                del self._presence[event.subject]
            return event.event
        return None

    async def get(self) -> T:
        """The next event, waiting for one; MailboxClosed once closed and drained."""
        while True:
            if self._events:
                event = self.get_nowait()
                if event is not None:
                    return event
            if self.closed is not None:
                raise MailboxClosed(self.closed)
            if self._reader is not None:
                raise RuntimeError("a mailbox is read by one reader at a time")
            self._reader = asyncio.get_running_loop().create_future()
            try:
                await self._reader
            finally:
                self._reader = None

    def _wake(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)
