"""What members of a room see: the domain's events, shared by the service and the client."""

from dataclasses import dataclass
from datetime import datetime

from tp3.mailbox import LeaveReason
from tp3.notice import Notice

__all__ = [
    "ChatEvent",
    "Delivered",
    "LeaveReason",
    "MemberInfo",
    "MemberJoined",
    "MemberLeft",
    "Notice",
    "Presence",
    "PrivateMessage",
    "Resume",
    "RoomJoined",
    "RoomMessage",
    "RoomSummary",
]


@dataclass(frozen=True)
class MemberInfo:
    name: str
    joined_at: datetime


@dataclass(frozen=True)
class RoomMessage:
    sequence: int
    """The room's order: the same for every member."""
    sender: str
    text: str
    time: datetime


@dataclass(frozen=True)
class PrivateMessage:
    sender: str
    recipient: str
    text: str
    time: datetime


@dataclass(frozen=True)
class MemberJoined:
    name: str
    time: datetime


@dataclass(frozen=True)
class MemberLeft:
    name: str
    reason: LeaveReason
    time: datetime


ChatEvent = RoomMessage | PrivateMessage | MemberJoined | MemberLeft | Notice


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: cheap, and never needed
class Presence:
    """Arrivals and departures in the order they happened, told together: to a member that
    takes presence in batches (the client library hands them out one by one)."""

    changes: tuple[MemberJoined | MemberLeft, ...]


Delivered = ChatEvent | Presence
"""What the server hands a member: an event, or presence changes batched."""


@dataclass(frozen=True)
class Resume:
    room_epoch: str
    last_sequence: int
    member_id: str = ""
    """The earlier session's: a join that gives it takes over the name that session holds."""


@dataclass(frozen=True)
class RoomJoined:
    room: str
    name: str
    member_id: str
    members: tuple[MemberInfo, ...]
    history: tuple[RoomMessage, ...]
    history_gap: bool
    room_epoch: str
    last_sequence: int


@dataclass(frozen=True)
class RoomSummary:
    name: str
    member_count: int
    last_sequence: int
