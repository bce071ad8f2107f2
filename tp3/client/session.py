"""What the chat and game sessions share: one bidirectional stream, opened by a join,
read event by event, closed by a leave.

Subclasses say how to build requests and read responses; this class drives the stream:
the join's deadline, a leave the server confirms, and a session the server ends with an
error raising that status (see `events`).
"""

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Generic, Self, TypeVar

from grpclib.client import Channel, Stream
from grpclib.const import Cardinality, Status
from grpclib.exceptions import StreamTerminatedError
from grpclib.stream import recv_message

from tp3.client.errors import Tp3RpcError, rpc_errors
from tp3.client.streams import let_the_connection_run

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
    ) -> None:
        self._request = channel.request(method, Cardinality.STREAM_STREAM, *types)
        self._target = target
        self._timeout = timeout
        self._stream: Stream[Request, Response] | None = None
        self._ended = False  # our side is closed: left, or the server ended the session
        self._failure: Exception | None = None  # how the stream broke, if it did

    @abstractmethod
    def _join_request(self) -> Request: ...

    @abstractmethod
    def _leave_request(self) -> Request: ...

    @abstractmethod
    def _welcome(self, response: Response) -> bool:
        """Take in the server's answer to the join; False if it is not a welcome."""

    @abstractmethod
    def _event(self, response: Response) -> Event | None:
        """The event a response carries (None: nothing to show)."""

    async def __aenter__(self) -> Self:
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
        return self

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
        with rpc_errors(self._target, None):
            await self._live_stream().send_message(request)

    async def leave(self) -> None:
        """Leave and wait (bounded) for the server to close the session.

        It reads what the server still sends, so no other task may be iterating the session
        then: stop (cancel) that reader first. Leaving `async with` calls it for you."""
        if self._ended:
            return
        stream = self._live_stream()
        self._ended = True
        with rpc_errors(self._target, self._timeout):
            await stream.send_message(self._leave_request(), end=True)
            async with asyncio.timeout(self._timeout):
                while await stream.recv_message() is not None:
                    pass  # events still on their way: we are leaving
                await stream.recv_trailing_metadata()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self.events()

    async def events(self) -> AsyncGenerator[Event, None]:
        """The events as they come; ends when the session does. A session the server ends
        with an error (e.g. RESOURCE_EXHAUSTED for a slow reader) raises Tp3RpcError."""
        stream = self._live_stream()
        with rpc_errors(self._target, None), self._recording_failure():
            try:
                while (response := await stream.recv_message()) is not None:
                    event = self._event(response)
                    if event is not None:
                        yield event
                    await let_the_connection_run()
            except StreamTerminatedError:
                # A server ending a stream with an error status follows its trailers with a
                # reset while our side is still open; grpclib then reports the reset, not the
                # status, and leaves unread the messages that came before the trailers (a
                # drained server's last events and its notice). Read those, then raise the
                # trailers' status as grpclib's own exit would.
                for response in await _unread(stream):
                    event = self._event(response)
                    if event is not None:
                        yield event
                stream._maybe_raise()
                raise
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


async def _unread(stream: Stream[Request, Response]) -> list[Response]:
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
