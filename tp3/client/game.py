"""Typed access to GuessingGame: a player session, one-shot guesses, spectating, scores.

async with tp3.game.play("alice") as game:
    await game.guess(500)
    async for event in game:        # Hint, GameOver, RoundStarted, Notice
        ...
"""

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing

from grpclib.client import Channel
from grpclib.const import Cardinality

from tp3.client.errors import Tp3RpcError, rpc_errors
from tp3.client.reconnect import RETRYABLE, Reconnect, Reconnected, with_retries
from tp3.client.session import BidiSession
from tp3.client.streams import received
from tp3.game import wire
from tp3.game.events import GameEvent, GameJoined, Hint, Scoreboard, Watching
from tp3.generated.tp3.game import v1 as pb

__all__ = ["AsyncGameClient", "GameSession"]

_PLAY = "/tp3.game.v1.GuessingGame/Play"  # the session drives the stream itself
_WATCH = "/tp3.game.v1.GuessingGame/Watch"


class GameSession(BidiSession[pb.PlayRequest, pb.PlayResponse, GameEvent]):
    """One player in the game, round after round, from join to leave."""

    joined: GameJoined
    """The server's welcome: the current round."""

    def __init__(
        self,
        channel: Channel,
        target: str,
        timeout: float,
        name: str,
        reconnect: Reconnect | None = None,
    ) -> None:
        types = (pb.PlayRequest, pb.PlayResponse)
        super().__init__(channel, target, timeout, _PLAY, types, reconnect)
        self._name = name

    async def guess(self, number: int) -> None:
        """Guess in the current round; the Hint comes as an event."""
        await self._send(pb.PlayRequest(guess=pb.Guess(number=number)))

    def _join_request(self) -> pb.PlayRequest:
        return pb.PlayRequest(join=pb.Join(name=self._name))

    def _leave_request(self) -> pb.PlayRequest:
        return pb.PlayRequest(leave=pb.Leave())

    def _welcome(self, response: pb.PlayResponse) -> bool:
        event = wire.event_from_proto(response.event) if response.event else None
        if not isinstance(event, GameJoined):
            return False
        self.joined = event
        return True

    def _events(self, response: pb.PlayResponse) -> list[GameEvent]:
        event = wire.event_from_proto(response.event) if response.event else None
        return [] if event is None else [event]  # None: a heartbeat

    def _replay(self) -> tuple[list[GameEvent], str]:
        """The round as it is now: guesses made before the loss went to an earlier one, or
        are lost (their hints were never seen)."""
        return [self.joined], f"round {self.joined.round.number}"


class AsyncGameClient:
    def __init__(self, channel: Channel, target: str, timeout: float) -> None:
        self._channel = channel
        self._stub = pb.GuessingGameStub(channel)
        self._target = target
        self.timeout = timeout

    def play(self, name: str, *, reconnect: Reconnect | None = None) -> GameSession:
        """A player session as `name`; use it with `async with`. With `reconnect`, a session
        the server drops with UNAVAILABLE comes back by itself, in the current round."""
        return GameSession(self._channel, self._target, self.timeout, name, reconnect)

    async def guess(self, player: str, number: int) -> Hint:
        """One guess without a session (unary): the same hint a session gets."""
        request = pb.GuessRequest(player=player, number=number)
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.guess(request, timeout=self.timeout)
        event = wire.event_from_proto(response.event) if response.event else None
        assert isinstance(event, Hint), "Guess answers with a hint"
        return event

    async def watch(
        self, *, reconnect: Reconnect | None = None
    ) -> AsyncGenerator[GameEvent | Reconnected, None]:
        """Spectate: the current round (Watching), then round starts, game overs and
        scoreboard changes as they happen. Leave early with `contextlib.aclosing`. With
        `reconnect`, UNAVAILABLE is followed by `Reconnected` and a new Watching."""
        events, first = await self._subscribe()
        came_back: Reconnected | None = None
        while True:
            try:
                async with aclosing(events):
                    if came_back is not None:
                        yield came_back
                    yield first
                    async for event in events:
                        yield event
                return
            except Tp3RpcError as error:
                if reconnect is None or error.status not in RETRYABLE:
                    raise
            (events, first), tries = await with_retries(reconnect, self._subscribe)
            resumed = f"round {first.round.number}" if isinstance(first, Watching) else "watching"
            came_back = Reconnected(self._target, tries, resumed)

    async def _subscribe(self) -> tuple[AsyncGenerator[GameEvent, None], GameEvent]:
        """A Watch stream, and its first event (which proves it open)."""
        events = self._watch_once()
        try:  # a server that accepts and never answers must not hang a spectator forever
            with rpc_errors(self._target, self.timeout):
                async with asyncio.timeout(self.timeout):
                    first = await anext(events)
        except BaseException:
            await events.aclose()
            raise
        return events, first

    async def _watch_once(self) -> AsyncGenerator[GameEvent, None]:
        types = (pb.WatchRequest, pb.WatchResponse)
        with rpc_errors(self._target, None):
            async with self._channel.request(_WATCH, Cardinality.UNARY_STREAM, *types) as stream:
                await stream.send_message(pb.WatchRequest(), end=True)
                async for response in received(stream):  # the drain's notice included
                    event = wire.event_from_proto(response.event) if response.event else None
                    if event is not None:  # None: a heartbeat
                        yield event

    async def scoreboard(self) -> Scoreboard:
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.scoreboard(timeout=self.timeout)
        return wire.scoreboard_from_proto(response.scoreboard)
