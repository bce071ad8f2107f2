"""Helpers for the generated stubs' streams."""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from typing import Any, TypeVar

from grpclib.client import Stream
from grpclib.exceptions import StreamTerminatedError
from grpclib.stream import recv_message

__all__ = ["closing_stream", "let_the_connection_run", "received", "unread"]

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


async def received(stream: Stream[Any, T]) -> AsyncGenerator[T, None]:
    """The messages of a server stream as they come, until it ends.

    A server ending a stream with an error status follows its trailers with a reset while
    our side is still open; grpclib then reports the reset, not the status, and leaves
    unread the messages that came before the trailers (a drained server's last events and
    its notice). Those are read too, then the trailers' status is raised as grpclib's own
    exit would."""
    try:
        while (message := await stream.recv_message()) is not None:
            yield message
            await let_the_connection_run()
    except StreamTerminatedError:
        for message in await unread(stream):
            yield message
        stream._maybe_raise()
        raise


async def unread(stream: Stream[Any, T]) -> list[T]:
    """The messages still in a reset stream's buffer, if its trailers came (and so its end:
    the buffer holds all there will be)."""
    h2_stream = stream._stream
    if not h2_stream.trailers_received.is_set():
        return []
    messages = []
    try:
        while (
            message := await recv_message(h2_stream, stream._codec, stream._recv_type)
        ) is not None:
            messages.append(message)
    except AssertionError:  # grpclib's "Received less data than expected": a message the
        pass  # server cut short when it ended the stream (a reader too slow), never whole
    return messages
