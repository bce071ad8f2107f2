"""Mapping between game events and the generated protobuf messages, both directions."""

from datetime import UTC, datetime

from tp3.game.events import (
    GameEvent,
    GameJoined,
    GameOver,
    Hint,
    Notice,
    PlayerScore,
    RoundInfo,
    RoundResult,
    RoundStarted,
    Scoreboard,
    ScoreboardChanged,
    Verdict,
    Watching,
)
from tp3.game.texts import render
from tp3.generated.tp3.game import v1 as pb

__all__ = [
    "event_from_proto",
    "event_to_proto",
    "heartbeat",
    "scoreboard_from_proto",
    "scoreboard_to_proto",
]


def heartbeat() -> pb.GameEvent:
    return pb.GameEvent(kind=pb.EventKind.HEARTBEAT, time=datetime.now(UTC))


_VERDICTS = {
    Verdict.TOO_HIGH: pb.Verdict.TOO_HIGH,
    Verdict.TOO_LOW: pb.Verdict.TOO_LOW,
    Verdict.CORRECT: pb.Verdict.CORRECT,
    Verdict.ROUND_OVER: pb.Verdict.ROUND_OVER,
}
_VERDICTS_BACK = {wire: domain for domain, wire in _VERDICTS.items()}


def _time(value: datetime | None) -> datetime:
    assert value is not None, "the server stamps every event"
    return value


def _round(r: RoundInfo) -> pb.Round:
    return pb.Round(
        number=r.number, low=r.low, high=r.high, open=r.open, next_round_at=r.next_round_at
    )


def _round_back(r: pb.Round | None) -> RoundInfo:
    assert r is not None
    return RoundInfo(r.number, r.low, r.high, r.open, r.next_round_at)


def scoreboard_to_proto(board: Scoreboard) -> pb.Scoreboard:
    return pb.Scoreboard(
        players=[
            pb.PlayerScore(name=p.name, wins=p.wins, best_attempts=p.best_attempts)
            for p in board.players
        ],
        recent_rounds=[
            pb.RoundResult(
                round=r.round,
                winner=r.winner,
                secret=r.secret,
                attempts=r.attempts,
                started_at=r.started_at,
                ended_at=r.ended_at,
            )
            for r in board.recent_rounds
        ],
    )


def scoreboard_from_proto(board: pb.Scoreboard | None) -> Scoreboard:
    assert board is not None
    return Scoreboard(
        players=tuple(PlayerScore(p.name, p.wins, p.best_attempts) for p in board.players),
        recent_rounds=tuple(
            RoundResult(
                r.round, r.winner, r.secret, r.attempts, _time(r.started_at), _time(r.ended_at)
            )
            for r in board.recent_rounds
        ),
    )


def event_to_proto(event: GameEvent) -> pb.GameEvent:
    text = render(event)
    match event:
        case GameJoined(round=r, time=time):
            return pb.GameEvent(kind=pb.EventKind.JOINED, text=text, time=time, round=_round(r))
        case Watching(round=r, time=time):
            kind = pb.EventKind.WATCHING
            return pb.GameEvent(kind=kind, text=text, time=time, round=_round(r))
        case RoundStarted(round=r, time=time):
            kind = pb.EventKind.ROUND_STARTED
            return pb.GameEvent(kind=kind, text=text, time=time, round=_round(r))
        case Hint():
            hint = pb.Hint(
                round=event.round,
                guess=event.guess,
                verdict=_VERDICTS[event.verdict],
                attempts=event.attempts,
                winner=event.winner or "",
            )
            return pb.GameEvent(kind=pb.EventKind.HINT, text=text, time=event.time, hint=hint)
        case GameOver():
            over = pb.GameOver(
                round=event.round,
                winner=event.winner,
                secret=event.secret,
                attempts=event.attempts,
                next_round_at=event.next_round_at,
            )
            kind = pb.EventKind.GAME_OVER
            return pb.GameEvent(kind=kind, text=text, time=event.time, game_over=over)
        case ScoreboardChanged(scoreboard=board, time=time):
            return pb.GameEvent(
                kind=pb.EventKind.SCOREBOARD,
                text=text,
                time=time,
                scoreboard=scoreboard_to_proto(board),
            )
        case Notice(status=status, text=notice_text):
            return pb.GameEvent(
                kind=pb.EventKind.NOTICE,
                text=text,
                time=datetime.now(UTC),
                notice=pb.Notice(code=status.value, text=notice_text),
            )
    raise AssertionError(f"unknown game event {event!r}")


def event_from_proto(e: pb.GameEvent) -> GameEvent | None:
    """The event; None for a heartbeat (nothing happened)."""
    time = _time(e.time)
    match e.kind:
        case pb.EventKind.HEARTBEAT:
            return None
        case pb.EventKind.JOINED:
            return GameJoined(_round_back(e.round), time)
        case pb.EventKind.WATCHING:
            return Watching(_round_back(e.round), time)
        case pb.EventKind.ROUND_STARTED:
            return RoundStarted(_round_back(e.round), time)
        case pb.EventKind.HINT:
            h = e.hint
            assert h is not None
            verdict = _VERDICTS_BACK[h.verdict]
            return Hint(h.round, h.guess, verdict, h.attempts, h.winner or None, time)
        case pb.EventKind.GAME_OVER:
            o = e.game_over
            assert o is not None
            return GameOver(o.round, o.winner, o.secret, o.attempts, _time(o.next_round_at), time)
        case pb.EventKind.SCOREBOARD:
            return ScoreboardChanged(scoreboard_from_proto(e.scoreboard), time)
        case pb.EventKind.NOTICE:
            n = e.notice
            assert n is not None
            return Notice.from_code(n.code, n.text)
    raise ValueError(f"unknown game event kind {e.kind!r}")
