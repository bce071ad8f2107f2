"""The game's rules without any network: judging, rounds, scores, the rate limit, texts."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tp3.errors import InvalidArgument
from tp3.game.events import Hint, RoundResult, RoundStarted, Verdict
from tp3.game.game import Game, Seen, draw_secret, game_over, missed, result_of
from tp3.game.rules import HIGH, LOW, Round, judge
from tp3.game.texts import render
from tp3.ratelimit import RateLimiter

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def game_with(*secrets: int) -> Game:
    draws = iter(secrets)
    return Game(pause=timedelta(seconds=3), draw=lambda: next(draws), clock=lambda: NOW)


@pytest.mark.parametrize(
    ("guess", "verdict"),
    [(600, Verdict.TOO_HIGH), (400, Verdict.TOO_LOW), (500, Verdict.CORRECT)],
)
def test_a_guess_is_too_high_too_low_or_correct(guess: int, verdict: Verdict) -> None:
    assert judge(Round(1, 500, NOW), "alice", guess, NOW)[1].verdict is verdict


def test_the_first_correct_guess_wins_and_later_ones_are_told_the_round_is_over() -> None:
    start = Round(1, 500, NOW)
    after_one, _ = judge(start, "alice", 100, NOW)
    won_round, won = judge(after_one, "Alice", 500, NOW)  # one player, whatever the case
    over, late = judge(won_round, "bob", 500, NOW)
    assert (won.verdict, won.attempts, won.winner) == (Verdict.CORRECT, 2, "Alice")
    assert (late.verdict, late.winner) == (Verdict.ROUND_OVER, "Alice")
    assert over == won_round
    assert not won_round.open
    assert start == Round(1, 500, NOW)  # state in, state out: nothing changed in place


@pytest.mark.parametrize("guess", [0, -5, 1001, 10**9])
def test_out_of_range_guesses_are_invalid(guess: int) -> None:
    with pytest.raises(InvalidArgument, match=f"number: must be between 1 and 1000, got {guess}"):
        judge(Round(1, 500, NOW), "alice", guess, NOW)


def test_a_win_ends_the_round_and_the_next_one_has_another_secret() -> None:
    game = game_with(500, 500, 500, 321)  # the source repeats: the game draws again
    hint, over = game.guess("alice", 500)
    assert hint.verdict is Verdict.CORRECT
    assert over is not None
    assert (over.round, over.winner, over.secret, over.attempts) == (1, "alice", 500, 1)
    assert over.next_round_at == NOW + timedelta(seconds=3)
    started = game.next_round()
    assert started.round.number == 2
    assert game.round.secret == 321


def test_the_scoreboard_counts_wins_and_best_attempts() -> None:
    game = game_with(10, 20, 30)
    game.guess("bob", 5)
    game.guess("bob", 10)  # bob: 2 attempts
    game.next_round()
    game.guess("alice", 20)  # alice: 1 attempt
    game.next_round()
    game.guess("alice", 1)
    game.guess("alice", 30)  # alice again: 2 attempts
    board = game.scoreboard()
    assert [(p.name, p.wins, p.best_attempts) for p in board.players] == [
        ("alice", 2, 1),
        ("bob", 1, 2),
    ]
    assert [(r.round, r.winner, r.secret) for r in board.recent_rounds] == [
        (3, "alice", 30),
        (2, "alice", 20),
        (1, "bob", 10),
    ]


@given(st.integers(LOW, HIGH))
def test_binary_search_finds_any_secret_within_ten_guesses(secret: int) -> None:
    round_ = Round(1, secret, NOW)
    low, high = LOW, HIGH
    for _ in range(10):
        round_, hint = judge(round_, "bot", (low + high) // 2, NOW)
        if hint.verdict is Verdict.CORRECT:
            return
        if hint.verdict is Verdict.TOO_HIGH:
            high = hint.guess - 1
        else:
            low = hint.guess + 1
    pytest.fail("not found in 10 guesses")


def test_secrets_come_from_the_whole_range() -> None:
    drawn = {draw_secret() for _ in range(5000)}
    assert min(drawn) >= LOW
    assert max(drawn) <= HIGH
    assert len(drawn) > 900  # 5000 draws cover nearly all 1000 values


def test_the_rate_limit_allows_a_burst_then_refills() -> None:
    now = [0.0]
    limiter = RateLimiter(3, clock=lambda: now[0])
    assert [limiter.allow("alice") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("bob")  # per key
    now[0] += 0.34  # one token back
    assert limiter.allow("alice")
    assert not limiter.allow("alice")


def test_an_action_counts_against_every_key_or_none() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.allow("alice", "conn-1")
    assert limiter.allow("bob", "conn-1")
    assert not limiter.allow("carol", "conn-1")  # the connection's bucket is empty
    assert limiter.allow("carol", "conn-2")  # carol's token was not taken by the refusal
    assert limiter.allow("carol", "conn-2")
    assert not limiter.allow("carol")


def test_a_rate_below_one_per_second_still_allows_guesses() -> None:
    now = [0.0]
    limiter = RateLimiter(0.5, clock=lambda: now[0])
    assert limiter.allow("alice")
    assert not limiter.allow("alice")
    now[0] += 2.0  # one guess every two seconds
    assert limiter.allow("alice")


def test_the_rate_limit_forgets_idle_keys() -> None:
    """Names come from clients: remembering every one forever would grow without bound."""
    now = [0.0]
    limiter = RateLimiter(10, clock=lambda: now[0])
    for i in range(5000):
        limiter.allow(f"name-{i}")
        now[0] += 0.01  # each name used once, 10 ms apart
    assert len(limiter) < 1100  # only the last second's names (~100) plus one sweep's worth


def test_texts_in_english_and_in_the_labs_french() -> None:
    def hint(verdict: Verdict) -> Hint:
        return Hint(3, 500, verdict, 4, "bob" if verdict is Verdict.ROUND_OVER else None, NOW)

    assert render(hint(Verdict.TOO_HIGH)) == "500: your number is bigger"
    assert render(hint(Verdict.TOO_HIGH), "fr") == "500 : Votre nombre est plus grand"
    assert render(hint(Verdict.TOO_LOW), "fr") == "500 : Votre nombre est plus petit"
    assert render(hint(Verdict.CORRECT), "fr") == "500 : BRAVO vous avez gagné en 4 essais"
    assert render(hint(Verdict.ROUND_OVER)) == "round 3 is over, the winner is bob"
    over = game_with(7).guess("bob", 7)[1]
    assert over is not None
    assert render(over, "fr").startswith("Jeu terminé, le gagnant est bob")
    assert render(over).startswith("game over, the winner is bob")


def test_a_reservation_paces_instead_of_refusing() -> None:
    now = [0.0]
    limiter = RateLimiter(4, clock=lambda: now[0])
    assert [limiter.reserve("a") for _ in range(4)] == [0, 0, 0, 0]  # the burst
    assert limiter.reserve("a") == 0.25  # the 5th waits for its token
    assert limiter.reserve("a") == 0.5  # and the 6th behind it
    now[0] += 0.5
    assert limiter.reserve("a") == 0.25


def _won(number: int, winner: str = "bob") -> tuple[Round, RoundResult]:
    played = Round(number, 500, NOW)
    won, hint = judge(played, winner, 500, NOW)
    return won, result_of(won, hint)


PAUSE = timedelta(seconds=3)


def test_nothing_is_missed_when_the_round_is_where_it_was_seen() -> None:
    assert missed(Seen(4, over=False), Round(4, 500, NOW), [], PAUSE) == []
    won, result = _won(4)
    assert missed(Seen(4, over=True), won, [result], PAUSE) == []


def test_a_missed_end_of_the_round_seen_is_told() -> None:
    won, result = _won(4)
    assert missed(Seen(4, over=False), won, [result], PAUSE) == [game_over(result, PAUSE)]


def test_missed_rounds_tell_the_end_seen_then_the_current_round_and_its_end() -> None:
    _, four = _won(4, "alice")
    six, six_result = _won(6, "carol")
    five = _won(5)[1]
    recent = [six_result, five, four]  # newest first
    events = missed(Seen(4, over=False), six, recent, PAUSE)
    assert events == [
        game_over(four, PAUSE),  # the one they were playing
        RoundStarted(six.info(), six.started_at),  # round 5 is skipped: only the scores tell it
        game_over(six_result, PAUSE),
    ]
    assert missed(Seen(4, over=True), Round(7, 1, NOW), recent, PAUSE) == [
        RoundStarted(Round(7, 1, NOW).info(), NOW)
    ]


def test_a_store_that_forgot_the_game_starts_it_anew_for_those_who_saw_it() -> None:
    """Redis restarted without persistence: round 1 again, and no result of round 9."""
    fresh = Round(1, 321, NOW)
    assert missed(Seen(9, over=False), fresh, [], PAUSE) == [RoundStarted(fresh.info(), NOW)]
