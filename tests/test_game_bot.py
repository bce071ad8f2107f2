"""The bot's decisions without any network: what it guesses, when, which rounds it plays."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from grpclib.const import Status
from hypothesis import given
from hypothesis import strategies as st

from tp3.game.bot import MAX_PACE, Bot, GiveUp, Strategy
from tp3.game.events import (
    GameOver,
    Hint,
    Notice,
    RoundInfo,
    RoundStarted,
    Verdict,
    WaitingForRound,
)
from tp3.game.rules import Round, judge

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NEXT = NOW + timedelta(seconds=3)
TOO_FAST = Notice(Status.RESOURCE_EXHAUSTED, "guesses: at most 10 per second")


def round_info(number: int, *, open: bool = True, next_at: datetime | None = None) -> RoundInfo:
    return RoundInfo(number, 1, 1000, open, next_at)


def hint(round: int, guess: int, verdict: Verdict) -> Hint:
    return Hint(round, guess, verdict, 1, None, NOW)


def over(round: int) -> GameOver:
    return GameOver(round, "someone", 42, 7, NEXT, NOW)


def play_out(bot: Bot, secret: int) -> list[int]:
    """The bot's guesses in its round, each judged by the game's rules, until it wins."""
    state = Round(bot.knows.round, secret, NOW)
    guesses: list[int] = []
    while (number := bot.next_guess()) is not None:
        guesses.append(number)
        state, answer = judge(state, "bot", number, NOW)
        bot.take(answer)
    return guesses


def test_binary_guesses_the_middle_of_the_range_left_one_at_a_time() -> None:
    bot = Bot(round_info(1))
    assert bot.next_guess() == 500
    assert bot.next_guess() is None, "one guess in flight at a time"
    bot.take(hint(1, 500, Verdict.TOO_LOW))
    assert bot.next_guess() == 750
    bot.take(hint(1, 750, Verdict.TOO_HIGH))
    assert bot.next_guess() == 625


@given(st.integers(1, 1000))
def test_binary_finds_any_secret_within_ten_guesses(secret: int) -> None:
    bot = Bot(round_info(1))
    guesses = play_out(bot, secret)
    assert guesses[-1] == secret
    assert len(guesses) <= 10


@given(st.integers(1, 1000), st.integers(0, 2**32))
def test_random_guesses_within_the_range_left_and_replays_with_its_seed(
    secret: int, seed: int
) -> None:
    guesses = play_out(Bot(round_info(1), Strategy.random, rng=random.Random(seed)), secret)
    assert guesses[-1] == secret
    assert len(set(guesses)) == len(guesses), "never a number the hints excluded"
    again = play_out(Bot(round_info(1), Strategy.random, rng=random.Random(seed)), secret)
    assert again == guesses


def test_the_first_random_guess_is_the_seeded_draw() -> None:
    bot = Bot(round_info(1), Strategy.random, rng=random.Random(7))
    assert bot.next_guess() == random.Random(7).randint(1, 1000)


def test_guessing_too_fast_slows_down_up_to_a_bound_and_speeds_up_again() -> None:
    bot = Bot(round_info(1))
    paces = []
    for _ in range(10):
        bot.next_guess()
        bot.take(TOO_FAST)
        paces.append(bot.pace)
    assert paces[0] > 0
    assert paces == sorted(paces)
    assert paces[-1] == MAX_PACE
    assert bot.next_guess() == 500, "the refused guess is made again"
    for _ in range(30):
        bot.take(hint(1, 500, Verdict.TOO_LOW))
    assert bot.pace == 0


def test_a_notice_slowing_down_cannot_fix_gives_up() -> None:
    bot = Bot(round_info(1))
    bot.next_guess()
    refused = Notice(Status.INVALID_ARGUMENT, "number: must be between 1 and 1000, got 0")
    with pytest.raises(GiveUp) as stop:
        bot.take(refused)
    assert stop.value.notice == refused


def test_next_round_sits_out_the_round_in_progress_and_says_so() -> None:
    bot = Bot(round_info(3), next_round=True)
    assert bot.next_guess() is None
    assert bot.waiting(NOW) == WaitingForRound(4, None, NOW)  # its start: once 3 is won
    bot.take(over(3))
    assert (bot.next_guess(), bot.ended, bot.done) == (None, 0, False)
    bot.take(RoundStarted(round_info(4), NEXT))
    assert bot.next_guess() == 500
    assert bot.waiting(NEXT) is None


def test_joining_between_rounds_waits_for_the_next_one_and_says_when() -> None:
    bot = Bot(round_info(3, open=False, next_at=NEXT))
    assert bot.next_guess() is None
    assert bot.waiting(NOW) == WaitingForRound(4, NEXT, NOW)


def test_playing_an_open_round_is_not_waiting() -> None:
    assert Bot(round_info(3)).waiting(NOW) is None


def test_done_once_the_rounds_it_played_have_ended() -> None:
    bot = Bot(round_info(1), rounds=2)
    bot.take(over(1))
    assert (bot.ended, bot.done) == (1, False)
    bot.take(over(1))
    assert bot.ended == 1, "the same round ends once"
    bot.take(RoundStarted(round_info(2), NOW))
    bot.take(over(2))
    assert bot.done


def test_a_hint_from_an_earlier_round_does_not_move_the_range() -> None:
    bot = Bot(round_info(2))
    bot.next_guess()
    bot.take(hint(1, 500, Verdict.TOO_LOW))  # judged before round 2 started
    assert bot.next_guess() == 500
