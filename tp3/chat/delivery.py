"""Handing one event to members' mailboxes: the last step of delivery, the same for every
backend."""

from collections.abc import Callable

from tp3.chat.events import Delivered, MemberJoined, MemberLeft, Presence
from tp3.mailbox import Mailbox
from tp3.names import name_key

__all__ = ["handing"]

Hand = Callable[[Mailbox[Delivered]], bool]


def handing(event: Delivered) -> Hand:
    """How to queue `event` in a mailbox (False: the member is too slow, its mailbox full).
    Presence goes through the mailbox's own bound: as one batch to a member that takes
    batches, else change by change, where an arrival and departure both unread cancel out.
    Whatever is worked out per event (subjects, the batch) is worked out once for all the
    recipients: a thousand members joining one room make half a million deliveries."""
    if isinstance(event, Presence):
        return _presence(event, event.changes)
    if isinstance(event, MemberJoined | MemberLeft):
        return _presence(Presence((event,)), (event,))
    return lambda mailbox: mailbox.put(event)


def _presence(batch: Presence, changes: tuple[MemberJoined | MemberLeft, ...]) -> Hand:
    singles = [(name_key(c.name), isinstance(c, MemberJoined), c) for c in changes]

    def hand(mailbox: Mailbox[Delivered]) -> bool:
        if mailbox.batch_presence:
            return mailbox.put_presence_batch(batch)
        return all(mailbox.put_presence(*single) for single in singles)

    return hand
