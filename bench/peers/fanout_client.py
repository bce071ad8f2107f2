"""The chat fan-out bench's load: one process holding some members of one room, through tp3's
own client library (which hides the chat wire format: any ChatService server will do).
bench/chat_fanout.py runs several of these and drives them in lockstep.

    python bench/peers/fanout_client.py TARGET ROOM TOTAL FIRST COUNT

holds members m{FIRST} .. m{FIRST+COUNT-1} of a room of TOTAL, 50 to a connection. It prints
`{"ready": true}` once imported, then answers commands, one JSON line each way:

- `{"do": "join"}`: join every member (50 at a time), and answer `{"present": ...}` once every
  member knows all TOTAL names (from its Joined, then its MemberJoined events);
- `{"do": "round", "messages": M}`: answer `{"ready": true}` at once, then `{"done": ...}`
  once every member has received M more room messages: their latencies in ms, the last
  receipt (time.monotonic(), the same clock in every process on Linux);
- `{"do": "send", "messages": M, "rate": R}`: member FIRST sends M messages, R a second,
  each holding its send time; answers `{"sent": ...}` after the last.

A member the server drops counts as present and done, and is reported in `dropped`. End of
input (the bench closing the pipe) ends the process at once: no leaves, nothing to wait for.
"""

import asyncio
import gc
import json
import os
import sys
import time
import traceback
from collections.abc import Coroutine
from typing import Any

from tp3.chat.events import MemberJoined, RoomMessage
from tp3.client import AsyncTp3Client, ChatSession, Tp3RpcError

PER_CONNECTION = 50  # HTTP/2 allows ~100 concurrent streams on a connection
JOIN_TIMEOUT = 120.0  # the Joined may queue behind a whole room's presence on a busy client


def say(**reply: Any) -> None:
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()


class Members:
    """This process's members, counted as a whole: checking each member on each event would
    cost O(members) per event."""

    def __init__(self, total: int, count: int) -> None:
        self.total, self.count = total, count
        self.present = 0  # members that know every name
        self.dropped = 0
        self.all_present = asyncio.Event()
        self.target = 0  # room messages each member should have had, all rounds so far
        self.finished = 0  # members that had them
        self.round_done = asyncio.Event()
        self.latencies: list[float] = []
        self.last_receipt = 0.0

    def start_round(self, messages: int) -> None:
        self.target += messages
        self.latencies, self.last_receipt = [], 0.0
        self.finished = self.dropped  # a dropped member waits for nothing
        self.round_done.clear()
        if self.finished == self.count:
            self.round_done.set()

    async def read(self, session: ChatSession) -> None:
        known = {member.name for member in session.joined.members}
        received = 0
        self._arrived(known)
        try:
            async for event in session:
                if isinstance(event, RoomMessage):
                    now = time.monotonic()
                    self.latencies.append((now - float(event.text.split()[1])) * 1000)
                    self.last_receipt = now
                    received += 1
                    if received == self.target:
                        self._finished()
                elif isinstance(event, MemberJoined) and len(known) < self.total:
                    known.add(event.name)
                    self._arrived(known)
        except Tp3RpcError:
            self.dropped += 1
            if len(known) < self.total:
                self._arrived(known, force=True)
            if received < self.target:
                self._finished()

    def _arrived(self, known: set[str], force: bool = False) -> None:
        if len(known) == self.total or force:
            self.present += 1
            if self.present == self.count:
                self.all_present.set()

    def _finished(self) -> None:
        self.finished += 1
        if self.finished == self.count:
            self.round_done.set()


async def join(
    members: Members, target: str, room: str, first: int, sessions: list[ChatSession]
) -> None:
    """Join 50 at a time, one connection each; every member reads from the moment it joins."""
    for start in range(first, first + members.count, PER_CONNECTION):
        client = AsyncTp3Client(target, timeout=JOIN_TIMEOUT)
        names = [f"m{i}" for i in range(start, min(start + PER_CONNECTION, first + members.count))]
        # entered by hand, never left: 1,000 leaves at the end would only cost time
        batch = [client.chat.join(name, room) for name in names]
        await asyncio.gather(*(session.__aenter__() for session in batch))
        for session in batch:
            spawn(members.read(session))
        sessions += batch


KEEP: set["asyncio.Task[None]"] = set()  # the loop holds tasks weakly: keep them alive


def spawn(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` as a task; one that fails ends the process, which the bench reports (rather
    than waiting for an answer that will never come)."""
    task = asyncio.create_task(work)
    KEEP.add(task)
    task.add_done_callback(finished)


def finished(task: "asyncio.Task[None]") -> None:
    KEEP.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        traceback.print_exception(error)
        os._exit(1)


async def send(session: ChatSession, messages: int, rate: float) -> None:
    """Paced on a fixed schedule: a late send goes at once, without skipping the next ones."""
    start = time.monotonic()
    for n in range(messages):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await session.send(f"{n} {time.monotonic():.6f}")
    say(sent=messages, started=start, seconds=time.monotonic() - start)


async def report_round(members: Members) -> None:
    await members.round_done.wait()
    say(
        done=True,
        latencies_ms=[round(latency, 3) for latency in members.latencies],
        last_receipt=members.last_receipt,
        dropped=members.dropped,
    )


async def report_presence(members: Members, started: float) -> None:
    await members.all_present.wait()
    # The room's sessions and connections live until the end: out of the collector's sight,
    # or each full collection (150-240 ms in a process of 333 members) stalls every member's
    # reading and the p99 measures it.
    gc.freeze()
    say(present=True, seconds=time.monotonic() - started, dropped=members.dropped)


async def main() -> None:
    target, room, total, first, count = sys.argv[1:6]
    members = Members(int(total), int(count))
    sessions: list[ChatSession] = []
    say(ready=True)
    while line := await asyncio.to_thread(sys.stdin.readline):
        command = json.loads(line)
        if command["do"] == "join":
            spawn(report_presence(members, time.monotonic()))
            # a task: the end of input must be heard even while joins hang
            spawn(join(members, target, room, int(first), sessions))
        elif command["do"] == "round":
            members.start_round(command["messages"])
            say(ready=True)
            spawn(report_round(members))
        elif command["do"] == "send":
            messages, rate = command["messages"], command["rate"]
            spawn(send(sessions[0], messages, rate))
    # the bench closed our input: it has what it wanted, and the server may be gone already
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
