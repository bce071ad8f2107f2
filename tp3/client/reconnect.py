"""Sessions that come back: after a lost connection or a server that drained (UNAVAILABLE),
try again with growing pauses, then resume where the session was.

    async with tp3.chat.join("alice", reconnect=Reconnect()) as chat:
        async for event in chat:   # ..., Reconnected(...), the missed messages, ...

The session itself says what it resumes (a chat member: the messages after the last one it
saw; a player: the current round); this module only knows when and how often to try.
"""

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from grpclib.const import Status

from tp3.client.errors import Tp3RpcError

__all__ = ["RETRYABLE", "Reconnect", "Reconnected", "with_retries"]

T = TypeVar("T")

RETRYABLE = frozenset({Status.UNAVAILABLE})
"""What ends a session in a way coming back can mend: the server went away or is draining."""
_RETRYABLE_REJOIN = RETRYABLE | {
    Status.DEADLINE_EXCEEDED,  # a server still starting
    Status.ALREADY_EXISTS,  # our own ghost, until the server notices the old connection died
}


@dataclass(frozen=True)
class Reconnect:
    """How a session tries to come back."""

    first_pause: float = 0.5
    """Seconds before the first try; each next pause doubles, up to `max_pause`."""
    max_pause: float = 5.0
    give_up_after: float = 60.0
    """Seconds of failed tries after which the last error is raised."""


@dataclass(frozen=True)
class Reconnected:
    """The session came back (an event of the client's, between the server's events)."""

    target: str
    attempts: int
    resumed: str
    """What was resumed, in words: "after message #12", "round 3"."""

    def __str__(self) -> str:
        tries = "" if self.attempts == 1 else f" after {self.attempts} tries"
        return f"reconnected to {self.target}{tries}; resumed {self.resumed}"


async def with_retries(policy: Reconnect, attempt: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """`attempt()` until it succeeds or fails for good (a status no retry mends, or
    `give_up_after` seconds of failures); the result and how many tries it took."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + policy.give_up_after
    pause = policy.first_pause
    tries = 0
    while True:
        tries += 1
        await asyncio.sleep(pause * random.uniform(0.8, 1.2))  # not all clients at once
        try:
            return await attempt(), tries
        except Tp3RpcError as error:
            if error.status not in _RETRYABLE_REJOIN or loop.time() >= give_up:
                raise
        pause = min(2 * pause, policy.max_pause)
