"""A room's order and memory, as pure decisions: numbering a message, and what a joining or
resuming member must be shown. Whoever stores the history (this process, Redis) calls these,
so every backend numbers and replays alike."""

from collections.abc import Sequence
from datetime import datetime

from tp3.chat import rules
from tp3.chat.events import Resume, RoomMessage
from tp3.errors import InvalidArgument

__all__ = ["numbered", "replay"]


def numbered(last_sequence: int, sender: str, text: str, now: datetime) -> RoomMessage:
    """The room's next message. The text is checked first: a refused text takes no number."""
    return RoomMessage(last_sequence + 1, sender, rules.message_text(text), now)


def replay(
    kept: Sequence[RoomMessage],
    *,
    last_sequence: int,
    epoch: str,
    resume: Resume | None,
    join_history: int,
) -> tuple[tuple[RoomMessage, ...], bool]:
    """What a joining member is shown of `kept` (the room's history, oldest first), and
    whether it missed messages the history no longer holds.

    A fresh join sees the last `join_history` messages. A resume sees every message after
    the one it last saw, and a gap when the history starts later, or when the room it
    knew is gone (`epoch` differs: the room emptied and started again)."""
    if resume is None:
        return (tuple(kept[-join_history:]) if join_history else ()), False
    if resume.room_epoch != epoch:
        return tuple(kept), True
    if resume.last_sequence > last_sequence:
        raise InvalidArgument(
            "resume.last_sequence",
            f"{resume.last_sequence} is ahead of the room (its last is {last_sequence})",
        )
    oldest_kept = kept[0].sequence if kept else last_sequence + 1
    missed = tuple(m for m in kept if m.sequence > resume.last_sequence)
    return missed, resume.last_sequence + 1 < oldest_kept
