"""What players and spectators are told: the game's events, shared by service and client."""

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from tp3.notice import Notice

__all__ = [
    "GameEvent",
    "GameJoined",
    "GameOver",
    "Hint",
    "Notice",
    "PlayerScore",
    "RoundInfo",
    "RoundResult",
    "RoundStarted",
    "Scoreboard",
    "ScoreboardChanged",
    "Verdict",
    "WaitingForRound",
    "Watching",
]


class Verdict(Enum):
    TOO_HIGH = "too high"  # "your number is bigger": the secret is smaller
    TOO_LOW = "too low"  # "your number is smaller": the secret is bigger
    CORRECT = "correct"
    ROUND_OVER = "round over"  # someone else already won this round


@dataclass(frozen=True)
class RoundInfo:
    number: int
    low: int
    high: int
    open: bool
    next_round_at: datetime | None = None
    """When a closed round's successor starts (None while the round is open, or from a
    server too old to say)."""


@dataclass(frozen=True)
class GameJoined:
    """The answer to a player's join: the current round."""

    round: RoundInfo
    time: datetime


@dataclass(frozen=True)
class Watching:
    """The first event a spectator gets: the current round."""

    round: RoundInfo
    time: datetime


@dataclass(frozen=True)
class RoundStarted:
    round: RoundInfo
    time: datetime


@dataclass(frozen=True)
class Hint:
    round: int
    guess: int
    verdict: Verdict
    attempts: int
    """The player's guesses in this round so far, this one included."""
    winner: str | None
    """With ROUND_OVER: who won."""
    time: datetime


@dataclass(frozen=True)
class GameOver:
    round: int
    winner: str
    secret: int
    attempts: int
    next_round_at: datetime
    time: datetime


@dataclass(frozen=True)
class PlayerScore:
    name: str
    wins: int
    best_attempts: int


@dataclass(frozen=True)
class RoundResult:
    round: int
    winner: str
    secret: int
    attempts: int
    started_at: datetime
    ended_at: datetime


@dataclass(frozen=True)
class Scoreboard:
    players: tuple[PlayerScore, ...]
    """By wins (most first), then best attempts, then name."""
    recent_rounds: tuple[RoundResult, ...]
    """Newest first."""


@dataclass(frozen=True)
class ScoreboardChanged:
    scoreboard: Scoreboard
    time: datetime


@dataclass(frozen=True)
class WaitingForRound:
    """Not from the server: a client's own word that it sits out until round `round`, which
    starts at `next_round_at` (None: once the round in progress is won)."""

    round: int
    next_round_at: datetime | None
    time: datetime


GameEvent = GameJoined | Watching | RoundStarted | Hint | GameOver | ScoreboardChanged | Notice
