"""How a guess is judged: one round, one secret, exactly one winner. Pure: state in, state out."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tp3.errors import InvalidArgument
from tp3.game.events import Hint, RoundInfo, Verdict
from tp3.names import name_key

__all__ = ["HIGH", "LOW", "Round", "check_guess", "judge"]

LOW, HIGH = 1, 1000


def check_guess(number: int) -> int:
    if not LOW <= number <= HIGH:
        raise InvalidArgument("number", f"must be between {LOW} and {HIGH}, got {number}")
    return number


@dataclass(frozen=True)
class Round:
    """One round's state, never changed in place: `judge` gives the next one, so a backend
    that stores rounds elsewhere (Redis) applies the very same decisions."""

    number: int
    secret: int
    started_at: datetime
    winner: str | None = None
    ended_at: datetime | None = None
    attempts: Mapping[str, int] = field(default_factory=dict)
    """Guesses per player (by name key) in this round."""

    @property
    def open(self) -> bool:
        return self.winner is None

    def info(self, pause: timedelta | None = None) -> RoundInfo:
        """The round as players see it; given the game's `pause` between a win and the next
        round, a closed round also tells when the next one starts."""
        next_round_at = None
        if pause is not None and self.ended_at is not None:
            next_round_at = self.ended_at + pause
        return RoundInfo(self.number, LOW, HIGH, self.open, next_round_at)


def judge(current: Round, player: str, guess: int, now: datetime) -> tuple[Round, Hint]:
    """The round after `player` guessed `guess`, and the hint they get. The first correct
    guess wins the round and closes it; any guess after that is ROUND_OVER, with the winner.
    Attempts are counted per name key: "Alice" and "alice" are one player."""
    check_guess(guess)
    key = name_key(player)
    if current.winner is not None:
        tries = current.attempts.get(key, 0)
        return current, Hint(current.number, guess, Verdict.ROUND_OVER, tries, current.winner, now)
    tries = current.attempts.get(key, 0) + 1
    after = replace(current, attempts={**current.attempts, key: tries})
    if guess > current.secret:
        verdict = Verdict.TOO_HIGH
    elif guess < current.secret:
        verdict = Verdict.TOO_LOW
    else:
        verdict = Verdict.CORRECT
        after = replace(after, winner=player, ended_at=now)
    return after, Hint(current.number, guess, verdict, tries, after.winner, now)
