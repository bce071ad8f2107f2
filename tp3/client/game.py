"""Typed access to GuessingGame: a player session, one-shot guesses, spectating, scores.

async with tp3.game.play("alice") as game:
    await game.guess(500)
    async for event in game:        # Hint, GameOver, RoundStarted, Notice
        ...
"""

from collections.abc import AsyncGenerator

from grpclib.client import Channel

from tp3.client.errors import rpc_errors
from tp3.client.session import BidiSession
from tp3.client.streams import closing_stream, let_the_connection_run
from tp3.game import wire
from tp3.game.events import GameEvent, Hint, Joined, Scoreboard
from tp3.generated.tp3.game import v1 as pb

__all__ = ["AsyncGameClient", "GameSession"]

_PLAY = "/tp3.game.v1.GuessingGame/Play"  # the session drives the stream itself


class GameSession(BidiSession[pb.PlayRequest, pb.PlayResponse, GameEvent]):
    """One player in the game, round after round, from join to leave."""

    joined: Joined
    """The server's welcome: the current round."""

    def __init__(self, channel: Channel, target: str, timeout: float, name: str) -> None:
        super().__init__(channel, target, timeout, _PLAY, (pb.PlayRequest, pb.PlayResponse))
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
        if not isinstance(event, Joined):
            return False
        self.joined = event
        return True

    def _event(self, response: pb.PlayResponse) -> GameEvent | None:
        return wire.event_from_proto(response.event) if response.event else None


class AsyncGameClient:
    def __init__(self, channel: Channel, target: str, timeout: float) -> None:
        self._channel = channel
        self._stub = pb.GuessingGameStub(channel)
        self._target = target
        self.timeout = timeout

    def play(self, name: str) -> GameSession:
        """A player session as `name`; use it with `async with`."""
        return GameSession(self._channel, self._target, self.timeout, name)

    async def guess(self, player: str, number: int) -> Hint:
        """One guess without a session (unary): the same hint a session gets."""
        request = pb.GuessRequest(player=player, number=number)
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.guess(request, timeout=self.timeout)
        event = wire.event_from_proto(response.event) if response.event else None
        assert isinstance(event, Hint), "Guess answers with a hint"
        return event

    async def watch(self) -> AsyncGenerator[GameEvent, None]:
        """Spectate: the current round (Watching), then round starts, game overs and
        scoreboard changes as they happen. Leave early with `contextlib.aclosing`."""
        with rpc_errors(self._target, None):
            async with closing_stream(self._stub.watch(pb.WatchRequest())) as events:
                async for response in events:
                    if response.event is not None:
                        yield wire.event_from_proto(response.event)
                    await let_the_connection_run()

    async def scoreboard(self) -> Scoreboard:
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.scoreboard(timeout=self.timeout)
        return wire.scoreboard_from_proto(response.scoreboard)
