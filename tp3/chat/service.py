"""The grpclib ChatService: a session per member over the chat backend.

Each Chat RPC is one session (`tp3.rpc.session`): the member's mailbox streamed out while its
requests are applied. Nothing here waits on another member: a member too slow to read is
disconnected by the room, and its RPC ends with RESOURCE_EXHAUSTED.
"""

from collections.abc import AsyncIterator
from typing import cast

from tp3.chat import rules, wire
from tp3.chat.backend import ChatBackend, Session
from tp3.errors import FailedPrecondition, InvalidArgument, ResourceExhausted
from tp3.generated.tp3.chat import v1 as pb
from tp3.rpc.auth import claimed_name
from tp3.rpc.context import current_rpc
from tp3.rpc.session import Heartbeat, Requests, SessionCount, opening_join, serve_session
from tp3.rpc.status import notice_for

__all__ = ["ChatService"]


def _too_slow(session: Session) -> ResourceExhausted:
    return ResourceExhausted(
        f"disconnected: you read events too slowly (more than {session.inbox.capacity} "
        f"waiting); join again with resume from sequence you last saw in {session.room!r}"
    )


class ChatService(pb.ChatServiceBase):
    def __init__(self, backend: ChatBackend, *, heartbeat: float | None = None) -> None:
        """`heartbeat`: seconds of quiet after which a session is sent a heartbeat."""
        self._backend = backend
        self.sessions = SessionCount()
        self._heartbeat = Heartbeat(heartbeat, wire.heartbeat) if heartbeat else None

    @property
    def active_sessions(self) -> int:
        """Chat RPCs being served now (observable proof that vanished members are released)."""
        return self.sessions.value

    async def chat(self, messages: AsyncIterator[pb.ChatRequest]) -> AsyncIterator[pb.ChatResponse]:
        join = await opening_join(messages, lambda request: request.join, "chat")
        if join is None:
            return  # the client left before joining
        session = await self._backend.join(
            join.room,
            claimed_name(join.name, "name"),
            wire.resume_from_proto(join.resume),
            current_rpc().origin(),
            batch_presence=join.batch_presence,
        )
        welcome = cast(pb.ChatResponse, wire.encoded_joined(session.joined))
        session = session.welcomed()
        responses = serve_session(
            welcome,
            session.inbox,
            # serialized once for all its recipients; the codec sends the bytes as they are
            lambda event: cast(pb.ChatResponse, wire.encoded_event(event)),
            leave=lambda reason: self._backend.leave(session, reason),
            too_slow=lambda: _too_slow(session),
            notice=notice_for,
            requests=Requests(messages, lambda request: self._apply(request, session)),
            count=self.sessions,
            heartbeat=self._heartbeat,
        )
        del welcome  # sent once: neither this frame nor the session keeps the room's lists
        async for response in responses:
            yield response

    async def _apply(self, request: pb.ChatRequest, session: Session) -> bool:
        """Apply one request; False for a leave."""
        if request.leave is not None:
            return False
        if request.send is not None:
            if request.send.to.strip():
                await self._backend.whisper(session, request.send.to, request.send.text)
            else:
                await self._backend.post(session, request.send.text)
        elif request.join is not None:
            raise FailedPrecondition(
                f"already joined room {session.room!r} as {session.joined.name!r}: "
                "leave and start a new chat to change"
            )
        else:
            raise InvalidArgument("action", "a chat request must be join, send or leave")
        return True

    async def list_rooms(self, message: pb.ListRoomsRequest) -> pb.ListRoomsResponse:
        rooms = await self._backend.rooms()
        return pb.ListRoomsResponse(
            rooms=[
                pb.RoomSummary(
                    name=r.name, member_count=r.member_count, last_sequence=r.last_sequence
                )
                for r in rooms
            ]
        )

    async def list_members(self, message: pb.ListMembersRequest) -> pb.ListMembersResponse:
        members = await self._backend.members(message.room)
        return pb.ListMembersResponse(
            room=rules.room_name(message.room), members=[wire.member_to_proto(m) for m in members]
        )
