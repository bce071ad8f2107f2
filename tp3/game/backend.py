"""Where the game lives: the interface the service talks to, and its in-memory version.

The in-memory backend owns the one running Game, the connected players' and spectators'
mailboxes, the per-player rate limit, and the timer that starts the next round.
"""

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from tp3.errors import AlreadyExists
from tp3.game.events import (
    GameEvent,
    GameJoined,
    GameOver,
    Hint,
    Scoreboard,
    ScoreboardChanged,
    Watching,
)
from tp3.game.game import Game, draw_secret, utc_now
from tp3.mailbox import Inbox, LeaveReason, Mailbox
from tp3.names import name_key, taken, valid_name
from tp3.ratelimit import ActionLimit, Origin

__all__ = ["GameBackend", "GameLimits", "InMemoryGameBackend", "PlayerSession", "Spectator"]


@dataclass(frozen=True)
class GameLimits:
    pause: float = 3.0
    """Seconds between a win and the next round."""
    guesses_per_second: float = 10.0
    """Per player and per connection; more is refused with a RESOURCE_EXHAUSTED notice."""
    client_guesses_per_second: float = 100.0
    """Per client address, all its players together: one client using a thousand names
    can't brute-force the secret."""
    mailbox_size: int = 256
    """Events buffered per player or spectator before it is dropped as too slow."""


@dataclass(frozen=True)
class PlayerSession:
    name: str
    joined: GameJoined
    inbox: Inbox[GameEvent]
    origin: Origin | None = None


@dataclass(frozen=True)
class Spectator:
    watching: Watching
    inbox: Inbox[GameEvent]


class GameBackend(ABC):
    @abstractmethod
    async def join(self, name: str, origin: Origin | None = None) -> PlayerSession:
        """`origin`: where the player connects from, for rate limits."""

    @abstractmethod
    async def play_guess(self, session: PlayerSession, number: int) -> None:
        """Judge a connected player's guess; its hint arrives in the player's mailbox, before
        the GameOver a winning guess causes."""

    @abstractmethod
    async def casual_guess(self, name: str, number: int, origin: Origin | None = None) -> Hint:
        """Judge a guess from a player with no session (unary Guess)."""

    @abstractmethod
    async def leave(self, session: PlayerSession, reason: LeaveReason) -> None:
        """Idempotent."""

    @abstractmethod
    async def watch(self) -> Spectator: ...

    @abstractmethod
    async def unwatch(self, spectator: Spectator) -> None: ...

    @abstractmethod
    async def scoreboard(self) -> Scoreboard: ...

    @property
    def healthy(self) -> bool:
        """Whether it can serve now (a shared store that can't be reached: no)."""
        return True

    @abstractmethod
    async def start(self) -> None:
        """Connect to what the backend shares (the server calls it before it listens);
        Unavailable if that can't be reached."""

    @abstractmethod
    async def close(self) -> None:
        """Stop the game's timers (server shutdown)."""


class InMemoryGameBackend(GameBackend):
    def __init__(
        self, limits: GameLimits | None = None, *, draw: Callable[[], int] = draw_secret
    ) -> None:
        """`draw` gives the secrets: tests inject their own, never through the API."""
        self.limits = limits or GameLimits()
        self.game = Game(pause=timedelta(seconds=self.limits.pause), draw=draw)
        self._players: dict[str, PlayerSession] = {}  # by name_key
        self._spectators: set[Spectator] = set()
        self._guesses = ActionLimit(
            "guesses",
            self.limits.guesses_per_second,
            self.limits.client_guesses_per_second,
            per_connection=True,  # one client trying many names
        )
        self._next_round: asyncio.TimerHandle | None = None

    @property
    def player_count(self) -> int:
        return len(self._players)

    @property
    def spectator_count(self) -> int:
        return len(self._spectators)

    async def join(self, name: str, origin: Origin | None = None) -> PlayerSession:
        player = valid_name(name, "name")
        key = name_key(player)
        present = self._players.get(key)
        if present is not None:
            raise AlreadyExists(f"name: {taken(player, present.name)} in the game")
        joined = GameJoined(self.game.info(), utc_now())
        session = PlayerSession(player, joined, Mailbox(self.limits.mailbox_size), origin)
        self._players[key] = session
        return session

    async def play_guess(self, session: PlayerSession, number: int) -> None:
        hint, over = self._judge(session.name, number, session.origin)
        self._deliver([session.inbox], hint)
        if over is not None:
            self._announce(over)

    async def casual_guess(self, name: str, number: int, origin: Origin | None = None) -> Hint:
        player = valid_name(name, "player")
        present = self._players.get(name_key(player))
        if present is not None:
            raise AlreadyExists(
                f"player: {taken(player, present.name)} through Play; guess in that session"
            )
        hint, over = self._judge(player, number, origin)
        if over is not None:
            self._announce(over)
        return hint

    async def leave(self, session: PlayerSession, reason: LeaveReason) -> None:
        key = name_key(session.name)
        if self._players.get(key) is session:
            del self._players[key]
            self._guesses.forget(key)
        session.inbox.close(reason)

    async def watch(self) -> Spectator:
        watching = Watching(self.game.info(), utc_now())
        spectator = Spectator(watching, Mailbox(self.limits.mailbox_size))
        self._spectators.add(spectator)
        return spectator

    async def unwatch(self, spectator: Spectator) -> None:
        self._spectators.discard(spectator)
        spectator.inbox.close(LeaveReason.LEFT)

    async def scoreboard(self) -> Scoreboard:
        return self.game.scoreboard()

    async def start(self) -> None:
        pass  # the game lives in this process: nothing to connect

    async def close(self) -> None:
        if self._next_round is not None:
            self._next_round.cancel()

    def _judge(
        self, player: str, number: int, origin: Origin | None
    ) -> tuple[Hint, GameOver | None]:
        self._guesses.check(name_key(player), origin)
        return self.game.guess(player, number)

    def _announce(self, over: GameOver) -> None:
        """Tell everyone who won, spectators the new scoreboard, and start the next round
        after the pause."""
        everyone = [p.inbox for p in self._players.values()]
        everyone += [s.inbox for s in self._spectators]
        self._deliver(everyone, over)
        changed = ScoreboardChanged(self.game.scoreboard(), over.time)
        self._deliver([s.inbox for s in self._spectators], changed)
        loop = asyncio.get_running_loop()
        self._next_round = loop.call_later(self.limits.pause, self._start_next_round)

    def _start_next_round(self) -> None:
        self._next_round = None
        started = self.game.next_round()
        everyone = [p.inbox for p in self._players.values()]
        everyone += [s.inbox for s in self._spectators]
        self._deliver(everyone, started)

    def _deliver(self, mailboxes: Iterable[Inbox[GameEvent]], event: GameEvent) -> None:
        """Hand `event` to each; one whose mailbox is full is dropped as too slow."""
        for mailbox in mailboxes:
            if not mailbox.put(event):
                self._drop(mailbox)

    def _drop(self, mailbox: Inbox[GameEvent]) -> None:
        for key, session in list(self._players.items()):
            if session.inbox is mailbox:
                del self._players[key]
        self._spectators = {s for s in self._spectators if s.inbox is not mailbox}
        mailbox.close(LeaveReason.TOO_SLOW)
