"""Handing one event to one member's mailbox: the last step of delivery, the same for every
backend."""

from tp3.chat.events import ChatEvent, MemberJoined, MemberLeft
from tp3.mailbox import Mailbox
from tp3.names import name_key

__all__ = ["hand"]


def hand(mailbox: Mailbox[ChatEvent], event: ChatEvent) -> bool:
    """Queue `event`; False if the member is too slow (its mailbox is full). Presence goes
    through the mailbox's own bound, where an arrival and departure both unread cancel out."""
    if isinstance(event, MemberJoined | MemberLeft):
        return mailbox.put_presence(name_key(event.name), isinstance(event, MemberJoined), event)
    return mailbox.put(event)
