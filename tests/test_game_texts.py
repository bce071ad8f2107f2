"""The game's words: one table, both languages, events and what `tp3 game` says itself."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from tp3.game.events import WaitingForRound
from tp3.game.texts import next_round, render, say, seconds_until

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def clock(at: datetime) -> str:
    return f"{at.astimezone():%H:%M:%S}"  # the local time, as the player reads a clock


@pytest.mark.parametrize(("left", "seconds"), [(2.5, 3), (3.0, 3), (0.2, 1), (0.0, 0), (-4.0, 0)])
def test_a_countdown_rounds_up_and_never_goes_below_zero(left: float, seconds: int) -> None:
    assert seconds_until(NOW + timedelta(seconds=left), NOW) == seconds


def test_when_the_next_round_starts() -> None:
    at = NOW + timedelta(seconds=2.4)
    assert next_round(at, NOW) == f"next round in 3 s, at {clock(at)}"
    assert next_round(at, NOW, "fr") == f"prochaine manche dans 3 s, à {clock(at)}"
    assert next_round(at, NOW, countdown=True) == "next round in 3 s"
    assert next_round(at, NOW, "fr", countdown=True) == "prochaine manche dans 3 s"
    assert re.fullmatch(r"\d\d:\d\d:\d\d", clock(at))


def test_waiting_for_a_round_says_when_it_starts_if_known() -> None:
    at = NOW + timedelta(seconds=5)
    known = WaitingForRound(4, at, NOW)
    assert render(known) == f"waiting for round 4, which starts in 5 s, at {clock(at)}"
    assert render(known, "fr") == (
        f"en attente de la manche 4, qui commence dans 5 s, à {clock(at)}"
    )
    unknown = WaitingForRound(4, None, NOW)
    assert render(unknown) == "waiting for round 4, which starts once round 3 is won"
    assert render(unknown, "fr") == (
        "en attente de la manche 4, qui commencera quand la manche 3 sera gagnée"
    )


def test_what_the_player_is_told_in_both_languages() -> None:
    assert say("waiting") == "the round is over: waiting for the next one"
    assert say("waiting", "fr") == "la manche est terminée : attente de la suivante"
    assert say("out_of_range", "fr", number=0, low=1, high=1000) == (
        "0 n'est pas entre 1 et 1000 : non envoyé"
    )
    assert say("help").splitlines()[1] == "  /quit    leave the game (Ctrl-D and Ctrl-C too)"
