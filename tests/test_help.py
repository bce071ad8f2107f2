"""Every command's --help reads like a man page: `--room ROOM`, `--json`, `AMOUNT FROM TO`, never
typer's `<str>`, `<bool>` or `{amount}`; and each option's help says what it does there.

The command tree is walked, so a command added later is checked too."""

import re
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from tp3.cli import app

# typer's type tags: <bool>, <str>, <int range>, <en|fr>, <list[str]>...
TYPE_TAG = re.compile(r"<[a-z][\w|,\[\] ]*>")
# Commands that do join a room: the others' --room must not say "Room to join".
JOINING = {"chat", "chat send", "chat listen"}


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(typer.main.get_command(app)))


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(
        app, [*path, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_walk_finds_every_command() -> None:
    found = {" ".join(path) for path in COMMANDS}
    assert {"", "serve", "ui", "cluster", "currency convert", "chat who", "game play"} <= found
    assert len(found) >= 20


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(("tp3", *path)))
def test_help_shows_no_type_tags(path: tuple[str, ...]) -> None:
    text = _help(path)
    assert not TYPE_TAG.findall(text), TYPE_TAG.findall(text)
    usage = next(line for line in text.splitlines() if "Usage:" in line)
    assert "{" not in usage, usage  # typer's {amount}: man pages use braces for "one of"


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(("tp3", *path)))
def test_only_commands_that_join_a_room_say_room_to_join(path: tuple[str, ...]) -> None:
    if " ".join(path) not in JOINING:
        assert "Room to join" not in _help(path)


def test_values_are_named_and_flags_take_none() -> None:
    convert = _help(("currency", "convert"))
    assert re.search(r"Usage: .* currency convert \[OPTIONS\] AMOUNT FROM TO\s*$", convert, re.M)
    assert re.search(r"--target\s+-t\s+HOST:PORT\s", convert)
    assert re.search(r"--json\s+Print one JSON object", convert)  # a flag: no value
    who = _help(("chat", "who"))
    assert re.search(r"--room\s+-r\s+ROOM\s+Room whose members are listed", who)
    assert re.search(r"--lang\s+-l\s+en\|fr\s", _help(("game", "watch")))
    batch = _help(("currency", "batch"))
    assert re.search(r"currency batch \[OPTIONS\] TO \[AMOUNT CODE\]\.\.\.\s*$", batch, re.M)
