"""The game: rounds one after the other, and the scoreboard. Synchronous and pure.

Every guess is judged to completion without waiting, so when many correct guesses arrive at
the same instant the first one judged wins and the others are told the round is over.
"""

import secrets
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from tp3.game.events import (
    GameOver,
    Hint,
    PlayerScore,
    RoundInfo,
    RoundResult,
    RoundStarted,
    Scoreboard,
    Verdict,
)
from tp3.game.rules import HIGH, LOW, Round, judge

__all__ = [
    "Game",
    "Seen",
    "draw_secret",
    "game_over",
    "missed",
    "new_secret",
    "ranked",
    "result_of",
    "utc_now",
]

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
        self.round = Round(1, new_secret(self._draw, None), clock())

    def guess(self, player: str, number: int) -> tuple[Hint, GameOver | None]:
        """Judge a guess; a winning one also ends the round (the GameOver to announce)."""
        self.round, hint = judge(self.round, player, number, self._clock())
        if hint.verdict is not Verdict.CORRECT:
            return hint, None
        result = result_of(self.round, hint)
        self._wins[player] = self._wins.get(player, 0) + 1
        self._best[player] = min(self._best.get(player, hint.attempts), hint.attempts)
        self._recent.appendleft(result)
        return hint, game_over(result, self._pause)

    def next_round(self) -> RoundStarted:
        """Start the next round with a new secret, different from the last one."""
        previous = self.round
        self.round = Round(
            previous.number + 1, new_secret(self._draw, previous.secret), self._clock()
        )
        return RoundStarted(self.round.info(), self.round.started_at)

    def info(self) -> RoundInfo:
        """The current round as a joining player or spectator sees it (with, once it is over,
        when the next one starts)."""
        return self.round.info(self._pause)

    def scoreboard(self) -> Scoreboard:
        return Scoreboard(ranked(self._wins, self._best), tuple(self._recent))


def new_secret(draw: Callable[[], int], previous: int | None) -> int:
    """A secret from `draw`, other than the previous round's."""
    for _ in range(100):
        secret = draw()
        if not LOW <= secret <= HIGH:
            raise ValueError(f"secret source gave {secret}, outside {LOW}..{HIGH}")
        if secret != previous:
            return secret
    raise RuntimeError("the secret source keeps repeating the previous secret")


def result_of(won: Round, winning: Hint) -> RoundResult:
    """What a round that `winning` won goes down as."""
    assert won.winner is not None
    assert won.ended_at is not None
    return RoundResult(
        won.number, won.winner, won.secret, winning.attempts, won.started_at, won.ended_at
    )


def game_over(result: RoundResult, pause: timedelta) -> GameOver:
    """What everyone is told of a won round; the next one starts after `pause`."""
    return GameOver(
        round=result.round,
        winner=result.winner,
        secret=result.secret,
        attempts=result.attempts,
        next_round_at=result.ended_at + pause,
        time=result.ended_at,
    )


class Seen(NamedTuple):
    """The last of a round's events a subscriber was handed: its start, or its end."""

    round: int
    over: bool

    @classmethod
    def of(cls, event: "RoundStarted | GameOver") -> "Seen":
        if isinstance(event, GameOver):
            return cls(event.round, over=True)
        return cls(event.round.number, over=False)


def missed(
    seen: Seen, current: Round, recent: Sequence[RoundResult], pause: timedelta
) -> list[RoundStarted | GameOver]:
    """What subscribers who last saw `seen` missed, now that the round is `current`: the end
    of the round they saw, the start of the current one, and its end: each if it happened
    and is known (`recent`, newest first, may no longer hold an old round's result). The
    rounds wholly in between are skipped: only the scoreboard still tells of them."""

    def ended(number: int) -> list[RoundStarted | GameOver]:
        found = next((r for r in recent if r.round == number), None)
        return [game_over(found, pause)] if found is not None else []

    if current.number == seen.round:
        return ended(current.number) if not seen.over and not current.open else []
    events: list[RoundStarted | GameOver] = [] if seen.over else ended(seen.round)
    events.append(RoundStarted(current.info(), current.started_at))
    return events if current.open else events + ended(current.number)


def ranked(wins: Mapping[str, int], best: Mapping[str, int]) -> tuple[PlayerScore, ...]:
    """The scoreboard's order: most wins, then fewest attempts in a win, then name."""
    players = sorted(wins, key=lambda p: (-wins[p], best[p], p))
    return tuple(PlayerScore(p, wins[p], best[p]) for p in players)
