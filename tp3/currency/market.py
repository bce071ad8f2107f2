"""A simulated market: quotes that wander around the reference rate.

Each quote stream gets its own random walk: the log of rate / reference follows a
mean-reverting (Ornstein-Uhlenbeck) process, so rates stay plausible however long the stream.
With a seed the walks are reproducible: every stream of the same pair replays the same rates.
"""

import math
import random
import secrets
from collections.abc import Iterator
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal

from tp3.errors import InvalidArgument

__all__ = [
    "DEFAULT_COUNT",
    "DEFAULT_INTERVAL",
    "MAX_COUNT",
    "MAX_INTERVAL",
    "MIN_INTERVAL",
    "Market",
    "quote_pair",
    "quote_schedule",
]

DEFAULT_INTERVAL = timedelta(seconds=1)
MIN_INTERVAL = timedelta(milliseconds=10)
MAX_INTERVAL = timedelta(seconds=60)
DEFAULT_COUNT = 10
MAX_COUNT = 100_000

_QUOTE_DIGITS = Context(prec=6, rounding=ROUND_HALF_EVEN)
_VOLATILITY = 0.0005  # standard deviation of one step of the log rate
_REVERSION = 0.05  # share of the distance to the reference taken back at every step


def quote_pair(base: str, quote: str, field: str = "quote_currency") -> None:
    """A quote needs two currencies: one currency against itself is 1, always, and a stream
    of simulated quotes drifting around 1 (EUR/EUR 1.00100) would say otherwise."""
    if base == quote:
        raise InvalidArgument(
            field, f"{quote} is the base currency too: quotes need two currencies (EUR USD)"
        )


def quote_schedule(interval: timedelta | None, count: int | None) -> tuple[timedelta, int]:
    """Apply defaults and bounds to a quote request's interval and tick count."""
    interval = DEFAULT_INTERVAL if interval is None else interval
    count = DEFAULT_COUNT if count is None else count
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise InvalidArgument(
            "interval",
            f"must be between 10ms and 60s (default 1s), got {interval.total_seconds():g}s",
        )
    if not 1 <= count <= MAX_COUNT:
        raise InvalidArgument(
            "count", f"must be between 1 and {MAX_COUNT} (default {DEFAULT_COUNT}), got {count}"
        )
    return interval, count


class Market:
    def __init__(self, seed: int | None = None) -> None:
        self._seed = seed

    def rates(self, base: str, quote: str, reference: Decimal) -> Iterator[Decimal]:
        """An endless walk of simulated rates for one stream, 6 significant digits each."""
        seed = secrets.randbits(64) if self._seed is None else f"{self._seed}/{base}/{quote}"
        rng = random.Random(seed)
        deviation = 0.0
        while True:
            deviation = deviation * (1 - _REVERSION) + rng.gauss(0.0, _VOLATILITY)
            yield _QUOTE_DIGITS.multiply(reference, Decimal(math.exp(deviation)))
