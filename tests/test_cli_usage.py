"""Usage errors are one `error:` line and exit status 2 on every command, in tp3's words.

Run in-process through `tp3.cli.main`, the installed script's entry point: the parsing is
what is tested here, and a subprocess per command would cost seconds."""

from collections.abc import Iterator

import pytest
import typer
from typer.core import TyperGroup as Group

from tp3.cli import app, main


def _commands(group: Group, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


EVERY_COMMAND = sorted(_commands(typer.main.get_command(app)))  # type: ignore[arg-type]


def run_main(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["tp3", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return exited.value.code if isinstance(exited.value.code, int) else 1, out, err


def one_usage_line(code: int, out: str, err: str) -> str:
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert not any(box in err for box in "╭│╰"), err
    return lines[0]


def test_there_are_commands_to_check() -> None:
    assert ("currency", "convert") in EVERY_COMMAND
    assert ("game", "guess") in EVERY_COMMAND
    assert ("serve",) in EVERY_COMMAND
    assert len(EVERY_COMMAND) >= 15


@pytest.mark.parametrize("command", EVERY_COMMAND, ids=" ".join)
def test_an_unknown_option_is_one_line_on_every_command(
    command: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = one_usage_line(*run_main([*command, "--no-such-option"], monkeypatch, capsys))
    # where "-1" is a number (convert, batch, guess), what is missing is said first
    assert "--no-such-option" in line or "error: missing" in line
    assert line.endswith(f"(tp3 {' '.join(command)} -h for help)")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["currency", "quotes", "EUR", "USD", "--count", "x"],
            "error: --count: not a whole number",
        ),
        (
            ["currency", "quotes", "EUR", "USD", "--interval", "x"],
            "error: --interval: not a number",
        ),
        (["game", "guess", "--name", "x", "abc"], "error: NUMBER: not a whole number"),
        (["serve", "--port", "99999999"], "error: --port: must be at most 65535"),
        (["serve", "--port", "-1"], "error: --port: must be at least 0"),
        (["game", "play", "--name", "x", "--lang", "de"], "error: --lang/-l: 'de' is not one of"),
        (["game", "bot"], "error: missing option '--name'"),
        (["currency", "convert"], "error: missing argument"),
        (["nosuch"], "error: no such command 'nosuch' (tp3 -h for help)"),
        # where "-1" is an amount, a mistyped long option is still one
        (["currency", "convert", "1", "EUR", "--jsn"], "error: no such option: --jsn (tp3 cu"),
        (["currency", "batch", "MAD", "1", "EUR", "--jsn"], "error: no such option: --jsn"),
        (["game", "guess", "-n", "x", "--jsn"], "error: no such option: --jsn"),
    ],
)
def test_bad_values_are_said_in_plain_words(
    args: list[str],
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    line = one_usage_line(*run_main(args, monkeypatch, capsys))
    assert line.startswith(expected), line
    assert "Input should" not in line


def test_a_group_without_a_command_shows_its_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(["game"], monkeypatch, capsys)
    assert code == 2
    assert "Usage: tp3 game" in out
    assert "guess" in out
    assert err == ""
