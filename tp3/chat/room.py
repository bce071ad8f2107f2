"""One chat room: who is in it, what was said, who gets what. Synchronous and pure.

Every operation runs to completion without waiting, so the order in which the room hands
events to members' mailboxes is the one order every member sees.
"""

import secrets
from collections import deque
from collections.abc import Callable, Iterable
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
from tp3.mailbox import Mailbox
from tp3.names import name_key, taken

__all__ = ["Member", "Room"]

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class Member:
    name: str
    member_id: str
    joined_at: datetime
    mailbox: Mailbox[ChatEvent]

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
        self._too_slow: list[Member] = []
        self._evicting = False

    @property
    def members(self) -> tuple[Member, ...]:
        return tuple(self._members.values())

    def join(self, name: str, mailbox: Mailbox[ChatEvent], resume: Resume | None = None) -> Joined:
        key = name_key(name)
        present = self._members.get(key)
        if present is not None:
            if resume is None or not resume.member_id or resume.member_id != present.member_id:
                raise AlreadyExists(f"name: {taken(name, present.name)} in room {self.name!r}")
            # its own client, back before the room noticed the old session was gone
            self.leave(present.member_id, LeaveReason.DISCONNECTED)
        history, gap = replay(  # may refuse: before anything changes
            tuple(self._history),
            last_sequence=self.last_sequence,
            epoch=self.epoch,
            resume=resume,
            join_history=self._join_history,
        )
        member = Member(name, secrets.token_hex(8), self._clock(), mailbox)
        self._announce(name, MemberJoined(name, member.joined_at))
        self._members[key] = member
        self._by_id[member.member_id] = member
        return Joined(
            room=self.name,
            name=name,
            member_id=member.member_id,
            members=tuple(m.info() for m in self.members),
            history=history,
            history_gap=gap,
            room_epoch=self.epoch,
            last_sequence=self.last_sequence,
        )

    def leave(self, member_id: str, reason: LeaveReason) -> None:
        """Remove a member (if still here) and tell the others."""
        member = self._by_id.pop(member_id, None)
        if member is None:
            return
        del self._members[name_key(member.name)]
        member.mailbox.close(reason)
        self._announce(member.name, MemberLeft(member.name, reason, self._clock()))

    def post(self, member_id: str, text: str) -> RoomMessage:
        sender = self._member(member_id)
        message = numbered(self.last_sequence, sender.name, text, self._clock())
        self.last_sequence = message.sequence
        self._history.append(message)
        self._deliver(self.members, message)
        return message

    def whisper(self, member_id: str, to: str, text: str) -> PrivateMessage:
        sender = self._member(member_id)
        recipient = self._members.get(name_key(to.strip()))
        if recipient is None:
            raise NotFound(
                f"to: there is no member named {quote(to.strip())} in room {self.name!r}"
            )
        message = PrivateMessage(
            sender.name, recipient.name, rules.message_text(text), self._clock()
        )
        self._deliver(dict.fromkeys([recipient, sender]), message)  # once if to oneself
        return message

    def _member(self, member_id: str) -> Member:
        member = self._by_id.get(member_id)
        if member is None:
            raise FailedPrecondition(f"you are no longer in room {self.name!r}")
        return member

    def _deliver(self, recipients: Iterable[Member], event: ChatEvent) -> None:
        """Hand `event` to each recipient; a member whose mailbox is full is disconnected."""
        self._evict([m for m in recipients if not m.mailbox.put(event)])

    def _announce(self, name: str, event: MemberJoined | MemberLeft) -> None:
        """Tell every member that `name` arrived or left."""
        arriving = isinstance(event, MemberJoined)
        subject = name_key(name)
        members = self._members.values()
        self._evict([m for m in members if not m.mailbox.put_presence(subject, arriving, event)])

    def _evict(self, too_slow: list[Member]) -> None:
        """Disconnect members too slow to read. Announcing their departure can find more:
        they join the same flat loop (leave -> announce -> evict -> leave recursed once per
        member, to RecursionError with 1,000 of them)."""
        self._too_slow.extend(too_slow)
        if self._evicting:
            return
        self._evicting = True
        try:
            while self._too_slow:
                self.leave(self._too_slow.pop().member_id, LeaveReason.TOO_SLOW)
        finally:
            self._evicting = False
