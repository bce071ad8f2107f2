"""At most N actions per second per key: a token bucket, with an injectable clock.

Shared by the game's guesses and the chat's messages. Keys come from clients (any name a
unary Guess uses), so idle keys must not stay forever:
a bucket that has refilled is the same as none, and is forgotten now and then.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from tp3.errors import ResourceExhausted

__all__ = ["ActionLimit", "Origin", "RateLimiter", "too_many"]

_PRUNE_EVERY = 1024  # calls between two sweeps of idle keys


class RateLimiter:
    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError("the rate must be positive")
        self.per_second = per_second
        self.capacity = max(1.0, per_second)  # a burst of one second's worth, at least one
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._calls = 0

    def __len__(self) -> int:
        """Keys remembered (a memory gauge)."""
        return len(self._buckets)

    def allow(self, *keys: str) -> bool:
        """Take one token from each key's bucket, or none if any of them is empty: an action
        counts against its actor, its connection and its address at once."""
        now = self._clock()
        self._calls += 1
        if self._calls % _PRUNE_EVERY == 0:
            self._forget_full(now)
        refilled = {}
        for key in keys:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            refilled[key] = min(self.capacity, tokens + (now - last) * self.per_second)
        allowed = all(tokens >= 1 for tokens in refilled.values())
        for key, tokens in refilled.items():
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
        return allowed

    def reserve(self, key: str) -> float:
        """Take one token for `key` even if it has none yet: the seconds to wait until it
        is there (0 if it was). Paces an action instead of refusing it."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.per_second) - 1
        self._buckets[key] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens / self.per_second

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)

    def _forget_full(self, now: float) -> None:
        refill = self.capacity / self.per_second  # seconds an empty bucket takes to fill
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket[1] < refill
        }


@dataclass(frozen=True)
class Origin:
    """Where an action comes from, besides who does it: one client may use many names."""

    connection: str
    address: str


class ActionLimit:
    """How often one kind of action (a guess, a chat message) may happen: `per_second` per
    actor (and per connection, if `per_connection`), `per_address` per client address (a
    classroom behind one NAT shares it)."""

    def __init__(
        self, what: str, per_second: float, per_address: float, *, per_connection: bool
    ) -> None:
        self.what = what
        self._per_actor = RateLimiter(per_second)
        self._per_address = RateLimiter(per_address)
        self._per_connection = per_connection

    def check(self, actor: str, origin: Origin | None = None) -> None:
        """Count one action; ResourceExhausted if a limit is reached."""
        keys = [f"actor:{actor}"]
        if origin is not None and self._per_connection:
            keys.append(f"connection:{origin.connection}")
        if not self._per_actor.allow(*keys):
            raise too_many(self.what, self._per_actor.per_second)
        if origin is not None and not self._per_address.allow(origin.address):
            raise too_many(self.what, self._per_address.per_second, origin.address)

    def forget(self, actor: str) -> None:
        self._per_actor.forget(f"actor:{actor}")


def too_many(what: str, per_second: float, address: str | None = None) -> ResourceExhausted:
    """The refusal of one action too many: by its actor, or from `address`."""
    if address is None:
        return ResourceExhausted(f"too many {what}: at most {per_second:g} per second")
    return ResourceExhausted(
        f"too many {what} from {address}: at most {per_second:g} per second from one address"
    )
