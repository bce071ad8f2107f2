"""Typed access to ChatService: a session per room, events in, messages out.

    async with tp3.chat.join("alice", room="lobby") as chat:
        await chat.send("hello")
        async for event in chat:
            ...

Sending and receiving are independent: send from one task while another iterates.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Self

from grpclib.client import Channel, Stream
from grpclib.const import Cardinality, Status
from grpclib.exceptions import StreamTerminatedError

from tp3.chat import wire
from tp3.chat.events import ChatEvent, Joined, MemberInfo, Resume, RoomMessage, RoomSummary
from tp3.client.errors import Tp3RpcError, rpc_errors
from tp3.generated.tp3.chat import v1 as pb

__all__ = ["AsyncChatClient", "ChatSession"]

_CHAT = "/tp3.chat.v1.ChatService/Chat"  # the session drives the stream itself, for both halves


class ChatSession:
    """One member in one room, from join to leave."""

    joined: Joined
    """The server's welcome: your name and id, the members, the recent history."""

    def __init__(self, channel: Channel, target: str, timeout: float, join: pb.Join) -> None:
        self._request = channel.request(
            _CHAT, Cardinality.STREAM_STREAM, pb.ChatRequest, pb.ChatResponse
        )
        self._target = target
        self._timeout = timeout
        self._join = join
        self._stream: Stream[pb.ChatRequest, pb.ChatResponse] | None = None
        self._ended = False  # our side is closed: left, or the server ended the session
        self._failure: Exception | None = None  # how the stream broke, if it did
        self.last_sequence = 0

    @property
    def resume_point(self) -> Resume:
        """Where to resume from after a disconnection: pass it to `join(..., resume=)`."""
        return Resume(self.joined.room_epoch, self.last_sequence)

    async def __aenter__(self) -> Self:
        with rpc_errors(self._target, self._timeout):
            stream = self._stream = await self._request.__aenter__()
            try:
                await stream.send_message(pb.ChatRequest(join=self._join))
                first = await asyncio.wait_for(stream.recv_message(), self._timeout)
                if first is None or first.joined is None:
                    await self._finish()  # raises the server's status
                    raise Tp3RpcError(
                        Status.UNKNOWN, "the server answered the join with no welcome"
                    )
            except BaseException as error:
                await self._request.__aexit__(type(error), error, error.__traceback__)
                raise
        self.joined = wire.joined_from_proto(first.joined)
        self.last_sequence = self.joined.last_sequence
        for message in self.joined.history:
            self.last_sequence = max(self.last_sequence, message.sequence)
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

    async def send(self, text: str, *, to: str | None = None) -> None:
        """Say `text` to the room, or privately to the member named `to`."""
        with rpc_errors(self._target, None):
            await self._live_stream().send_message(
                pb.ChatRequest(send=pb.Send(text=text, to=to or ""))
            )

    async def leave(self) -> None:
        """Leave the room and wait (bounded) for the server to close the session.

        It reads what the server still sends, so no other task may be iterating the session
        then: stop (cancel) that reader first. Leaving `async with` calls it for you."""
        if self._ended:
            return
        stream = self._live_stream()
        self._ended = True
        with rpc_errors(self._target, self._timeout):
            await stream.send_message(pb.ChatRequest(leave=pb.Leave()), end=True)
            async with asyncio.timeout(self._timeout):
                while await stream.recv_message() is not None:
                    pass  # events still on their way: the member is leaving
                await stream.recv_trailing_metadata()

    def __aiter__(self) -> AsyncIterator[ChatEvent]:
        return self.events()

    async def events(self) -> AsyncGenerator[ChatEvent, None]:
        """The room's events as they come; ends when the session does. A session the server
        ends with an error (e.g. RESOURCE_EXHAUSTED for a slow reader) raises Tp3RpcError."""
        stream = self._live_stream()
        with rpc_errors(self._target, None), self._recording_failure():
            try:
                while (message := await stream.recv_message()) is not None:
                    event = wire.event_from_proto(message)
                    if isinstance(event, Joined):
                        continue  # only ever first, and consumed by __aenter__
                    if isinstance(event, RoomMessage):
                        self.last_sequence = max(self.last_sequence, event.sequence)
                    yield event
            except StreamTerminatedError:
                # A server ending a stream with an error status follows its trailers with a
                # reset while our side is still open; grpclib then reports the reset, not the
                # status. It keeps the trailers: raise their status as its own exit would.
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

    def _live_stream(self) -> Stream[pb.ChatRequest, pb.ChatResponse]:
        if self._stream is None:
            raise RuntimeError("use the session inside `async with`")
        return self._stream


class AsyncChatClient:
    def __init__(self, channel: Channel, target: str, timeout: float) -> None:
        self._channel = channel
        self._stub = pb.ChatServiceStub(channel)
        self._target = target
        self.timeout = timeout
        """Deadline of unary calls and of the join's answer; sessions themselves have none."""

    def join(self, name: str, room: str = "", *, resume: Resume | None = None) -> ChatSession:
        """A session in `room` (default: the lobby) as `name`; use it with `async with`."""
        join = pb.Join(room=room, name=name, resume=wire.resume_to_proto(resume))
        return ChatSession(self._channel, self._target, self.timeout, join)

    async def list_rooms(self) -> list[RoomSummary]:
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.list_rooms(timeout=self.timeout)
        return [wire.room_from_proto(r) for r in response.rooms]

    async def list_members(self, room: str = "") -> list[MemberInfo]:
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.list_members(
                pb.ListMembersRequest(room=room), timeout=self.timeout
            )
        return [wire.member_from_proto(m) for m in response.members]
