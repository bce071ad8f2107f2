"""What the chat and game sessions share: one bidirectional stream, opened by a join,
read event by event, closed by a leave.

Subclasses say how to build requests and read responses; this class drives the stream:
the join's deadline, a leave the server confirms, a session the server ends with an error
raising that status (see `events`), and, with a `Reconnect` policy, a session that comes back
after UNAVAILABLE: a new stream, a join that resumes, then a `Reconnected` event and what the
subclass replays (`_replay`).
"""

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Generic, Self, TypeVar

from grpclib.client import Channel, Stream
from grpclib.const import Cardinality, Status

from tp3.client.errors import Tp3RpcError, rpc_errors
from tp3.client.reconnect import RETRYABLE, Reconnect, Reconnected, with_retries
from tp3.client.streams import received, unread

__all__ = ["BidiSession"]

Request = TypeVar("Request")
Response = TypeVar("Response")
Event = TypeVar("Event")


class BidiSession(ABC, Generic[Request, Response, Event]):
    def __init__(
        self,
        channel: Channel,
        target: str,
        timeout: float,
        method: str,
        types: tuple[type[Request], type[Response]],
        reconnect: Reconnect | None = None,
    ) -> None:
        self._channel, self._method, self._types = channel, method, types
        self._request = self._open_request()
        self._target = target
        self._timeout = timeout
        self._reconnect = reconnect
        self._stream: Stream[Request, Response] | None = None
        self._ended = False  # our side is closed: left, or the server ended the session
        self._failure: Exception | None = None  # how the stream broke, if it did
        self._connected = asyncio.Event()  # clear while reconnecting: sends wait
        self._leaving = False  # a leave was sent: the end that follows is no loss
        self._generation = 0  # which stream: one more at each reconnection
        self._comeback: asyncio.Task[None] | None = None
        self._came_back: list[Event | Reconnected] = []  # for the reader: Reconnected, replay

    def _open_request(self) -> Stream[Request, Response]:
        return self._channel.request(self._method, Cardinality.STREAM_STREAM, *self._types)

    @abstractmethod
    def _join_request(self) -> Request:
        """The first request; after a reconnection, one that resumes."""

    @abstractmethod
    def _leave_request(self) -> Request: ...

    @abstractmethod
    def _welcome(self, response: Response) -> bool:
        """Take in the server's answer to the join; False if it is not a welcome."""

    @abstractmethod
    def _events(self, response: Response) -> Sequence[Event]:
        """The events a response carries, in order (none: nothing to show)."""

    def _replay(self) -> tuple[list[Event], str]:
        """After a reconnection: the events to show first, and what was resumed in words."""
        return [], "the session"

    async def __aenter__(self) -> Self:
        await self._open()
        return self

    async def _open(self) -> None:
        """Open the stream, join, and take the welcome."""
        with rpc_errors(self._target, self._timeout):
            stream = self._stream = await self._request.__aenter__()
            try:
                await stream.send_message(self._join_request())
                first = await asyncio.wait_for(stream.recv_message(), self._timeout)
                if first is None or not self._welcome(first):
                    await self._finish()  # raises the server's status
                    raise Tp3RpcError(
                        Status.UNKNOWN, "the server answered the join with no welcome"
                    )
            except BaseException as error:
                await self._request.__aexit__(type(error), error, error.__traceback__)
                raise
        self._ended, self._failure = False, None
        self._connected.set()

    async def _recover(self, lost: Tp3RpcError, generation: int) -> None:
        """The stream of `generation` ended with `lost`: come back (once, whoever of the
        reader and a sender noticed first), or raise `lost` if this session does not."""
        if self._reconnect is None or lost.status not in RETRYABLE or self._leaving:
            raise lost
        if generation != self._generation:
            return  # already back
        if self._comeback is None or self._comeback.done():
            self._comeback = asyncio.create_task(self._come_back(lost))
        await asyncio.shield(self._comeback)

    async def _come_back(self, lost: Tp3RpcError) -> None:
        """Close the broken stream, then open others until one joins; what to tell the
        reader waits in `_came_back`."""
        assert self._reconnect is not None
        self._connected.clear()
        if self._stream is not None:  # what the old stream got and nobody read yet comes first
            for response in await unread(self._stream):
                self._came_back += self._events(response)
        with contextlib.suppress(Exception):  # it is broken already: only its resources matter
            await self._request.__aexit__(type(lost), lost, lost.__traceback__)

        async def attempt() -> None:
            self._request = self._open_request()
            await self._open()

        try:
            _, tries = await with_retries(self._reconnect, attempt)
        finally:
            self._connected.set()  # sends go on (and fail, if this did)
        self._generation += 1
        replayed, resumed = self._replay()
        self._came_back += [Reconnected(self._target, tries, resumed), *replayed]

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None and not self._ended:
                await self.leave()
        finally:
            # grpclib's exit expects a cleanly finished stream unless told what broke it
            failure = exc or self._failure
            await self._request.__aexit__(
                type(failure) if failure else None,
                failure,
                failure.__traceback__ if failure else None,
            )

    async def _send(self, request: Request) -> None:
        """Send on the stream; while the session reconnects, once it is back (a send that
        finds the stream broken brings it back itself, and sends again)."""
        await self._connected.wait()
        generation = self._generation
        try:
            with rpc_errors(self._target, None):
                await self._live_stream().send_message(request)
        except Tp3RpcError as error:
            await self._recover(error, generation)
            with rpc_errors(self._target, None):
                await self._live_stream().send_message(request)

    async def leave(self) -> None:
        """Leave and wait (bounded) for the server to close the session.

        It reads what the server still sends, so no other task may be iterating the session
        then: stop (cancel) that reader first. Leaving `async with` calls it for you."""
        if self._ended:
            return
        stream = self._live_stream()
        self._ended = self._leaving = True
        with rpc_errors(self._target, self._timeout):
            await stream.send_message(self._leave_request(), end=True)
            async with asyncio.timeout(self._timeout):
                while await stream.recv_message() is not None:
                    pass  # events still on their way: we are leaving
                await stream.recv_trailing_metadata()

    def __aiter__(self) -> AsyncIterator[Event | Reconnected]:
        return self.events()

    async def events(self) -> AsyncGenerator[Event | Reconnected, None]:
        """The events as they come; ends when the session does. A session the server ends
        with an error (e.g. RESOURCE_EXHAUSTED for a slow reader) raises Tp3RpcError; with a
        `Reconnect` policy, UNAVAILABLE is followed by a `Reconnected` event, what the
        session replays (a chat member: the messages missed), and the session goes on."""
        while True:
            generation = self._generation
            try:
                while self._came_back:
                    yield self._came_back.pop(0)
                async for event in self._stream_events():
                    yield event
                return
            except Tp3RpcError as error:
                await self._recover(error, generation)

    async def _stream_events(self) -> AsyncGenerator[Event, None]:
        stream = self._live_stream()
        with rpc_errors(self._target, None), self._recording_failure():
            async for response in received(stream):
                for event in self._events(response):
                    yield event
            await self._finish()

    @contextmanager
    def _recording_failure(self) -> Iterator[None]:
        try:
            yield
        except Exception as error:
            self._failure, self._ended = error, True
            raise

    async def _finish(self) -> None:
        """The server ended the stream: end ours and raise its status if it isn't OK."""
        stream = self._live_stream()
        if not self._ended:
            self._ended = True
            await stream.end()
        await stream.recv_trailing_metadata()

    def _live_stream(self) -> Stream[Request, Response]:
        if self._stream is None:
            raise RuntimeError("use the session inside `async with`")
        return self._stream
