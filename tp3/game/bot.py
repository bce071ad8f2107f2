"""What a bot decides, apart from any connection: which number to guess and when, which rounds
it plays, when it is done. The CLI's `tp3 game bot` feeds it the game's events and sends the
guesses it asks for."""

import random
from datetime import datetime
from enum import StrEnum

from tp3.game.events import (
    GameEvent,
    GameOver,
    Hint,
    Notice,
    RoundInfo,
    RoundStarted,
    WaitingForRound,
)
from tp3.game.knowledge import RoundKnowledge

__all__ = ["MAX_PACE", "Bot", "GiveUp", "Strategy"]

MAX_PACE = 2.0
"""Seconds: the longest a rate-limited bot waits between two guesses."""


class Strategy(StrEnum):
    binary = "binary"
    """The middle of the range left: at most 10 guesses in 1..1000."""
    random = "random"
    """Any number in the range left."""


class GiveUp(Exception):
    """A notice that slowing down won't get past: retrying would fail forever."""

    def __init__(self, notice: Notice) -> None:
        super().__init__(notice.text)
        self.notice = notice


class Bot:
    """Plays by itself: one guess at a time, within the range its hints narrowed."""

    def __init__(
        self,
        joined: RoundInfo,
        strategy: Strategy = Strategy.binary,
        *,
        rounds: int | None = None,
        next_round: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        """`rounds`: done once that many rounds it played have ended (None: never);
        `next_round`: sit out the round in progress, so that bots started together race from
        the same start; `rng`: the random strategy's source (tests give a seeded one)."""
        self.strategy = strategy
        self.rounds = rounds
        self.knows = RoundKnowledge(joined)
        self.playing: int | None = None if next_round or not joined.open else joined.number
        """The round the bot takes part in (None: waiting for the next one)."""
        self.ended = 0
        """Rounds the bot took part in that have ended."""
        self.in_flight = False
        self.pace = 0.0
        """Seconds to wait before the next guess: grows while the server says we guess too
        fast, shrinks again as guesses pass."""
        self.random = rng or random.Random()

    @property
    def done(self) -> bool:
        return self.rounds is not None and self.ended >= self.rounds

    def waiting(self, now: datetime) -> WaitingForRound | None:
        """What to say when the bot sits out the round in progress: the round it waits for."""
        if self.playing is not None:
            return None
        return WaitingForRound(self.knows.round + 1, self.knows.next_round_at, now)

    def take(self, event: GameEvent) -> None:
        """Take in one of the game's events; GiveUp on a notice that isn't "too fast"."""
        match event:
            case Hint():
                self.in_flight = False
                self.pace = self.pace * 0.75 if self.pace > 0.01 else 0.0
                self.knows.learn(event)
            case Notice():
                self.in_flight = False
                if not event.retry_later:
                    raise GiveUp(event)
                self.pace = min(max(self.pace * 2, 0.05), MAX_PACE)
            case GameOver(round=number):
                self.knows.end(event)
                if number == self.playing:
                    self.playing = None
                    self.ended += 1
            case RoundStarted(round=info):
                self.knows.start(info)
                self.playing = info.number

    def next_guess(self) -> int | None:
        """The number to guess now (wait `pace` seconds first), counted as in flight until
        its hint; None while a guess is in flight, the round is over, or it sits it out."""
        knows = self.knows
        if self.in_flight or not knows.open or self.playing != knows.round:
            return None
        self.in_flight = True
        if self.strategy is Strategy.binary:
            return (knows.low + knows.high) // 2
        return self.random.randint(knows.low, knows.high)
