"""Reading a chat session in tests: its room messages and reconnections, in order."""

import asyncio

from support import WAIT

from tp3.chat.events import MemberJoined, MemberLeft, RoomMessage
from tp3.client import ChatSession, Reconnected


async def messages_until(
    session: ChatSession, last: str, *, presence: bool = False
) -> list[object]:
    """The session's room messages (texts) and Reconnected events, up to the message `last`;
    with `presence`, arrivals and departures too, as ("joined"|"left", name)."""
    seen: list[object] = []
    async with asyncio.timeout(WAIT):
        async for event in session:
            if isinstance(event, Reconnected):
                seen.append(event)
            elif presence and isinstance(event, MemberJoined | MemberLeft):
                seen.append(("joined" if isinstance(event, MemberJoined) else "left", event.name))
            elif isinstance(event, RoomMessage):
                seen.append(event.text)
                if event.text == last:
                    return seen
    raise AssertionError(f"the session ended before {last!r}: {seen}")
