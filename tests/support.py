"""Waiting in async tests, always within a bound: the next event of a kind on a session's stream
(`next_of`, `collect`) or in a backend's inbox (`next_in`), a condition that comes true
(`eventually`); and `closable`, to close a generated stub's stream.

A wait fails the test when its `timeout` (WAIT unless told) runs out: TimeoutError, raised where
the test waited. A test module that needs a longer bound (replicas noticing a dead one...)
passes its own.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Protocol, TypeVar

E = TypeVar("E")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

WAIT = 10.0
"""Seconds a test waits for something that should come at once."""


class Receiver(Protocol[T_co]):
    """What reading needs of a `tp3.mailbox.Inbox` (whatever the events it holds)."""

    async def get(self) -> T_co: ...


async def next_of(events: AsyncIterable[object], kind: type[E], *, timeout: float = WAIT) -> E:
    """The next event of `kind` on a stream (a chat or game session, its `events()`); the
    others before it are skipped."""
    async with asyncio.timeout(timeout):
        async for event in events:
            if isinstance(event, kind):
                return event
    raise AssertionError(f"the stream ended before a {kind.__name__}")


async def collect(
    events: AsyncIterable[object], count: int, kind: type[E], *, timeout: float = WAIT
) -> list[E]:
    """The next `count` events of `kind` on a stream, in order; the others are skipped."""
    found: list[E] = []
    async with asyncio.timeout(timeout):
        async for event in events:
            if isinstance(event, kind):
                found.append(event)
                if len(found) == count:
                    return found
    raise AssertionError(f"the stream ended after {len(found)} {kind.__name__} of {count}")


async def next_in(
    inbox: Receiver[object],
    kind: type[E] | tuple[type[E], ...],
    *,
    skipped: list[object] | None = None,
    timeout: float = WAIT,
    **fields: object,
) -> E:
    """The next event of `kind` (one of these kinds) in a backend's inbox, with these `fields`
    (`name="bob"`); the others before it are appended to `skipped`, if given, else dropped."""
    async with asyncio.timeout(timeout):
        while True:
            event = await inbox.get()
            if isinstance(event, kind) and all(getattr(event, k) == v for k, v in fields.items()):
                return event
            if skipped is not None:
                skipped.append(event)


async def eventually(condition: Callable[[], bool], *, timeout: float = WAIT) -> None:
    """Return once `condition()` is true (polled every 10 ms): for state with no event to await."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def closable(stream: AsyncIterator[T]) -> AsyncGenerator[T, None]:
    """A generated stub's server stream as what it is, an async generator, for `aclosing`
    (betterproto2 types them AsyncIterator, which has no `aclose`)."""
    assert isinstance(stream, AsyncGenerator)
    return stream


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """The port of a TCP peer that accepts connections and never says a word: what a client
    must not hang on."""
    accepted: list[asyncio.StreamWriter] = []
    silent = await asyncio.start_server(lambda _, w: accepted.append(w), "127.0.0.1", 0)
    try:
        yield silent.sockets[0].getsockname()[1]
    finally:
        for writer in accepted:
            writer.close()
        silent.close()
        await silent.wait_closed()
