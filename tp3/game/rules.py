"""How a guess is judged: one round, one secret, exactly one winner."""

from dataclasses import dataclass, field
from datetime import datetime

from tp3.errors import InvalidArgument
from tp3.game.events import Hint, RoundInfo, Verdict

__all__ = ["HIGH", "LOW", "Round", "check_guess"]

LOW, HIGH = 1, 1000


def check_guess(number: int) -> int:
    if not LOW <= number <= HIGH:
        raise InvalidArgument("number", f"must be between {LOW} and {HIGH}, got {number}")
    return number


@dataclass
class Round:
    number: int
    secret: int
    started_at: datetime
    winner: str | None = None
    ended_at: datetime | None = None
    attempts: dict[str, int] = field(default_factory=dict)
    """Guesses per player (by name) in this round."""

    @property
    def open(self) -> bool:
        return self.winner is None

    def info(self) -> RoundInfo:
        return RoundInfo(self.number, LOW, HIGH, self.open)

    def judge(self, player: str, guess: int, now: datetime) -> Hint:
        """The hint for `player` guessing `guess`. The first correct guess wins the round and
        closes it; any guess after that is ROUND_OVER, with the winner."""
        check_guess(guess)
        if self.winner is not None:
            tries = self.attempts.get(player, 0)
            return Hint(self.number, guess, Verdict.ROUND_OVER, tries, self.winner, now)
        tries = self.attempts[player] = self.attempts.get(player, 0) + 1
        if guess > self.secret:
            verdict = Verdict.TOO_HIGH
        elif guess < self.secret:
            verdict = Verdict.TOO_LOW
        else:
            verdict = Verdict.CORRECT
            self.winner, self.ended_at = player, now
        return Hint(self.number, guess, verdict, tries, self.winner, now)
