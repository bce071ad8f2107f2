"""Chat, the lab's chat contract, on tp3's real room "lobby": a lab client and `tp3 chat`
members talk to each other.

The lab's Message has no kind and no join: a client becomes member `user_id` of the lobby
with its first message (which is posted), and every later message is posted as that member.
What it receives: the room's messages, in the room's order and its own included; private
messages to it, marked "(private)"; arrivals, departures and refusals as messages from "tp3".
"""

from collections.abc import AsyncIterator
from datetime import datetime

from tp3.chat.backend import ChatBackend, Session
from tp3.chat.events import (
    Delivered,
    MemberJoined,
    MemberLeft,
    Notice,
    PrivateMessage,
    RoomMessage,
)
from tp3.errors import ResourceExhausted
from tp3.generated import ChatBase, Message
from tp3.rpc.auth import claimed_name
from tp3.rpc.context import current_rpc
from tp3.rpc.session import Requests, chained, serve_session
from tp3.rpc.status import notice_for

__all__ = ["LOBBY", "LabChatService"]

LOBBY = "lobby"
SERVER = "tp3"
"""The sender of what is not a member's message."""


def lab_message(event: Delivered) -> Message | None:
    match event:
        case RoomMessage(sender=sender, text=text, time=time):
            return _message(sender, text, time)
        case PrivateMessage(sender=sender, text=text, time=time):
            return _message(sender, f"(private) {text}", time)
        case MemberJoined(name=name, time=time):
            return _message(SERVER, f"{name} joined {LOBBY}", time)
        case MemberLeft(name=name, reason=reason, time=time):
            return _message(SERVER, f"{name} left {LOBBY} ({reason.value})", time)
        case Notice(text=text):
            return Message(user_id=SERVER, text=f"error: {text}")
    return None  # presence in batches: never asked for


def _message(user_id: str, text: str, time: datetime) -> Message:
    return Message(user_id=user_id, text=text, timestamp=time)


def _too_slow() -> ResourceExhausted:
    return ResourceExhausted("disconnected: you read the chat too slowly; connect again")


class LabChatService(ChatBase):
    def __init__(self, backend: ChatBackend) -> None:
        self._backend = backend

    async def chat(self, messages: AsyncIterator[Message]) -> AsyncIterator[Message]:
        first = await anext(messages, None)
        if first is None:
            return  # gone before saying anything
        session = await self._backend.join(
            LOBBY, claimed_name(first.user_id, "user_id"), None, current_rpc().origin()
        )
        responses = serve_session(
            None,
            session.inbox,
            lab_message,
            leave=lambda reason: self._backend.leave(session, reason),
            too_slow=_too_slow,
            notice=notice_for,
            requests=Requests(chained(first, messages), lambda m: self._post(session, m)),
        )
        async for response in responses:
            yield response

    async def _post(self, session: Session, message: Message) -> bool:
        await self._backend.post(session, message.text)
        return True  # the lab has no leave: its client ends the stream
