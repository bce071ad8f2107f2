"""What a line typed in `tp3 game play` means (as the Java GameLinesTest checks)."""

import pytest

from tp3.game.lines import Action, Guess, Help, Nothing, Problem, Quit, parse


@pytest.mark.parametrize(("line", "number"), [(" 500 ", 500), ("+1", 1), ("1000", 1000)])
def test_numbers_in_range_are_guesses(line: str, number: int) -> None:
    assert parse(line, 1, 1000) == Guess(number)


@pytest.mark.parametrize("number", ["0", "-5", "1001", "99999999999999999999", "9" * 5000])
def test_numbers_out_of_range_are_not_sent(number: str) -> None:
    assert parse(number, 1, 1000) == Problem(f"{number} is not between 1 and 1000: not sent")


def test_the_range_is_the_one_given() -> None:
    assert parse("1", 2, 10) == Problem("1 is not between 2 and 10: not sent")


@pytest.mark.parametrize("line", ["12.5", "five", "1_000", "٣"])
def test_other_text_is_not_a_number(line: str) -> None:
    expected = f"not a number: {line!r}; type a number between 1 and 1000, or /quit"
    assert parse(line, 1, 1000) == Problem(expected)


def test_problems_speak_the_chosen_language() -> None:
    assert parse("0", 1, 1000, "fr") == Problem("0 n'est pas entre 1 et 1000 : non envoyé")
    assert parse("/x", 1, 1000, "fr") == Problem("commande inconnue /x ; /help liste les commandes")
    assert parse("abc", 1, 1000, "fr") == Problem(
        "ce n'est pas un nombre : 'abc' ; tapez un nombre entre 1 et 1000, ou /quit"
    )


@pytest.mark.parametrize(
    ("line", "action"),
    [
        ("/quit", Quit()),
        ("/Exit now", Quit()),
        ("/q", Quit()),
        ("/help", Help()),
        ("/?", Help()),
        ("/guess 5", Problem("unknown command /guess; /help lists the commands")),
        ("/", Problem("unknown command /; /help lists the commands")),
        ("", Nothing()),
        ("   ", Nothing()),
    ],
)
def test_commands(line: str, action: Action) -> None:
    assert parse(line, 1, 1000) == action
