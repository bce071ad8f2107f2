"""What a player knows of a round, without any network (as the Java RoundKnowledgeTest checks)."""

from datetime import UTC, datetime, timedelta

from tp3.game.events import GameOver, Hint, RoundInfo, Verdict, Watching
from tp3.game.knowledge import RoundKnowledge, next_round_at

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
NEXT = NOW + timedelta(seconds=3)


def round_info(number: int, *, open: bool = True, next_at: datetime | None = None) -> RoundInfo:
    return RoundInfo(number, 1, 1000, open, next_at)


def hint(round: int, guess: int, verdict: Verdict) -> Hint:
    return Hint(round, guess, verdict, 1, None, NOW)


def over(round: int) -> GameOver:
    return GameOver(round, "alice", 42, 7, NEXT, NOW)


def test_hints_narrow_the_range() -> None:
    knows = RoundKnowledge(round_info(3))
    assert knows.learn(hint(3, 500, Verdict.TOO_LOW))
    assert knows.learn(hint(3, 750, Verdict.TOO_HIGH))
    assert knows.describe() == "round 3: guess a number between 501 and 749"
    assert knows.describe("fr") == "Manche 3 : devinez un nombre entre 501 et 749"
    assert not knows.learn(hint(3, 900, Verdict.TOO_HIGH)), "already excluded"
    assert knows.bounds == (1, 1000)


def test_hints_of_an_earlier_round_are_ignored() -> None:
    knows = RoundKnowledge(round_info(4))
    assert not knows.learn(hint(3, 500, Verdict.TOO_LOW))
    assert (knows.low, knows.high) == (1, 1000)


def test_contradicting_hints_start_again_from_the_whole_range() -> None:
    knows = RoundKnowledge(round_info(1))
    knows.learn(hint(1, 500, Verdict.TOO_LOW))
    knows.learn(hint(1, 400, Verdict.TOO_HIGH))
    assert (knows.low, knows.high) == (1, 1000)


def test_a_win_or_a_game_over_closes_the_round_and_a_new_round_reopens_it() -> None:
    knows = RoundKnowledge(round_info(1))
    knows.learn(hint(1, 42, Verdict.ROUND_OVER))
    assert not knows.open
    knows.start(round_info(2))
    assert knows.open
    knows.end(over(1))
    assert knows.open, "the game over of another round"
    knows.end(over(2))
    assert not knows.open


def test_the_game_over_tells_when_the_next_round_starts_until_it_does() -> None:
    knows = RoundKnowledge(round_info(1))
    assert knows.next_round_at is None
    knows.end(over(1))
    assert knows.next_round_at == NEXT
    knows.start(round_info(2))
    assert knows.next_round_at is None


def test_a_round_joined_between_rounds_knows_when_the_next_starts() -> None:
    knows = RoundKnowledge(round_info(5, open=False, next_at=NEXT))
    assert (knows.open, knows.next_round_at) == (False, NEXT)


def test_the_events_that_tell_when_the_next_round_starts() -> None:
    assert next_round_at(over(1)) == NEXT
    assert next_round_at(Watching(round_info(1, open=False, next_at=NEXT), NOW)) == NEXT
    assert next_round_at(Watching(round_info(1), NOW)) is None
    assert next_round_at(hint(1, 42, Verdict.CORRECT)) is None
