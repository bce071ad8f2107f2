"""At most N actions per second per key: a token bucket, with an injectable clock.

Keys come from clients (any name a unary Guess uses), so idle keys must not stay forever:
a bucket that has refilled is the same as none, and is forgotten now and then.
"""

import time
from collections.abc import Callable

__all__ = ["RateLimiter"]

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

    def allow(self, key: str) -> bool:
        """Take one token for `key`; False if it has none left."""
        now = self._clock()
        self._calls += 1
        if self._calls % _PRUNE_EVERY == 0:
            self._forget_full(now)
        tokens, last = self._buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.per_second)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return False
        self._buckets[key] = (tokens - 1, now)
        return True

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)

    def _forget_full(self, now: float) -> None:
        refill = self.capacity / self.per_second  # seconds an empty bucket takes to fill
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket[1] < refill
        }
