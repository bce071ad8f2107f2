"""Names people choose (chat members and rooms, game players): one rule for all of them."""

import re

from tp3.errors import InvalidArgument

__all__ = ["MAX_NAME_LENGTH", "valid_name"]

MAX_NAME_LENGTH = 32
# Letters and digits of any script, '_', '-', '.': no spaces, so `/msg NAME text` is unambiguous.
_NAME = re.compile(r"[\w.-]+")


def valid_name(text: str, field: str) -> str:
    """`text` without surrounding spaces, if it is a valid name; InvalidArgument naming
    `field` otherwise."""
    name = text.strip()
    if not name:
        raise InvalidArgument(field, "is required")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidArgument(field, f"is longer than {MAX_NAME_LENGTH} characters")
    if not _NAME.fullmatch(name):
        raise InvalidArgument(
            field, f"{name!r} may only hold letters, digits, '_', '-' and '.' (no spaces)"
        )
    return name
