"""Helpers for the generated stubs' streams."""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import TypeVar

__all__ = ["closing_stream", "let_the_connection_run"]

T = TypeVar("T")


def closing_stream(stream: AsyncIterator[T]) -> aclosing[AsyncGenerator[T, None]]:
    """The stubs' response streams are async generators: close them when we leave early,
    or the RPC stays open."""
    assert isinstance(stream, AsyncGenerator)
    return aclosing(stream)


async def let_the_connection_run() -> None:
    """One turn of the event loop, between two events of a stream. A backlog grpclib has
    already buffered is read without ever waiting, so the connection's own work (answering
    the server's PING, handing back flow-control credit) would wait until the backlog is
    drained: a busy, healthy reader was dropped by the server's keepalive."""
    await asyncio.sleep(0)
