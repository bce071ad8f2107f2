"""The game: rounds one after the other, and the scoreboard. Synchronous and pure.

Every guess is judged to completion without waiting, so when many correct guesses arrive at
the same instant the first one judged wins and the others are told the round is over.
"""

import secrets
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tp3.game.events import (
    GameOver,
    Hint,
    PlayerScore,
    RoundResult,
    RoundStarted,
    Scoreboard,
    Verdict,
)
from tp3.game.rules import HIGH, LOW, Round, judge

__all__ = ["Game", "draw_secret", "utc_now"]

Clock = Callable[[], datetime]


def draw_secret() -> int:
    """A secret in LOW..HIGH from the operating system's CSPRNG (`secrets`)."""
    return LOW + secrets.randbelow(HIGH - LOW + 1)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Game:
    def __init__(
        self,
        *,
        pause: timedelta,
        draw: Callable[[], int] = draw_secret,
        clock: Clock = utc_now,
        recent_rounds: int = 10,
    ) -> None:
        self._pause = pause
        self._draw = draw
        self._clock = clock
        self._wins: dict[str, int] = {}
        self._best: dict[str, int] = {}
        self._recent: deque[RoundResult] = deque(maxlen=recent_rounds)
        self.round = Round(1, self._new_secret(None), clock())

    def guess(self, player: str, number: int) -> tuple[Hint, GameOver | None]:
        """Judge a guess; a winning one also ends the round (the GameOver to announce)."""
        self.round, hint = judge(self.round, player, number, self._clock())
        if hint.verdict is not Verdict.CORRECT:
            return hint, None
        finished = self.round
        self._wins[player] = self._wins.get(player, 0) + 1
        self._best[player] = min(self._best.get(player, hint.attempts), hint.attempts)
        assert finished.ended_at is not None
        self._recent.appendleft(
            RoundResult(
                finished.number,
                player,
                finished.secret,
                hint.attempts,
                finished.started_at,
                finished.ended_at,
            )
        )
        over = GameOver(
            round=finished.number,
            winner=player,
            secret=finished.secret,
            attempts=hint.attempts,
            next_round_at=finished.ended_at + self._pause,
            time=finished.ended_at,
        )
        return hint, over

    def next_round(self) -> RoundStarted:
        """Start the next round with a new secret, different from the last one."""
        previous = self.round
        self.round = Round(previous.number + 1, self._new_secret(previous.secret), self._clock())
        return RoundStarted(self.round.info(), self.round.started_at)

    def scoreboard(self) -> Scoreboard:
        players = sorted(self._wins, key=lambda p: (-self._wins[p], self._best[p], p))
        return Scoreboard(
            players=tuple(PlayerScore(p, self._wins[p], self._best[p]) for p in players),
            recent_rounds=tuple(self._recent),
        )

    def _new_secret(self, previous: int | None) -> int:
        for _ in range(100):
            secret = self._draw()
            if not LOW <= secret <= HIGH:
                raise ValueError(f"secret source gave {secret}, outside {LOW}..{HIGH}")
            if secret != previous:
                return secret
        raise RuntimeError("the secret source keeps repeating the previous secret")
