"""Mapping between chat events and the generated protobuf messages, both directions."""

from datetime import UTC, datetime
from functools import lru_cache

from tp3.chat.events import (
    Delivered,
    LeaveReason,
    MemberInfo,
    MemberJoined,
    MemberLeft,
    Notice,
    Presence,
    PrivateMessage,
    Resume,
    RoomJoined,
    RoomMessage,
    RoomSummary,
)
from tp3.generated.tp3.chat import v1 as pb
from tp3.rpc.codec import PreEncoded, message_field
from tp3.rpc.upb import serialize

__all__ = [
    "encoded_event",
    "encoded_joined",
    "event_from_proto",
    "event_to_proto",
    "heartbeat",
    "joined_from_proto",
    "member_from_proto",
    "member_to_proto",
    "resume_from_proto",
    "resume_to_proto",
    "room_from_proto",
]

_REASONS = {
    LeaveReason.LEFT: pb.LeaveReason.LEFT,
    LeaveReason.DISCONNECTED: pb.LeaveReason.DISCONNECTED,
    LeaveReason.TOO_SLOW: pb.LeaveReason.TOO_SLOW,
    LeaveReason.SHUTDOWN: pb.LeaveReason.DISCONNECTED,  # the member did not choose to go
    LeaveReason.LOST: pb.LeaveReason.DISCONNECTED,
}
_REASONS_BACK = {
    wire: domain
    for domain, wire in _REASONS.items()
    if domain not in (LeaveReason.SHUTDOWN, LeaveReason.LOST)
}


def _time(value: datetime | None) -> datetime:
    assert value is not None, "the server stamps every event"
    return value


def member_to_proto(m: MemberInfo) -> pb.Member:
    return pb.Member(name=m.name, joined_at=m.joined_at)


def member_from_proto(m: pb.Member) -> MemberInfo:
    return MemberInfo(m.name, _time(m.joined_at))


def _message_to_proto(m: RoomMessage) -> pb.RoomMessage:
    return pb.RoomMessage(sequence=m.sequence, from_=m.sender, text=m.text, time=m.time)


def _message_from_proto(m: pb.RoomMessage) -> RoomMessage:
    return RoomMessage(m.sequence, m.from_, m.text, _time(m.time))


def encoded_joined(j: RoomJoined) -> PreEncoded:
    """The RoomJoined response, its members and history spliced from entries serialized once
    each: the thousandth member of a room gets the 999 others, which betterproto2 took
    ~14 us an entry to encode anew for every join (26% of a thousand joins' server time).
    `joined_from_proto` reads it back as `j`."""
    head = serialize(
        pb.Joined(
            room=j.room,
            name=j.name,
            member_id=j.member_id,
            history_gap=j.history_gap,
            room_epoch=j.room_epoch,
            last_sequence=j.last_sequence,
        )
    )
    members = _members_fields(j.room, j.members)
    history = b"".join(message_field(_HISTORY, _encoded_message(m)) for m in j.history)
    return PreEncoded(message_field(_JOINED, head + members + history))


_JOINED, _MEMBERS, _HISTORY = 1, 4, 5  # ChatResponse.joined, Joined.members, Joined.history


@lru_cache(maxsize=16384)
def _encoded_member(m: MemberInfo) -> bytes:
    return serialize(member_to_proto(m))


_MEMBER_LISTS: dict[str, tuple[tuple[MemberInfo, ...], bytes]] = {}
"""By room: the members of the last RoomJoined made for it, and their fields."""
_ROOMS_REMEMBERED = 256


def _members_fields(room: str, members: tuple[MemberInfo, ...]) -> bytes:
    """The RoomJoined's member fields. The next arrival in a room lists the members the last
    one did, then itself: only the new ones are spliced on (the thousandth arrival would
    otherwise splice 999 entries again: a million for a thousand joins)."""
    known, fields = _MEMBER_LISTS.pop(room, ((), b""))
    if members[: len(known)] != known:  # someone left: start again
        known, fields = (), b""
    fields += b"".join(message_field(_MEMBERS, _encoded_member(m)) for m in members[len(known) :])
    _MEMBER_LISTS[room] = (members, fields)
    if len(_MEMBER_LISTS) > _ROOMS_REMEMBERED:
        del _MEMBER_LISTS[next(iter(_MEMBER_LISTS))]  # the longest unused
    return fields


@lru_cache(maxsize=4096)
def _encoded_message(m: RoomMessage) -> bytes:
    return serialize(_message_to_proto(m))


def joined_from_proto(j: pb.Joined) -> RoomJoined:
    return RoomJoined(
        room=j.room,
        name=j.name,
        member_id=j.member_id,
        members=tuple(member_from_proto(m) for m in j.members),
        history=tuple(_message_from_proto(m) for m in j.history),
        history_gap=j.history_gap,
        room_epoch=j.room_epoch,
        last_sequence=j.last_sequence,
    )


def _change_to_proto(change: MemberJoined | MemberLeft) -> pb.PresenceChange:
    match change:
        case MemberJoined(name, time):
            return pb.PresenceChange(joined=pb.MemberJoined(name=name, time=time))
        case MemberLeft(name, reason, time):
            return pb.PresenceChange(
                left=pb.MemberLeft(name=name, reason=_REASONS[reason], time=time)
            )


def _change_from_proto(c: pb.PresenceChange) -> MemberJoined | MemberLeft:
    if c.joined is not None:
        return MemberJoined(c.joined.name, _time(c.joined.time))
    if c.left is not None:
        reason = _REASONS_BACK.get(c.left.reason, LeaveReason.DISCONNECTED)
        return MemberLeft(c.left.name, reason, _time(c.left.time))
    raise ValueError("a presence change that is neither a join nor a leave")


def event_to_proto(event: Delivered) -> pb.ChatResponse:
    match event:
        case RoomMessage():
            return pb.ChatResponse(message=_message_to_proto(event))
        case PrivateMessage(sender, recipient, text, time):
            return pb.ChatResponse(
                private_message=pb.PrivateMessage(from_=sender, to=recipient, text=text, time=time)
            )
        case MemberJoined():
            return pb.ChatResponse(member_joined=_change_to_proto(event).joined)
        case MemberLeft():
            return pb.ChatResponse(member_left=_change_to_proto(event).left)
        case Presence(changes):
            return pb.ChatResponse(
                presence=pb.Presence(changes=list(map(_change_to_proto, changes)))
            )
        case Notice(status, text):
            return pb.ChatResponse(notice=pb.Notice(code=status.value, text=text))


@lru_cache(maxsize=1024)
def encoded_event(event: Delivered) -> PreEncoded:
    """`event` serialized once, however many members it goes to (events are immutable and
    handed to every member as the same object). A presence batch is spliced from changes
    serialized once each: the members who joined while it gathered each get its tail."""
    if isinstance(event, Presence):
        changes = b"".join(message_field(_CHANGES, _encoded_change(c)) for c in event.changes)
        return PreEncoded(message_field(_PRESENCE, changes))
    return PreEncoded(serialize(event_to_proto(event)))


_PRESENCE, _CHANGES = 8, 1  # ChatResponse.presence, Presence.changes


@lru_cache(maxsize=16384)
def _encoded_change(change: MemberJoined | MemberLeft) -> bytes:
    return serialize(_change_to_proto(change))


def event_from_proto(r: pb.ChatResponse) -> Delivered | RoomJoined | None:
    """The event a response carries; None for a heartbeat (nothing happened)."""
    if r.heartbeat is not None:
        return None
    if r.joined is not None:
        return joined_from_proto(r.joined)
    if r.message is not None:
        return _message_from_proto(r.message)
    if r.private_message is not None:
        p = r.private_message
        return PrivateMessage(p.from_, p.to, p.text, _time(p.time))
    if r.member_joined is not None:
        return _change_from_proto(pb.PresenceChange(joined=r.member_joined))
    if r.member_left is not None:
        return _change_from_proto(pb.PresenceChange(left=r.member_left))
    if r.presence is not None:
        return Presence(tuple(map(_change_from_proto, r.presence.changes)))
    if r.notice is not None:
        return Notice.from_code(r.notice.code, r.notice.text)
    raise ValueError("a chat response with no event")


def heartbeat() -> pb.ChatResponse:
    return pb.ChatResponse(heartbeat=pb.Heartbeat(time=datetime.now(UTC)))


def resume_to_proto(resume: Resume | None) -> pb.Resume | None:
    if resume is None:
        return None
    return pb.Resume(
        room_epoch=resume.room_epoch,
        last_sequence=resume.last_sequence,
        member_id=resume.member_id,
    )


def resume_from_proto(resume: pb.Resume | None) -> Resume | None:
    if resume is None:
        return None
    return Resume(resume.room_epoch, resume.last_sequence, resume.member_id)


def room_from_proto(r: pb.RoomSummary) -> RoomSummary:
    return RoomSummary(r.name, r.member_count, r.last_sequence)
