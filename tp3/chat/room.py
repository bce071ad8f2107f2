"""One chat room: who is in it, what was said, who gets what. Synchronous and pure.

The room decides; it does not deliver. Every operation runs to completion without waiting
and hands back its effects (this event for these members, that member gone), in the one order
every member must see them. The backend carries them out on the mailboxes it owns, and asks
the room to let go of a member too slow to take its share.
"""

import secrets
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from tp3.chat import rules
from tp3.chat.events import (
    ChatEvent,
    Joined,
    LeaveReason,
    MemberInfo,
    MemberJoined,
    MemberLeft,
    PrivateMessage,
    Resume,
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

    event: ChatEvent
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

    def info(self) -> MemberInfo:
        return MemberInfo(self.name, self.joined_at)


class Room:
    def __init__(
        self, name: str, *, history_size: int, join_history: int, clock: Clock = utc_now
    ) -> None:
        self.name = name
        self.epoch = secrets.token_hex(8)
        self.last_sequence = 0
        self._members: dict[str, Member] = {}  # by name_key, in order of arrival
        self._by_id: dict[str, Member] = {}
        self._history: deque[RoomMessage] = deque(maxlen=history_size)
        self._join_history = join_history
        self._clock = clock

    @property
    def members(self) -> tuple[Member, ...]:
        return tuple(self._members.values())

    def join(self, name: str, resume: Resume | None = None) -> tuple[Joined, list[Effect]]:
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
        effects.append(self._to_everyone(MemberJoined(name, member.joined_at)))
        self._members[key] = member
        self._by_id[member.member_id] = member
        joined = Joined(
            room=self.name,
            name=name,
            member_id=member.member_id,
            members=tuple(m.info() for m in self.members),
            history=history,
            history_gap=gap,
            room_epoch=self.epoch,
            last_sequence=self.last_sequence,
        )
        return joined, effects

    def leave(self, member_id: str, reason: LeaveReason) -> list[Effect]:
        """Remove a member (if still here) and tell the others."""
        member = self._by_id.pop(member_id, None)
        if member is None:
            return []
        del self._members[name_key(member.name)]
        left = MemberLeft(member.name, reason, self._clock())
        return [Departure(member_id, reason), self._to_everyone(left)]

    def post(self, member_id: str, text: str) -> Delivery:
        sender = self._member(member_id)
        message = numbered(self.last_sequence, sender.name, text, self._clock())
        self.last_sequence = message.sequence
        self._history.append(message)
        return self._to_everyone(message)

    def whisper(self, member_id: str, to: str, text: str) -> Delivery:
        sender = self._member(member_id)
        recipient = self._members.get(name_key(to.strip()))
        if recipient is None:
            raise NotFound(
                f"to: there is no member named {quote(to.strip())} in room {self.name!r}"
            )
        message = PrivateMessage(
            sender.name, recipient.name, rules.message_text(text), self._clock()
        )
        return Delivery(message, tuple(dict.fromkeys([recipient.member_id, member_id])))

    def _member(self, member_id: str) -> Member:
        member = self._by_id.get(member_id)
        if member is None:
            raise FailedPrecondition(f"you are no longer in room {self.name!r}")
        return member

    def _to_everyone(self, event: ChatEvent) -> Delivery:
        return Delivery(event, tuple(self._by_id))
