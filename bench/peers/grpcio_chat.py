"""A peer for the chat fan-out bench: naive_fanout.py's ChatService on grpc's own Python stack
(grpc.aio, on C-core, with protobuf's upb messages), so that the stack differs from the naive
grpclib peer and nothing else: a Joined and a queue per member, a MemberJoined to every member
on each join, the same message object put into every member's queue (each write encodes it).

    python bench/peers/grpcio_chat.py PORT

Prints `serving on PORT` once it listens; stops on SIGTERM.
"""

import asyncio
import itertools
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc  # type: ignore[import-untyped]
from google.protobuf.timestamp_pb2 import Timestamp

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grpcio_stubs

pb, pb_grpc = grpcio_stubs.load("chat")
Queue = asyncio.Queue[Any]  # ChatResponse, or None: the member's session ends


def now() -> Timestamp:
    stamp = Timestamp()
    stamp.GetCurrentTime()
    return stamp


@dataclass
class Room:
    sequence: int = 0
    members: dict[str, tuple[Any, Queue]] = field(default_factory=dict)

    def broadcast(self, event: Any) -> None:
        for _, queue in self.members.values():
            queue.put_nowait(event)


class Chat(pb_grpc.ChatServiceServicer):  # type: ignore[name-defined,misc]
    def __init__(self) -> None:
        self.rooms: dict[str, Room] = {}
        self.ids = itertools.count(1)

    async def Chat(self, requests: AsyncIterator[Any], context: Any) -> AsyncIterator[Any]:
        messages = aiter(requests)
        first = await anext(messages, None)
        if first is None or not first.HasField("join"):
            await context.abort(grpc.StatusCode.FAILED_PRECONDITION, "first message: a join")
            return  # abort raises: for the type checker
        name, room_name = first.join.name, first.join.room or "lobby"
        room = self.rooms.setdefault(room_name, Room())
        time = now()
        room.broadcast(pb.ChatResponse(member_joined=pb.MemberJoined(name=name, time=time)))
        member_id, queue = str(next(self.ids)), Queue()
        room.members[member_id] = (pb.Member(name=name, joined_at=time), queue)
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

    async def read(self, messages: AsyncIterator[Any], room: Room, name: str, queue: Queue) -> None:
        async for request in messages:
            if request.HasField("send"):
                room.sequence += 1
                message = pb.RoomMessage(
                    sequence=room.sequence, text=request.send.text, time=now(), **{"from": name}
                )
                room.broadcast(pb.ChatResponse(message=message))
            elif request.HasField("leave"):
                break
        queue.put_nowait(None)  # a leave, or the client closed its side: end the stream


async def serve(port: int) -> None:
    server = grpc.aio.server()
    pb_grpc.add_ChatServiceServicer_to_server(Chat(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"serving on {port}", flush=True)
    await stop.wait()
    await server.stop(0)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
