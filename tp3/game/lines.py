"""What a line typed in `tp3 game play` means: a guess, a command, or a problem to show."""

import re
from dataclasses import dataclass

from tp3.game.texts import say
from tp3.lang import Lang

__all__ = ["Action", "Guess", "Help", "Nothing", "Problem", "Quit", "parse"]


@dataclass(frozen=True)
class Nothing:
    """An empty line."""


@dataclass(frozen=True)
class Guess:
    number: int


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Quit:
    pass


@dataclass(frozen=True)
class Problem:
    """Not sent; `text` says why."""

    text: str


Action = Nothing | Guess | Help | Quit | Problem

_NUMBER = re.compile(r"[+-]?[0-9]+")


def parse(line: str, low: int, high: int, lang: str = Lang.en) -> Action:
    """The meaning of `line`: a guess only if it lies within `low`..`high`; problems are
    worded in `lang`."""
    text = line.strip()
    if not text:
        return Nothing()
    if text.startswith("/"):
        words = text[1:].split(maxsplit=1)
        command = words[0].lower() if words else ""
        match command:
            case "quit" | "exit" | "leave" | "q":
                return Quit()
            case "help" | "h" | "?":
                return Help()
        return Problem(say("unknown", lang, command=command))
    if not _NUMBER.fullmatch(text):
        return Problem(say("not_a_number", lang, line=text, low=low, high=high))
    try:
        number = int(text)
    except ValueError:  # more digits than Python converts (4300): far out of range anyway
        return Problem(say("out_of_range", lang, number=text, low=low, high=high))
    if not low <= number <= high:
        return Problem(say("out_of_range", lang, number=number, low=low, high=high))
    return Guess(number)
