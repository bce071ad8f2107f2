"""A subscriber's bounded buffer of events (a chat member's, a game player's or spectator's).

Whoever fans events out only ever puts into a mailbox, never waits on one: a subscriber whose
mailbox is full is too slow to keep up, and is dropped instead of stalling everyone else.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Generic, TypeVar

__all__ = ["LeaveReason", "Mailbox", "MailboxClosed"]

T = TypeVar("T")


class LeaveReason(Enum):
    """Why a subscriber's mailbox closed."""

    LEFT = "left"
    DISCONNECTED = "disconnected"
    TOO_SLOW = "too slow"


class MailboxClosed(Exception):
    def __init__(self, reason: LeaveReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


class Mailbox(Generic[T]):
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a mailbox holds at least one event")
        self.capacity = capacity
        self.closed: LeaveReason | None = None
        self._events: deque[T] = deque()
        self._changed = asyncio.Event()
        self._on_close: list[Callable[[LeaveReason], None]] = []

    def __len__(self) -> int:
        return len(self._events)

    def put(self, event: T) -> bool:
        """Queue `event`; False if the mailbox is full. A closed mailbox drops it."""
        if self.closed is not None:
            return True
        if len(self._events) >= self.capacity:
            return False
        self._events.append(event)
        self._changed.set()
        return True

    def close(self, reason: LeaveReason) -> None:
        """No more events. A member that left still gets what was already queued (its last
        echoes and notices); otherwise pending events are dropped: nobody will read them."""
        if self.closed is not None:
            return
        self.closed = reason
        if reason is not LeaveReason.LEFT:
            self._events.clear()
        self._changed.set()
        for callback in self._on_close:
            callback(reason)

    def on_close(self, callback: Callable[[LeaveReason], None]) -> None:
        self._on_close.append(callback)

    async def get(self) -> T:
        """The next event, waiting for one; MailboxClosed once closed and drained."""
        while True:
            if self._events:
                return self._events.popleft()
            if self.closed is not None:
                raise MailboxClosed(self.closed)
            self._changed.clear()
            await self._changed.wait()
