"""The game shared by every replica through Redis: `tp3 serve --backend redis://...`.

The round is one key, its attempts a hash; a guess is judged by tp3.game.rules.judge (the
in-memory backend's own decision) against the round as stored. A win is written in an
optimistic transaction (WATCH the round, write the won round, EXEC; if another win got in
first, judge again: ROUND_OVER): of simultaneous correct guesses on any replicas exactly one
wins. A miss changes only its player's attempt count, so misses never contend. The winning
transaction also counts the win (a sorted set), the best attempts, the recent rounds, and
PUBLISHes the GameOver. Every replica hands the game's events to its own players and
spectators (a guesser's after its hint), and after the pause tries to start the next round:
a transaction that only the first to run completes, so it starts once. Guess rates are
counted in Redis, for all replicas together. A replica that was cut from the events catches
its players up on the round when it subscribes again (tp3.game.game.missed).
"""

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError, WatchError

from tp3.errors import AlreadyExists
from tp3.game.backend import GameBackend, GameLimits, PlayerSession, Spectator
from tp3.game.events import (
    GameEvent,
    GameJoined,
    GameOver,
    Hint,
    RoundResult,
    RoundStarted,
    Scoreboard,
    ScoreboardChanged,
    Verdict,
    Watching,
)
from tp3.game.game import Seen, draw_secret, game_over, missed, new_secret, ranked, result_of
from tp3.game.rules import Round, judge
from tp3.mailbox import Inbox, LeaveReason, Mailbox
from tp3.names import name_key, taken, valid_name
from tp3.ratelimit import Origin
from tp3.redis_shared import HEARTBEAT, Replica, SharedActionLimit, connect, subscriber, unavailable

__all__ = ["RedisGameBackend"]

log = logging.getLogger("tp3.game.redis")

PREFIX = "tp3:game:"
ROUND = PREFIX + "round"
PLAYERS = PREFIX + "players"  # name key -> {name, id, replica}
WINS = PREFIX + "wins"  # sorted set: name -> wins
BEST = PREFIX + "best"  # hash: name -> fewest attempts in a win
RECENT = PREFIX + "recent"  # list of RoundResult JSON, newest first
EVENTS = PREFIX + "events"
RECENT_ROUNDS = 10

# KEYS: players. ARGV: name key, player id. Removes the player if it is still that one.
_LEAVE = """
local player = redis.call('HGET', KEYS[1], ARGV[1])
if player and cjson.decode(player).id == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


def _now() -> datetime:
    return datetime.now(UTC)


class RedisGameBackend(GameBackend):
    def __init__(
        self, url: str, limits: GameLimits | None = None, *, draw: Callable[[], int] = draw_secret
    ) -> None:
        self.limits = limits or GameLimits()
        self._pause = timedelta(seconds=self.limits.pause)
        self._draw = draw
        self._redis = connect(url)
        self._events = subscriber(url)  # a lost subscription must be noticed: see _pump
        self.replica = Replica(self._redis)
        self._leave = self._redis.register_script(_LEAVE)
        self._guesses = SharedActionLimit(
            self._redis,
            "guesses",
            self.limits.guesses_per_second,
            self.limits.client_guesses_per_second,
            per_connection=True,
            replica=self.replica,
        )
        self._players: dict[str, tuple[PlayerSession, str]] = {}  # name key -> (session, id)
        self._spectators: set[Spectator] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._listening = asyncio.Event()
        self._subscribed = False
        self._seen = Seen(0, over=True)  # what this replica handed out last: see _catch_up
        self._held: dict[str, list[GameEvent]] = {}  # name key -> events after its hint

    async def start(self) -> None:
        """The first round if there is none yet; subscribe; start the heartbeat."""
        with unavailable("game"):
            await self.replica.beat()
            current = await self._ensure_round()
        self._seen = Seen(current.number, over=not current.open)
        self._tasks = [
            asyncio.create_task(self._pump(), name="tp3-game-redis-pump"),
            asyncio.create_task(self._keep_alive(), name="tp3-game-redis-heartbeat"),
        ]
        async with asyncio.timeout(10):
            await self._listening.wait()

    async def close(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for key, (_, player_id) in list(self._players.items()):
            with contextlib.suppress(RedisError, OSError):
                await self._leave(keys=[PLAYERS], args=[key, player_id])
        with contextlib.suppress(RedisError, OSError):
            await self.replica.stop()
        await self._redis.aclose()
        await self._events.aclose()

    @property
    def healthy(self) -> bool:
        return self._subscribed

    # --- the interface ----------------------------------------------------------------------

    async def join(self, name: str, origin: Origin | None = None) -> PlayerSession:
        player = valid_name(name, "name")
        key = name_key(player)
        player_id = secrets.token_hex(8)
        record = self._player_json(player, player_id)
        with unavailable("game"):
            if not await self._redis.hsetnx(PLAYERS, key, record):
                present = json.loads(await self._redis.hget(PLAYERS, key) or "{}")
                if present and await self.replica.alive(present["replica"]):
                    raise AlreadyExists(f"name: {taken(player, present['name'])} in the game")
                await self._redis.hset(PLAYERS, key, record)  # its replica died: free
            current = await self._round()
        session = PlayerSession(
            player,
            GameJoined(current.info(self._pause), _now()),
            Mailbox(self.limits.mailbox_size),
            origin,
        )
        self._players[key] = (session, player_id)
        return session

    async def play_guess(self, session: PlayerSession, number: int) -> None:
        """The hint comes first: the game's events that Redis publishes meanwhile (a GameOver
        this very guess caused, often) are held for this player until it is handed out."""
        key = name_key(session.name)
        self._held[key] = []
        try:
            hint = await self._judge(session.name, number, session.origin)
            self._deliver([session.inbox], hint)
        finally:
            self._deliver([session.inbox], *self._held.pop(key))

    async def casual_guess(self, name: str, number: int, origin: Origin | None = None) -> Hint:
        player = valid_name(name, "player")
        with unavailable("game"):
            present = await self._redis.hget(PLAYERS, name_key(player))
        if present is not None:
            found = json.loads(present)["name"]
            raise AlreadyExists(
                f"player: {taken(player, found)} through Play; guess in that session"
            )
        return await self._judge(player, number, origin)

    async def leave(self, session: PlayerSession, reason: LeaveReason) -> None:
        key = name_key(session.name)
        mine = self._players.get(key)
        if mine is not None and mine[0] is session:
            del self._players[key]
            with unavailable("game"):
                await self._leave(keys=[PLAYERS], args=[key, mine[1]])
        session.inbox.close(reason)

    async def watch(self) -> Spectator:
        with unavailable("game"):
            current = await self._round()
        spectator = Spectator(
            Watching(current.info(self._pause), _now()), Mailbox(self.limits.mailbox_size)
        )
        self._spectators.add(spectator)
        return spectator

    async def unwatch(self, spectator: Spectator) -> None:
        self._spectators.discard(spectator)
        spectator.inbox.close(LeaveReason.LEFT)

    async def scoreboard(self) -> Scoreboard:
        with unavailable("game"):
            wins: list[Any] = await self._redis.zrange(WINS, 0, -1, withscores=True)
            best: dict[str, str] = await self._redis.hgetall(BEST)  # type: ignore[assignment]
            recent = await self._redis.lrange(RECENT, 0, RECENT_ROUNDS - 1)
        return Scoreboard(
            ranked({p: int(w) for p, w in wins}, {p: int(b) for p, b in best.items()}),
            tuple(_result(json.loads(r)) for r in recent),
        )

    # --- deciding, in transactions ------------------------------------------------------------

    async def _judge(self, player: str, number: int, origin: Origin | None) -> Hint:
        with unavailable("game"):
            await self._guesses.check(name_key(player), origin)
            async with self._redis.pipeline(transaction=True) as pipe:
                while True:
                    try:
                        return await self._judge_once(pipe, player, number)
                    except WatchError:
                        continue  # the round changed under a winning guess: judge again

    async def _judge_once(self, pipe: Any, player: str, number: int) -> Hint:
        """Judge against the round as stored. Only a win changes the round, so only a win
        needs the transaction; a miss just counts the attempt (one player guesses one at a
        time), and never makes other guesses retry."""
        await pipe.watch(ROUND)
        current = _round(await pipe.get(ROUND))
        key = name_key(player)
        attempts = _attempts_key(current.number)
        tries = int(await pipe.hget(attempts, key) or 0)
        after, hint = judge(replace(current, attempts={key: tries}), player, number, _now())
        if hint.verdict is not Verdict.CORRECT:
            await pipe.reset()
            if hint.verdict is not Verdict.ROUND_OVER:
                await self._redis.hset(attempts, key, hint.attempts)
            return hint
        result = result_of(after, hint)
        await pipe.watch(BEST)
        best = await pipe.hget(BEST, player)
        pipe.multi()
        pipe.set(ROUND, _round_json(after))
        pipe.hset(attempts, key, hint.attempts)
        pipe.zincrby(WINS, 1, player)
        pipe.hset(BEST, player, min(int(best or hint.attempts), hint.attempts))
        pipe.lpush(RECENT, json.dumps(asdict(result), default=str))
        pipe.ltrim(RECENT, 0, RECENT_ROUNDS - 1)
        pipe.publish(EVENTS, _event_json(game_over(result, self._pause)))
        await pipe.execute()
        return hint

    async def _start_next_round(self, finished: int) -> None:
        """Start the round after `finished`, unless a replica already did."""
        async with self._redis.pipeline(transaction=True) as pipe:
            with contextlib.suppress(WatchError):  # another replica started it
                await self._start_once(pipe, finished)

    async def _start_once(self, pipe: Any, finished: int) -> None:
        await pipe.watch(ROUND)
        current = _round(await pipe.get(ROUND))
        if current.number != finished or current.open:
            await pipe.reset()
            return
        following = Round(finished + 1, new_secret(self._draw, current.secret), _now())
        pipe.multi()
        pipe.set(ROUND, _round_json(following))
        pipe.delete(_attempts_key(finished))
        pipe.publish(EVENTS, _event_json(RoundStarted(following.info(), _now())))
        await pipe.execute()

    def _player_json(self, name: str, player_id: str) -> str:
        return json.dumps({"name": name, "id": player_id, "replica": self.replica.id})

    async def _round(self) -> Round:
        return _round(await self._redis.get(ROUND))  # type: ignore[arg-type]  # decoded: str

    async def _ensure_round(self) -> Round:
        """The round as stored; the first one if there is none (a new Redis, or one that
        restarted without persistence)."""
        first = Round(1, new_secret(self._draw, None), _now())
        await self._redis.set(ROUND, _round_json(first), nx=True)
        return await self._round()

    # --- delivery -----------------------------------------------------------------------------

    def _on_event(self, event: RoundStarted | GameOver) -> None:
        players = []
        for key, (session, _) in self._players.items():
            if (held := self._held.get(key)) is not None:
                held.append(event)  # after the hint it is waiting for (play_guess)
            else:
                players.append(session.inbox)
        self._deliver(players + [s.inbox for s in self._spectators], event)
        self._seen = Seen.of(event)
        if isinstance(event, GameOver):
            self._start_next_round_after(event.round, event.next_round_at)
            self._spawn(self._tell_spectators_the_scores())

    def _start_next_round_after(self, finished: int, at: datetime) -> None:
        loop = asyncio.get_running_loop()
        self._timers = {t for t in self._timers if t.when() > loop.time()}  # the ones to come
        delay = min(max((at - _now()).total_seconds(), 0), self.limits.pause)
        self._timers.add(loop.call_later(delay, self._spawn_next_round, finished))

    def _spawn_next_round(self, finished: int) -> None:
        self._spawn(self._try_next_round(finished))

    async def _try_next_round(self, finished: int) -> None:
        try:
            await self._start_next_round(finished)
        except (RedisError, OSError) as error:  # caught up once Redis is back (_catch_up)
            log.warning("could not start round %d: %s", finished + 1, error)

    async def _catch_up(self) -> None:
        """After (re)subscribing: hand out what was published while this replica could not
        hear it, and start the next round if a finished one waits (its timers may all have
        fired while Redis was down). Redis restarted without persistence: a new game, and
        this replica's players' names taken again (or their sessions ended, LOST)."""
        await self.replica.beat()
        current = await self._ensure_round()
        for key, (session, player_id) in list(self._players.items()):
            record = self._player_json(session.name, player_id)
            if not await self._redis.hsetnx(PLAYERS, key, record):
                stored = json.loads(await self._redis.hget(PLAYERS, key) or "{}")
                if stored.get("id") != player_id:  # someone else took the name meanwhile
                    del self._players[key]
                    session.inbox.close(LeaveReason.LOST)
        recent = await self._redis.lrange(RECENT, 0, RECENT_ROUNDS - 1)
        results = [_result(json.loads(r)) for r in recent]
        events = missed(self._seen, current, results, self._pause)
        for event in events:
            self._on_event(event)
        if not current.open and Seen(current.number, over=True) not in map(Seen.of, events):
            assert current.ended_at is not None  # its GameOver was handed out before
            self._start_next_round_after(current.number, current.ended_at + self._pause)

    async def _tell_spectators_the_scores(self) -> None:
        if not self._spectators:
            return
        try:
            changed = ScoreboardChanged(await self.scoreboard(), _now())
        except Exception as error:  # Redis gone: the next game over will tell
            log.warning("could not read the scoreboard: %s", error)
            return
        self._deliver([s.inbox for s in self._spectators], changed)

    def _deliver(self, inboxes: list[Inbox[GameEvent]], *events: GameEvent) -> None:
        for inbox in inboxes:
            if not all(inbox.put(event) for event in events):
                self._drop(inbox)

    def _drop(self, inbox: Inbox[GameEvent]) -> None:
        for key, (session, player_id) in list(self._players.items()):
            if session.inbox is inbox:
                del self._players[key]
                self._spawn(self._forget(key, player_id))
        self._spectators = {s for s in self._spectators if s.inbox is not inbox}
        inbox.close(LeaveReason.TOO_SLOW)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background, held until done (asyncio keeps only weak refs)."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _forget(self, key: str, player_id: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._leave(keys=[PLAYERS], args=[key, player_id])

    async def _pump(self) -> None:
        while True:
            try:
                async with self._events.pubsub() as pubsub:
                    await pubsub.subscribe(EVENTS)
                    await self._catch_up()
                    self._subscribed = True
                    self._listening.set()
                    async for message in pubsub.listen():
                        if message["type"] == "message":
                            self._on_event(_event(json.loads(message["data"])))
            except (RedisError, OSError) as error:
                if self._subscribed:
                    log.warning("lost the game's events from Redis (%s); subscribing again", error)
                self._subscribed = False
                await asyncio.sleep(1)

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self.replica.beat()
                for key, raw in (await self._redis.hgetall(PLAYERS)).items():
                    player = json.loads(raw)
                    if not await self.replica.alive(player["replica"]):
                        await self._leave(keys=[PLAYERS], args=[key, player["id"]])
            except (RedisError, OSError) as error:
                log.warning("heartbeat to Redis failed: %s", error)


def _attempts_key(round_number: int) -> str:
    """The hash of a round's attempts, per player name key (apart from the round, whose key
    only a win changes)."""
    return f"{PREFIX}attempts:{round_number}"


def _round_json(state: Round) -> str:
    return json.dumps(
        {
            "number": state.number,
            "secret": state.secret,
            "started_at": state.started_at.isoformat(),
            "winner": state.winner,
            "ended_at": state.ended_at.isoformat() if state.ended_at else None,
        }
    )


def _round(raw: str | None) -> Round:
    if raw is None:
        raise RedisError("the game's round is missing from Redis")
    data = json.loads(raw)
    return Round(
        data["number"],
        data["secret"],
        datetime.fromisoformat(data["started_at"]),
        data["winner"],
        datetime.fromisoformat(data["ended_at"]) if data["ended_at"] else None,
    )


def _result(data: dict[str, Any]) -> RoundResult:
    return RoundResult(
        data["round"],
        data["winner"],
        data["secret"],
        data["attempts"],
        datetime.fromisoformat(data["started_at"]),
        datetime.fromisoformat(data["ended_at"]),
    )


def _event_json(event: GameOver | RoundStarted) -> str:
    if isinstance(event, GameOver):
        return json.dumps({"k": "over", **asdict(event)}, default=str)
    info = event.round
    return json.dumps(
        {"k": "started", "number": info.number, "at": event.time.isoformat()}, default=str
    )


def _event(data: dict[str, Any]) -> RoundStarted | GameOver:
    if data["k"] == "over":
        return GameOver(
            data["round"],
            data["winner"],
            data["secret"],
            data["attempts"],
            datetime.fromisoformat(data["next_round_at"]),
            datetime.fromisoformat(data["time"]),
        )
    started = Round(data["number"], 0, datetime.fromisoformat(data["at"]))
    return RoundStarted(started.info(), started.started_at)
