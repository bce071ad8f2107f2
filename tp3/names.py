"""Names people choose (chat members and rooms, game players): one rule for all of them.

Two names are the same name when they look alike: `name_key` folds case, compatibility forms
(full-width, mathematical letters) and Unicode's confusable characters (a Cyrillic a, U+0430;
a dotless i, U+0131; "1" for "l"), so a look-alike of "alice" can't sit next to her, nor take
her private messages once she has left.
"""

import json
import re
import unicodedata
from functools import cache
from importlib.resources import files

from tp3.errors import InvalidArgument

__all__ = ["MAX_NAME_LENGTH", "load_confusables", "name_key", "taken", "valid_name"]

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


def name_key(name: str) -> str:
    """What `name` looks like: equal for names a reader could take for one another.

    UTS #39's skeleton (each character replaced by the prototype it is confusable with) of
    the case-folded NFKC form. Case goes first, so "ALICE" is "alice" (the skeleton alone
    would read its "I" as an "l"); a capital I among small letters is then an "i", not an
    "l": that look-alike is let through."""
    prototypes = _prototypes()
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(prototypes.get(char, char) for char in folded).casefold()


def taken(name: str, present: str) -> str:
    """Why `name` can't be used while `present` is: the same name, or a look-alike of it."""
    if name.casefold() == present.casefold():
        return f"{name!r} is already taken"
    return f"{name!r} looks like {present!r}, already taken"


def load_confusables() -> None:
    """Read the look-alike table now, at start-up, rather than at the first join: frozen
    with the rest of start-up (`tp3.server`), the collector never walks its ~1 MB."""
    _prototypes()


@cache
def _prototypes() -> dict[str, str]:
    """Character -> the prototype it is confusable with, from Unicode's confusables.txt as
    confusable-homoglyphs ships it. Read here rather than through the package's module, which
    keeps its whole 9 MB table alive: this ~1 MB mapping is all that is needed.

    The package stores the relation both ways: a confusable character lists its one
    prototype, a prototype lists all of its confusables. So a character listing exactly one
    other is mapped to it, except when that other lists only it back (a pair with no way to
    tell which is the prototype): then both map to the smaller one."""
    raw = files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    table: dict[str, list[dict[str, str]]] = json.loads(raw)
    prototypes = {}
    for char, entries in table.items():
        if len(entries) != 1:
            continue
        other = entries[0]["c"]
        back = table.get(other, [])
        if len(back) == 1 and back[0]["c"] == char:
            other = min(char, other)
        if other != char:
            prototypes[char] = other
    return prototypes
