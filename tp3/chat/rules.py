"""What room names, member names and message texts may be."""

import re
import unicodedata

from tp3.errors import InvalidArgument

__all__ = [
    "DEFAULT_ROOM",
    "MAX_NAME_LENGTH",
    "MAX_TEXT_LENGTH",
    "member_name",
    "message_text",
    "room_name",
]

DEFAULT_ROOM = "lobby"
MAX_NAME_LENGTH = 32
MAX_TEXT_LENGTH = 1000
# Letters and digits of any script, '_', '-', '.': no spaces, so `/msg NAME text` is unambiguous.
_NAME = re.compile(r"[\w.-]+")


def room_name(text: str) -> str:
    """A valid room name (empty means the lobby)."""
    return _name(text.strip() or DEFAULT_ROOM, "room")


def member_name(text: str) -> str:
    return _name(text.strip(), "name")


def _name(name: str, field: str) -> str:
    if not name:
        raise InvalidArgument(field, "is required")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidArgument(field, f"is longer than {MAX_NAME_LENGTH} characters")
    if not _NAME.fullmatch(name):
        raise InvalidArgument(
            field, f"{name!r} may only hold letters, digits, '_', '-' and '.' (no spaces)"
        )
    return name


def message_text(text: str) -> str:
    if not text.strip():
        raise InvalidArgument("text", "is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidArgument("text", f"is longer than {MAX_TEXT_LENGTH} characters ({len(text)})")
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise InvalidArgument("text", "contains control characters (newlines, tabs...)")
    return text
