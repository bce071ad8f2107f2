"""What room names, member names and message texts may be."""

import unicodedata

from tp3.errors import InvalidArgument
from tp3.names import MAX_NAME_LENGTH, valid_name

__all__ = [
    "DEFAULT_ROOM",
    "MAX_NAME_LENGTH",
    "MAX_TEXT_LENGTH",
    "member_name",
    "message_text",
    "room_name",
]

DEFAULT_ROOM = "lobby"
MAX_TEXT_LENGTH = 1000


def room_name(text: str) -> str:
    """A valid room name (empty means the lobby)."""
    return valid_name(text.strip() or DEFAULT_ROOM, "room")


def member_name(text: str) -> str:
    return valid_name(text, "name")


def message_text(text: str) -> str:
    if not text.strip():
        raise InvalidArgument("text", "is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidArgument("text", f"is longer than {MAX_TEXT_LENGTH} characters ({len(text)})")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InvalidArgument("text", "contains control characters (newlines, tabs...)")
    return text
