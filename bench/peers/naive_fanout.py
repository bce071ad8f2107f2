"""A peer for the chat fan-out bench: the straightforward ChatService on bare grpclib, with
tp3's generated betterproto2 stubs and nothing else of tp3. What tp3's fan-out is judged
against (issue #12: tp3's server CPU per delivered message at most half of this one's).

- a join gets a Joined (room, name, member_id, members) and an unbounded asyncio.Queue;
- every member already there gets a MemberJoined (naive presence: one event per member per
  join, N^2 / 2 for a room of N);
- a posted message is numbered and the same pb.ChatResponse object is put into every
  member's queue; each member's stream encodes it again (the naive part);
- no limits, no history, no MemberLeft, no drain.

    python bench/peers/naive_fanout.py PORT

Prints `serving on PORT` once it listens; stops on SIGTERM.
"""

import asyncio
import itertools
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from grpclib import GRPCError
from grpclib.const import Status
from grpclib.server import Server
from grpclib_serving import serve_until_sigterm

from tp3.generated.tp3.chat import v1 as pb

Queue = asyncio.Queue[pb.ChatResponse | None]  # None: the member's session ends


@dataclass
class Room:
    sequence: int = 0
    members: dict[str, tuple[pb.Member, Queue]] = field(default_factory=dict)

    def broadcast(self, event: pb.ChatResponse) -> None:
        for _, queue in self.members.values():
            queue.put_nowait(event)


class NaiveChat(pb.ChatServiceBase):
    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self.ids = itertools.count(1)

    async def chat(self, messages: AsyncIterator[pb.ChatRequest]) -> AsyncIterator[pb.ChatResponse]:
        first = await anext(messages, None)
        if first is None or first.join is None:
            raise GRPCError(Status.FAILED_PRECONDITION, "the first message must be a join")
        name, room_name = first.join.name, first.join.room or "lobby"
        room = self.rooms.setdefault(room_name, Room())
        now = datetime.now(UTC)
        room.broadcast(pb.ChatResponse(member_joined=pb.MemberJoined(name=name, time=now)))
        member_id, queue = str(next(self.ids)), Queue()
        room.members[member_id] = (pb.Member(name=name, joined_at=now), queue)
        members = [member for member, _ in room.members.values()]
        yield pb.ChatResponse(
            joined=pb.Joined(room=room_name, name=name, member_id=member_id, members=members)
        )
        reader = asyncio.create_task(self.read(messages, room, name, queue))
        try:
            while (event := await queue.get()) is not None:
                yield event
        finally:
            reader.cancel()
            del room.members[member_id]

    async def read(
        self, messages: AsyncIterator[pb.ChatRequest], room: Room, name: str, queue: Queue
    ) -> None:
        async for request in messages:
            if request.send is not None:
                room.sequence += 1
                message = pb.RoomMessage(
                    sequence=room.sequence,
                    from_=name,
                    text=request.send.text,
                    time=datetime.now(UTC),
                )
                room.broadcast(pb.ChatResponse(message=message))
            elif request.leave is not None:
                break
        queue.put_nowait(None)  # a leave, or the client closed its side: end the stream


async def serve(port: int) -> None:
    server = Server([NaiveChat()])
    await serve_until_sigterm(server, port)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
