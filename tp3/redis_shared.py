"""What the Redis backends (chat, game) share: the replica's heartbeat, a rate limit all
replicas count together, and Redis errors turned into UNAVAILABLE.

A replica is one `tp3 serve` process. It keeps a key alive with a heartbeat; the members a
replica holds are stored with its id, so when its key expires (the process crashed) any
other replica can remove them, once, and say they left.
"""

import contextlib
import secrets
from collections.abc import Iterator

from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from tp3.errors import ResourceExhausted, Unavailable
from tp3.ratelimit import Origin, too_many

__all__ = [
    "HEARTBEAT",
    "REPLICA_TTL",
    "TAKE_FUNCTION",
    "Replica",
    "SharedActionLimit",
    "connect",
    "subscriber",
    "unavailable",
]

HEARTBEAT = 2.0
"""Seconds between a replica's heartbeats (and its sweeps for members of dead replicas)."""
REPLICA_TTL = 3 * HEARTBEAT
"""Seconds without a heartbeat after which a replica counts as dead."""
_REPLICAS = "tp3:replica:"


POOL_SIZE = 100
"""Connections to Redis one backend of a replica opens at most; more commands at once wait."""


def connect(url: str) -> "aioredis.Redis":
    """A client for `url`, on a pool of POOL_SIZE connections where a command waits for a
    free one (redis-py's default pool fails instead: "Too many connections", seen with 120
    members joining at once). A command on a pooled connection Redis closed (it restarted)
    is tried once more on a new one; so, rarely, a command Redis did run but could not
    answer runs twice."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=POOL_SIZE,
        timeout=10,
        decode_responses=True,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[RedisConnectionError],
    )
    return aioredis.Redis.from_pool(pool)


def subscriber(url: str) -> "aioredis.Redis":
    """A client for one PUB/SUB connection whose loss raises. redis-py would reconnect and
    subscribe again by itself, silently: the events published in between would be lost
    without the backend knowing that it must catch up."""
    return aioredis.Redis.from_url(url, decode_responses=True, retry=Retry(NoBackoff(), 0))


class Replica:
    """This process, among those sharing one Redis."""

    def __init__(self, redis: "aioredis.Redis") -> None:
        self.id = secrets.token_hex(6)
        self._redis = redis

    async def beat(self) -> None:
        await self._redis.set(_REPLICAS + self.id, "1", ex=int(REPLICA_TTL))

    async def alive(self, replica: str) -> bool:
        return replica == self.id or bool(await self._redis.exists(_REPLICAS + replica))

    async def stop(self) -> None:
        await self._redis.delete(_REPLICAS + self.id)


@contextlib.contextmanager
def unavailable(what: str) -> Iterator[None]:
    """Redis unreachable inside the block: UNAVAILABLE, saying which store."""
    try:
        yield
    except (RedisError, OSError) as error:
        raise Unavailable(f"the {what}'s shared store (Redis) is unreachable: {error}") from None


# take(keys, rates): a token bucket per key, all taken or none -> 0 if allowed, else the
# 1-based index of the first empty bucket. A function, so that a script that acts on what it
# allows (the chat's post) can count in the same round trip.
TAKE_FUNCTION = """
local function take(keys, rates)
  local now = redis.call('TIME')
  local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
  local levels = {}
  for i, key in ipairs(keys) do
    local rate = tonumber(rates[i])
    local bucket = redis.call('HMGET', key, 'level', 'at')
    local level = tonumber(bucket[1]) or rate
    local at = tonumber(bucket[2]) or t
    level = math.min(rate, level + (t - at) * rate)
    if level < 1 then return i end
    levels[i] = level
  end
  for i, key in ipairs(keys) do
    local rate = tonumber(rates[i])
    redis.call('HSET', key, 'level', levels[i] - 1, 'at', t)
    redis.call('EXPIRE', key, math.ceil(1 / rate) + 1)
  end
  return 0
end
"""
# KEYS: the buckets. ARGV: the rate per second of each, in order.
_TAKE = TAKE_FUNCTION + "return take(KEYS, ARGV)"


class SharedActionLimit:
    """tp3.ratelimit.ActionLimit's rules (a burst of `per_second`, refilled at that rate, per
    actor and connection, and per address), counted in Redis: a client spread over several
    replicas gets no more than from one."""

    def __init__(
        self,
        redis: "aioredis.Redis",
        what: str,
        per_second: float,
        per_address: float,
        *,
        per_connection: bool,
        replica: Replica,
    ) -> None:
        """`replica`: a connection's key is only unique within its process."""
        self.what = what
        self._replica = replica
        self.per_second = per_second
        self.per_address = per_address
        self._per_connection = per_connection
        self._take = redis.register_script(_TAKE)
        self._prefix = f"tp3:rate:{what}:"

    def buckets(self, actor: str, origin: Origin | None = None) -> tuple[list[str], list[float]]:
        """The keys and rates `take` counts an action of `actor` from `origin` against."""
        keys, rates = [f"{self._prefix}actor:{actor}"], [self.per_second]
        if origin is not None and self._per_connection:
            keys.append(f"{self._prefix}connection:{self._replica.id}:{origin.connection}")
            rates.append(self.per_second)
        if origin is not None:
            keys.append(f"{self._prefix}address:{origin.address}")
            rates.append(self.per_address)
        return keys, rates

    def refusal(self, empty: int, origin: Origin | None = None) -> ResourceExhausted:
        """What to say when `take` found the `empty`-th of `buckets(…, origin)` empty."""
        address_bucket = 3 if self._per_connection else 2  # its place in buckets(…, origin)
        if origin is not None and empty == address_bucket:
            return too_many(self.what, self.per_address, origin.address)
        return too_many(self.what, self.per_second)

    async def check(self, actor: str, origin: Origin | None = None) -> None:
        keys, rates = self.buckets(actor, origin)
        empty = int(await self._take(keys=keys, args=rates))
        if empty:
            raise self.refusal(empty, origin)
