"""Handing one event to members' mailboxes: the last step of delivery, the same for every
backend."""

from collections.abc import Callable

from tp3.chat.events import ChatEvent, MemberJoined, MemberLeft
from tp3.mailbox import Mailbox
from tp3.names import name_key

__all__ = ["handing"]


def handing(event: ChatEvent) -> Callable[[Mailbox[ChatEvent]], bool]:
    """How to queue `event` in a mailbox (False: the member is too slow, its mailbox full).
    Presence goes through the mailbox's own bound, where an arrival and departure both unread
    cancel out; its subject is worked out once for all the recipients (a thousand members
    joining one room hand out half a million presence events)."""
    if isinstance(event, MemberJoined | MemberLeft):
        subject, arriving = name_key(event.name), isinstance(event, MemberJoined)
        return lambda mailbox: mailbox.put_presence(subject, arriving, event)
    return lambda mailbox: mailbox.put(event)
