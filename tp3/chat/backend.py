"""Where the rooms live: the interface the service talks to, and its in-memory implementation.

The service only knows `ChatBackend`; a broker-backed implementation (Redis, for replicas
sharing rooms) can replace `InMemoryChatBackend` without touching the service or the rules.
"""

import asyncio
import contextvars
import math
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from tp3.chat import rules
from tp3.chat.delivery import handing
from tp3.chat.events import Delivered, LeaveReason, MemberInfo, Resume, RoomJoined, RoomSummary
from tp3.chat.room import Delivery, Effect, Room
from tp3.errors import FailedPrecondition, NotFound, quote
from tp3.mailbox import Inbox, Mailbox
from tp3.ratelimit import ActionLimit, Origin

__all__ = ["ChatBackend", "ChatLimits", "InMemoryChatBackend", "Session"]

MAX_GATHERING = 1.0
"""Seconds at most between a change in a room's presence and its telling."""


@dataclass(frozen=True)
class ChatLimits:
    history_size: int = 200
    """Room messages kept per room, for history on join and resume."""
    join_history: int = 20
    """Room messages shown to a member joining afresh."""
    mailbox_size: int = 256
    """Events buffered per member before it counts as too slow and is disconnected."""
    messages_per_second: float = 20.0
    """Per member (a burst of as many at once); more is refused with a RESOURCE_EXHAUSTED
    notice."""
    client_messages_per_second: float = 200.0
    """Per client address, all its members together."""
    presence_gathering: float = 0.05
    """Seconds: arrivals and departures in a room are told at most this often, those in
    between together (to members that take batches; a message tells them at once)..."""
    presence_gathering_per_member: float = 0.001
    """...or this much per member of the room if longer, up to a second: telling a change costs
    a delivery to every member, so a big room gathers longer (500 members: 0.5 s; a thousand:
    1 s, which took a thousand joins from 3.1 to 2.1 s of server CPU against 0.5 s)."""

    def __post_init__(self) -> None:
        if not 0 <= self.join_history <= self.history_size:
            raise ValueError("join_history must be between 0 and history_size")
        if self.mailbox_size < 1:
            raise ValueError("mailbox_size must be at least 1")


@dataclass(frozen=True)
class Session:
    """One member's presence in one room, from join to leave."""

    joined: RoomJoined
    inbox: Inbox[Delivered]
    origin: Origin | None = None

    @property
    def room(self) -> str:
        return self.joined.room

    @property
    def member_id(self) -> str:
        return self.joined.member_id

    def welcomed(self) -> "Session":
        """This session once its RoomJoined is sent: without the member list and history,
        which were the room's at the join. Kept for the session's life, the lists of a room's
        N members held N²/2 entries (4 KiB a member in a room of 1,000)."""
        return replace(self, joined=replace(self.joined, members=(), history=()))


class ChatBackend(ABC):
    """Rooms, members and delivery. Names and texts arrive unvalidated: the backend applies
    the rules. Errors are `tp3.errors` (AlreadyExists, NotFound, ...)."""

    @abstractmethod
    async def join(
        self,
        room: str,
        name: str,
        resume: Resume | None = None,
        origin: Origin | None = None,
        *,
        batch_presence: bool = False,
    ) -> Session:
        """`origin`: where the member connects from, for rate limits. `batch_presence`: the
        member takes presence as `Presence` batches, not change by change."""

    @abstractmethod
    async def post(self, session: Session, text: str) -> None: ...

    @abstractmethod
    async def whisper(self, session: Session, to: str, text: str) -> None: ...

    @abstractmethod
    async def leave(self, session: Session, reason: LeaveReason) -> None:
        """Idempotent: leaving twice, or after being disconnected, does nothing."""

    @abstractmethod
    async def rooms(self) -> list[RoomSummary]: ...

    @abstractmethod
    async def members(self, room: str) -> list[MemberInfo]: ...

    @property
    def healthy(self) -> bool:
        """Whether it can serve now (a shared store that can't be reached: no)."""
        return True

    @abstractmethod
    async def start(self) -> None:
        """Connect to what the backend shares (the server calls it before it listens);
        Unavailable if that can't be reached."""

    @abstractmethod
    async def close(self) -> None:
        """Release what the backend holds (server shutdown, after the sessions ended)."""


class InMemoryChatBackend(ChatBackend):
    """Rooms in this process. A room is removed as soon as it is empty. The rooms decide;
    this backend owns the members' mailboxes and carries the rooms' effects out on them."""

    def __init__(self, limits: ChatLimits | None = None) -> None:
        self.limits = limits or ChatLimits()
        self._rooms: dict[str, Room] = {}
        self._mailboxes: dict[str, Mailbox[Delivered]] = {}  # by member id
        self._announcers: dict[str, _Throttle] = {}  # by room name
        self._sends = ActionLimit(
            "messages",
            self.limits.messages_per_second,
            self.limits.client_messages_per_second,
            per_connection=False,  # a bot may hold many members on one connection
        )

    async def join(
        self,
        room: str,
        name: str,
        resume: Resume | None = None,
        origin: Origin | None = None,
        *,
        batch_presence: bool = False,
    ) -> Session:
        room_name, member_name = rules.room_name(room), rules.member_name(name)
        target = self._rooms.get(room_name)
        if target is None:
            target = Room(
                room_name,
                history_size=self.limits.history_size,
                join_history=self.limits.join_history,
            )
        joined, effects = target.join(member_name, resume)
        mailbox: Mailbox[Delivered] = Mailbox(
            self.limits.mailbox_size, batch_presence=batch_presence
        )
        self._mailboxes[joined.member_id] = mailbox
        self._rooms[room_name] = target
        self._carry_out(target, effects)
        return Session(joined, mailbox, origin)

    async def post(self, session: Session, text: str) -> None:
        room = self._room_of(session)
        self._sends.check(session.member_id, session.origin)
        self._carry_out(room, room.post(session.member_id, text))

    async def whisper(self, session: Session, to: str, text: str) -> None:
        room = self._room_of(session)
        self._sends.check(session.member_id, session.origin)
        self._carry_out(room, room.whisper(session.member_id, to, text))

    async def leave(self, session: Session, reason: LeaveReason) -> None:
        room = self._rooms.get(session.room)
        if room is not None and room.epoch == session.joined.room_epoch:
            self._carry_out(room, room.leave(session.member_id, reason))
        self._sends.forget(session.member_id)
        session.inbox.close(reason)

    async def rooms(self) -> list[RoomSummary]:
        return [
            RoomSummary(name, len(room.members), room.last_sequence)
            for name, room in sorted(self._rooms.items())
        ]

    async def members(self, room: str) -> list[MemberInfo]:
        found = self._rooms.get(rules.room_name(room))
        if found is None:
            raise NotFound(f"room: there is no room named {quote(room.strip())} with members")
        return [m.info for m in found.members]

    async def start(self) -> None:
        pass  # the rooms live in this process: nothing to connect

    async def close(self) -> None:
        for announcer in self._announcers.values():
            announcer.cancel()  # the sessions ended: nobody to tell
        self._announcers.clear()

    def buffered_events(self) -> int:
        """Events waiting in members' mailboxes, all rooms together (a memory gauge)."""
        return sum(map(len, self._mailboxes.values()))

    def _carry_out(self, room: Room, effects: Iterable[Effect]) -> None:
        """Deliver in the room's order. A member too slow to take its share leaves the room;
        the room's effects of that join the same flat worklist (leave -> announce ->
        evict -> leave, recursed, reached RecursionError with 1,000 slow members). Then
        the presence the room has not told yet is told, at once or soon."""
        work = deque(effects)
        while work:
            effect = work.popleft()
            if not isinstance(effect, Delivery):
                if (gone := self._mailboxes.pop(effect.member_id, None)) is not None:
                    gone.close(effect.reason)
                continue
            hand = handing(effect.event)
            for member_id in effect.to:
                mailbox = self._mailboxes.get(member_id)
                if mailbox is not None and not hand(mailbox):
                    work.extend(room.leave(member_id, LeaveReason.TOO_SLOW))
        if self._forget_if_empty(room):
            return
        if room.has_untold_presence:
            announcer = self._announcers.get(room.name)
            if announcer is None:
                announcer = _Throttle(
                    lambda: self._gathering(room), lambda: self._carry_out(room, room.announce())
                )
                self._announcers[room.name] = announcer
            announcer.request()

    def _gathering(self, room: Room) -> float:
        """How long the room's presence gathers before it is told."""
        longer = room.size * self.limits.presence_gathering_per_member
        return min(MAX_GATHERING, max(self.limits.presence_gathering, longer))

    def _room_of(self, session: Session) -> Room:
        room = self._rooms.get(session.room)
        if room is None or room.epoch != session.joined.room_epoch:
            raise FailedPrecondition(f"you are no longer in room {session.room!r}")
        return room

    def _forget_if_empty(self, room: Room) -> bool:
        """Remove `room` if nobody is left in it (what it had to tell goes nowhere)."""
        if room.size:  # not `members`: that builds a tuple of them all, on every post
            return False
        if self._rooms.get(room.name) is room:
            del self._rooms[room.name]
            if (announcer := self._announcers.pop(room.name, None)) is not None:
                announcer.cancel()
        return True


class _Throttle:
    """Runs `action` at most once per `every()` seconds: at once if it last ran longer ago
    than that, else once when that time is up, however often it was asked meanwhile."""

    def __init__(self, every: Callable[[], float], action: Callable[[], None]) -> None:
        self._every = every
        self._action = action
        self._loop = asyncio.get_running_loop()
        self._last = -math.inf
        self._timer: asyncio.TimerHandle | None = None

    def request(self) -> None:
        if self._timer is not None:
            return  # it will run
        due = self._last + self._every()
        if self._loop.time() >= due:
            self._run()
        else:  # an empty context: the timer must not hold the caller's (rpc/transport.py)
            self._timer = self._loop.call_at(due, self._run, context=contextvars.Context())

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _run(self) -> None:
        self._timer = None
        self._last = self._loop.time()
        self._action()
