"""What a player knows of the round in progress: the range its hints leave for the secret, and,
once the round is over, when the next one starts. Shared by the interactive player and the bot."""

from datetime import datetime

from tp3.game.events import GameEvent, GameOver, Hint, RoundInfo, Verdict, Watching
from tp3.game.texts import say
from tp3.lang import Lang

__all__ = ["RoundKnowledge", "next_round_at"]


class RoundKnowledge:
    """The current round as a player knows it: the range its hints narrowed the secret to."""

    round: int
    low: int
    high: int
    open: bool
    bounds: tuple[int, int]
    """The round's whole range (1 and 1000)."""
    next_round_at: datetime | None
    """Once the round is over: when the next one starts (None if the server did not say)."""

    def __init__(self, info: RoundInfo) -> None:
        self.start(info)

    def start(self, info: RoundInfo) -> None:
        """A round as the server describes it (joined, or started): nothing learnt yet."""
        self.round, self.low, self.high, self.open = info.number, info.low, info.high, info.open
        self.bounds = (info.low, info.high)
        self.next_round_at = info.next_round_at

    def learn(self, hint: Hint) -> bool:
        """Take in the hint to one of our guesses; True if it narrowed the range."""
        if hint.round != self.round:  # a guess judged in an earlier round
            return False
        before = (self.low, self.high)
        match hint.verdict:
            case Verdict.TOO_HIGH:
                self.high = min(self.high, hint.guess - 1)
            case Verdict.TOO_LOW:
                self.low = max(self.low, hint.guess + 1)
            case Verdict.CORRECT | Verdict.ROUND_OVER:
                self.open = False
        if self.low > self.high:  # contradicting hints: start again from the whole range
            self.low, self.high = self.bounds
        return (self.low, self.high) != before

    def end(self, over: GameOver) -> None:
        if over.round == self.round:
            self.open = False
            self.next_round_at = over.next_round_at

    def describe(self, lang: str = Lang.en) -> str:
        """The round and the range left: "round 3: guess a number between 501 and 1000"."""
        return say("round", lang, number=self.round, low=self.low, high=self.high)


def next_round_at(event: GameEvent) -> datetime | None:
    """When the next round starts, if `event` tells: a game over, or a closed round watched."""
    match event:
        case GameOver():
            return event.next_round_at
        case Watching(round=info) if not info.open:
            return info.next_round_at
    return None
