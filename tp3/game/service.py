"""The grpclib GuessingGame service: sessions for players and spectators over the backend."""

from collections.abc import AsyncIterator
from functools import lru_cache
from typing import cast

from tp3.errors import FailedPrecondition, InvalidArgument, ResourceExhausted
from tp3.game import wire
from tp3.game.backend import GameBackend, PlayerSession
from tp3.game.events import GameEvent
from tp3.generated.tp3.game import v1 as pb
from tp3.rpc.auth import claimed_name
from tp3.rpc.codec import PreEncoded
from tp3.rpc.context import current_rpc
from tp3.rpc.session import Heartbeat, Requests, SessionCount, opening_join, serve_session
from tp3.rpc.status import notice_for
from tp3.rpc.upb import serialize

__all__ = ["GameService"]


def _too_slow() -> ResourceExhausted:
    return ResourceExhausted(
        "disconnected: you read the game's events too slowly; join again to go on playing"
    )


# Serialized once, however many players or spectators an event goes to (a GameOver goes to
# every one); the codec sends the bytes as they are. Events are immutable and hashable.
@lru_cache(maxsize=1024)
def _play_response(event: GameEvent) -> pb.PlayResponse:
    encoded = serialize(pb.PlayResponse(event=wire.event_to_proto(event)))
    return cast(pb.PlayResponse, PreEncoded(encoded))


@lru_cache(maxsize=1024)
def _watch_response(event: GameEvent) -> pb.WatchResponse:
    encoded = serialize(pb.WatchResponse(event=wire.event_to_proto(event)))
    return cast(pb.WatchResponse, PreEncoded(encoded))


class GameService(pb.GuessingGameBase):
    def __init__(self, backend: GameBackend, *, heartbeat: float | None = None) -> None:
        """`heartbeat`: seconds of quiet after which a session is sent a heartbeat."""
        self._backend = backend
        self.sessions = SessionCount()
        self._play_heartbeat = self._watch_heartbeat = None
        if heartbeat:
            self._play_heartbeat = Heartbeat(
                heartbeat, lambda: pb.PlayResponse(event=wire.heartbeat())
            )
            self._watch_heartbeat = Heartbeat(
                heartbeat, lambda: pb.WatchResponse(event=wire.heartbeat())
            )

    @property
    def active_sessions(self) -> int:
        """Play and Watch RPCs being served now."""
        return self.sessions.value

    async def play(self, messages: AsyncIterator[pb.PlayRequest]) -> AsyncIterator[pb.PlayResponse]:
        join = await opening_join(messages, lambda request: request.join, "game")
        if join is None:
            return  # the client left before joining
        session = await self._backend.join(claimed_name(join.name, "name"), current_rpc().origin())
        responses = serve_session(
            _play_response(session.joined),
            session.inbox,
            _play_response,
            leave=lambda reason: self._backend.leave(session, reason),
            too_slow=_too_slow,
            notice=notice_for,
            requests=Requests(messages, lambda request: self._apply(request, session)),
            count=self.sessions,
            heartbeat=self._play_heartbeat,
        )
        async for response in responses:
            yield response

    async def _apply(self, request: pb.PlayRequest, session: PlayerSession) -> bool:
        """Apply one request; False for a leave."""
        if request.leave is not None:
            return False
        if request.guess is not None:
            await self._backend.play_guess(session, request.guess.number)
        elif request.join is not None:
            raise FailedPrecondition(f"already playing as {session.name!r}")
        else:
            raise InvalidArgument("action", "a game request must be join, guess or leave")
        return True

    async def guess(self, message: pb.GuessRequest) -> pb.GuessResponse:
        hint = await self._backend.casual_guess(
            claimed_name(message.player, "player"), message.number, current_rpc().origin()
        )
        return pb.GuessResponse(event=wire.event_to_proto(hint))

    async def watch(self, message: pb.WatchRequest) -> AsyncIterator[pb.WatchResponse]:
        spectator = await self._backend.watch()
        responses = serve_session(
            _watch_response(spectator.watching),
            spectator.inbox,
            _watch_response,
            leave=lambda _: self._backend.unwatch(spectator),
            too_slow=_too_slow,
            notice=notice_for,
            count=self.sessions,
            heartbeat=self._watch_heartbeat,
        )
        async for response in responses:
            yield response

    async def scoreboard(self, message: pb.ScoreboardRequest) -> pb.ScoreboardResponse:
        board = await self._backend.scoreboard()
        return pb.ScoreboardResponse(scoreboard=wire.scoreboard_to_proto(board))
