"""Typed access to ChatService: a session per room, events in, messages out.

    async with tp3.chat.join("alice", room="lobby") as chat:
        await chat.send("hello")
        async for event in chat:
            ...

Sending and receiving are independent: send from one task while another iterates.
"""

from grpclib.client import Channel

from tp3.chat import wire
from tp3.chat.events import (
    ChatEvent,
    MemberInfo,
    Presence,
    Resume,
    RoomJoined,
    RoomMessage,
    RoomSummary,
)
from tp3.client.errors import rpc_errors
from tp3.client.reconnect import Reconnect
from tp3.client.session import BidiSession
from tp3.generated.tp3.chat import v1 as pb

__all__ = ["AsyncChatClient", "ChatSession"]

_CHAT = "/tp3.chat.v1.ChatService/Chat"  # the session drives the stream itself, for both halves


class ChatSession(BidiSession[pb.ChatRequest, pb.ChatResponse, ChatEvent]):
    """One member in one room, from join to leave."""

    joined: RoomJoined
    """The server's welcome: your name and id, the members, the recent history."""

    def __init__(
        self,
        channel: Channel,
        target: str,
        timeout: float,
        join: pb.Join,
        reconnect: Reconnect | None = None,
    ) -> None:
        types = (pb.ChatRequest, pb.ChatResponse)
        super().__init__(channel, target, timeout, _CHAT, types, reconnect)
        self._join = join
        self.last_sequence = 0
        """The last room sequence number seen (for resume)."""
        self._rejoining: Resume | None = None  # where a reconnection resumes from

    @property
    def resume_point(self) -> Resume:
        """Where to resume from after a disconnection: pass it to `join(..., resume=)`."""
        return Resume(self.joined.room_epoch, self.last_sequence, self.joined.member_id)

    async def send(self, text: str, *, to: str | None = None) -> None:
        """Say `text` to the room, or privately to the member named `to`."""
        await self._send(pb.ChatRequest(send=pb.Send(text=text, to=to or "")))

    def _join_request(self) -> pb.ChatRequest:
        if not hasattr(self, "joined"):
            return pb.ChatRequest(join=self._join)
        self._rejoining = self.resume_point  # as the server named us, from where we were
        resume = wire.resume_to_proto(self._rejoining)
        return pb.ChatRequest(
            join=pb.Join(
                room=self.joined.room, name=self.joined.name, resume=resume, batch_presence=True
            )
        )

    def _leave_request(self) -> pb.ChatRequest:
        return pb.ChatRequest(leave=pb.Leave())

    def _welcome(self, response: pb.ChatResponse) -> bool:
        if response.joined is None:
            return False
        self.joined = wire.joined_from_proto(response.joined)
        self.last_sequence = max(
            [self.joined.last_sequence, *(m.sequence for m in self.joined.history)]
        )
        return True

    def _replay(self) -> tuple[list[ChatEvent], str]:
        """The messages missed while away: the server's answer to the resuming join holds
        exactly those after the last one seen."""
        resumed = self._rejoining
        assert resumed is not None
        missed: list[ChatEvent] = list(self.joined.history)
        if resumed.room_epoch != self.joined.room_epoch:
            # The room was emptied (a restarted server): it starts again at #1, and all it
            # has is new. What was said before is gone, if we had not seen it.
            return missed, f"in room {self.joined.room!r}, started anew on the server"
        words = f"after message #{resumed.last_sequence}"
        if self.joined.history_gap:
            words += " (some messages were too old to replay)"
        return missed, words

    def _events(self, response: pb.ChatResponse) -> list[ChatEvent]:
        event = wire.event_from_proto(response)
        if event is None or isinstance(event, RoomJoined):
            return []  # a heartbeat; a RoomJoined only ever comes first, taken by the welcome
        if isinstance(event, Presence):
            return list(event.changes)  # batched on the wire, one by one for our users
        if isinstance(event, RoomMessage):
            self.last_sequence = max(self.last_sequence, event.sequence)
        return [event]


class AsyncChatClient:
    def __init__(self, channel: Channel, target: str, timeout: float) -> None:
        self._channel = channel
        self._stub = pb.ChatServiceStub(channel)
        self._target = target
        self.timeout = timeout
        """Deadline of unary calls and of the join's answer; sessions themselves have none."""

    def join(
        self,
        name: str,
        room: str = "",
        *,
        resume: Resume | None = None,
        reconnect: Reconnect | None = None,
    ) -> ChatSession:
        """A session in `room` (default: the lobby) as `name`; use it with `async with`.
        With `reconnect`, a session the server drops with UNAVAILABLE (a lost connection, a
        server shutting down) comes back by itself and resumes without gap or duplicate."""
        join = pb.Join(
            room=room, name=name, resume=wire.resume_to_proto(resume), batch_presence=True
        )
        return ChatSession(self._channel, self._target, self.timeout, join, reconnect)

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
