"""Jeu, the lab's game contract, on tp3's real rounds: a lab client races tp3's own players
in the same round, in the lab's French.

- Start: the round being played, then "Jeu terminé, le gagnant est …" when it ends (the
  stream ends there, as the original's does);
- Guess: a player named by its first request's `username`; each guess is answered "Votre
  nombre est plus petit" / "plus grand" / "BRAVO vous avez gagné"; another's win ends the
  round for it with "Jeu terminé, le gagnant est …" (the lab's clients stop on "BRAVO" or
  "Jeu terminé"); later rounds are announced, and the stream goes on while it guesses;
- Stop: the last round that ended (winner and secret), FAILED_PRECONDITION if none has.
"""

from collections.abc import AsyncIterator
from contextlib import aclosing

from tp3.errors import FailedPrecondition, ResourceExhausted
from tp3.game.backend import GameBackend, PlayerSession
from tp3.game.events import (
    GameEvent,
    GameOver,
    Hint,
    Notice,
    RoundInfo,
    RoundStarted,
    Verdict,
)
from tp3.generated import Empty, GuessRequest, JeuBase, Result
from tp3.rpc.auth import claimed_name
from tp3.rpc.context import current_rpc
from tp3.rpc.session import Requests, chained, serve_session
from tp3.rpc.status import notice_for

__all__ = ["LabJeuService", "lab_result"]

_VERDICTS = {
    Verdict.TOO_LOW: "Votre nombre est plus petit",  # the secret is bigger
    Verdict.TOO_HIGH: "Votre nombre est plus grand",
    Verdict.CORRECT: "BRAVO vous avez gagné",
}


def game_over(winner: str) -> Result:
    return Result(message=f"Jeu terminé, le gagnant est {winner}", winner=winner)


def _round(info: RoundInfo) -> Result:
    if not info.open:  # between two rounds
        return Result(message=f"Manche {info.number} finie : la suivante commence bientôt")
    return Result(
        message=f"Le jeu a commencé (manche {info.number}) : devinez un nombre entre"
        f" {info.low} et {info.high}"
    )


def lab_result(event: GameEvent, player: str = "") -> Result | None:
    """The lab's words for `event`, as `player` gets it; None for what the lab never says
    (a join, a scoreboard)."""
    match event:
        case Hint(verdict=Verdict.ROUND_OVER, winner=winner):
            return game_over(winner or "")
        case Hint(verdict=verdict, attempts=attempts):
            text = _VERDICTS[verdict]
            if verdict is Verdict.CORRECT:
                return Result(message=f"{text} en {attempts} essais", winner=player)
            return Result(message=text)
        case GameOver(winner=winner):
            return game_over(winner)
        case RoundStarted(round=info):
            return _round(info)
        case Notice(text=text):
            return Result(message=text)
    return None


def _too_slow() -> ResourceExhausted:
    return ResourceExhausted("disconnected: you read the game's events too slowly")


class LabJeuService(JeuBase):
    def __init__(self, backend: GameBackend) -> None:
        self._backend = backend

    async def start(self, message: Empty) -> AsyncIterator[Result]:
        spectator = await self._backend.watch()
        events = serve_session(
            _round(spectator.watching.round),
            spectator.inbox,
            lab_result,
            leave=lambda _: self._backend.unwatch(spectator),
            too_slow=_too_slow,
            notice=notice_for,
        )
        async with aclosing(events):
            async for result in events:
                yield result
                if result.winner:
                    return  # the round is over: so is Start, as in the original

    async def guess(self, messages: AsyncIterator[GuessRequest]) -> AsyncIterator[Result]:
        first = await anext(messages, None)
        if first is None:
            return
        player = await self._backend.join(
            claimed_name(first.username, "username"), current_rpc().origin()
        )
        results = serve_session(
            None,
            player.inbox,
            lambda event: lab_result(event, player.name),
            leave=lambda reason: self._backend.leave(player, reason),
            too_slow=_too_slow,
            notice=notice_for,
            requests=Requests(chained(first, messages), lambda r: self._guess(player, r)),
        )
        async for result in results:
            yield result

    async def _guess(self, player: PlayerSession, request: GuessRequest) -> bool:
        await self._backend.play_guess(player, request.guess)
        return True  # the lab has no leave: its client ends the stream

    async def stop(self, message: Empty) -> Result:
        rounds = (await self._backend.scoreboard()).recent_rounds
        if not rounds:
            raise FailedPrecondition("Le jeu n'est pas encore terminé : aucune manche n'est finie")
        last = rounds[0]
        return Result(
            message=(
                f"Jeu terminé, le gagnant est {last.winner} et le nombre secret était {last.secret}"
            ),
            winner=last.winner,
        )
