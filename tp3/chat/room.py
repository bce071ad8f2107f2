"""One chat room: who is in it, what was said, who gets what. Synchronous and pure.

The room decides; it does not deliver. Every operation runs to completion without waiting
and hands back its effects (this event for these members, that member gone), in the one order
every member must see them. The backend carries them out on the mailboxes it owns, and asks
the room to let go of a member too slow to take its share.

Arrivals and departures wait to be told until the backend asks (`announce`), or a message
goes out, which tells them first: the backend gathers presence that comes in bursts (a
thousand members joining told one by one to everyone made half a million deliveries).
"""

import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tp3.chat import rules
from tp3.chat.events import (
    Delivered,
    LeaveReason,
    MemberInfo,
    MemberJoined,
    MemberLeft,
    Presence,
    PrivateMessage,
    Resume,
    RoomJoined,
    RoomMessage,
)
from tp3.chat.history import numbered, replay
from tp3.errors import AlreadyExists, FailedPrecondition, NotFound, quote
from tp3.names import name_key, taken

__all__ = ["Delivery", "Departure", "Effect", "Member", "Room"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Delivery:
    """`event` is for the members `to` (their ids)."""

    event: Delivered
    to: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Departure:
    """The member `member_id` is out of the room: its session ends for `reason`."""

    member_id: str
    reason: LeaveReason


Effect = Delivery | Departure


@dataclass(eq=False)
class Member:
    name: str
    member_id: str
    joined_at: datetime
    info: MemberInfo = field(init=False)
    """Made once: every later arrival's RoomJoined lists it (half a million for 1,000 joins)."""

    def __post_init__(self) -> None:
        self.info = MemberInfo(self.name, self.joined_at)


class Room:
    def __init__(
        self, name: str, *, history_size: int, join_history: int, clock: Clock = utc_now
    ) -> None:
        self.name = name
        self.epoch = secrets.token_hex(8)
        self.last_sequence = 0
        self._members: dict[str, Member] = {}  # by name_key, in order of arrival
        self._by_id: dict[str, Member] = {}
        # what each RoomJoined lists, kept as members come (rebuilt when one goes): the
        # thousandth arrival would otherwise gather 999 entries again
        self._infos: tuple[MemberInfo, ...] = ()
        self._history: deque[RoomMessage] = deque(maxlen=history_size)
        self._join_history = join_history
        self._clock = clock
        self._untold: list[MemberJoined | MemberLeft] = []  # presence not yet announced
        self._arrived_at: dict[str, int] = {}  # member id -> the untold changes after its own

    @property
    def size(self) -> int:
        """How many members it has."""
        return len(self._by_id)

    @property
    def has_untold_presence(self) -> bool:
        return bool(self._untold)

    @property
    def members(self) -> tuple[Member, ...]:
        return tuple(self._members.values())

    def join(self, name: str, resume: Resume | None = None) -> tuple[RoomJoined, list[Effect]]:
        key = name_key(name)
        present = self._members.get(key)
        effects: list[Effect] = []
        if present is not None:
            if resume is None or not resume.member_id or resume.member_id != present.member_id:
                raise AlreadyExists(f"name: {taken(name, present.name)} in room {self.name!r}")
            # its own client, back before the room noticed the old session was gone
            effects = self.leave(present.member_id, LeaveReason.DISCONNECTED)
        history, gap = replay(  # may refuse: before anything changes
            tuple(self._history),
            last_sequence=self.last_sequence,
            epoch=self.epoch,
            resume=resume,
            join_history=self._join_history,
        )
        member = Member(name, secrets.token_hex(8), self._clock())
        if self._by_id:  # someone to tell
            self._untold.append(MemberJoined(name, member.joined_at))
            self._arrived_at[member.member_id] = len(self._untold)
        self._members[key] = member
        self._by_id[member.member_id] = member
        self._infos += (member.info,)
        joined = RoomJoined(
            room=self.name,
            name=name,
            member_id=member.member_id,
            members=self._infos,
            history=history,
            history_gap=gap,
            room_epoch=self.epoch,
            last_sequence=self.last_sequence,
        )
        return joined, effects

    def leave(self, member_id: str, reason: LeaveReason) -> list[Effect]:
        """Remove a member (if still here); the others are told with the next announce."""
        member = self._by_id.pop(member_id, None)
        if member is None:
            return []
        del self._members[name_key(member.name)]
        self._infos = tuple(m.info for m in self._members.values())
        self._arrived_at.pop(member_id, None)
        if self._by_id:  # someone to tell
            self._untold.append(MemberLeft(member.name, reason, self._clock()))
        else:
            self._untold, self._arrived_at = [], {}
        return [Departure(member_id, reason)]

    def announce(self) -> list[Effect]:
        """The untold arrivals and departures, each member getting those after its own
        arrival: one Presence for everyone who was here before, and its tail for each who
        arrived since (their RoomJoined listed who was here)."""
        changes, arrived_at = self._untold, self._arrived_at
        if not changes:
            return []
        self._untold, self._arrived_at = [], {}
        since: dict[int, list[str]] = {}
        for member_id in self._by_id:
            since.setdefault(arrived_at.get(member_id, 0), []).append(member_id)
        return [
            Delivery(Presence(tuple(changes[start:])), tuple(to))
            for start, to in since.items()
            if start < len(changes)
        ]

    def post(self, member_id: str, text: str) -> list[Effect]:
        """The message for everyone, after the presence it follows."""
        sender = self._member(member_id)
        message = numbered(self.last_sequence, sender.name, text, self._clock())
        self.last_sequence = message.sequence
        self._history.append(message)
        return [*self.announce(), self._to_everyone(message)]

    def whisper(self, member_id: str, to: str, text: str) -> list[Effect]:
        sender = self._member(member_id)
        recipient = self._members.get(name_key(to.strip()))
        if recipient is None:
            raise NotFound(
                f"to: there is no member named {quote(to.strip())} in room {self.name!r}"
            )
        message = PrivateMessage(
            sender.name, recipient.name, rules.message_text(text), self._clock()
        )
        both = tuple(dict.fromkeys([recipient.member_id, member_id]))
        return [*self.announce(), Delivery(message, both)]

    def _member(self, member_id: str) -> Member:
        member = self._by_id.get(member_id)
        if member is None:
            raise FailedPrecondition(f"you are no longer in room {self.name!r}")
        return member

    def _to_everyone(self, event: Delivered) -> Delivery:
        return Delivery(event, tuple(self._by_id))
