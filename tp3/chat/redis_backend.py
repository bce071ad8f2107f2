"""Rooms shared by every replica through Redis: `tp3 serve --backend redis://HOST:PORT/DB`.

The shape is Centrifugo's Redis engine's:
- a room's history is a Redis Stream whose entry ids are the room's sequence numbers,
  trimmed to the history size; one Lua script checks the sender is a member, numbers the
  message, appends it and PUBLISHes it, atomically;
- every replica subscribes to every room's channel (one pattern subscription) and hands each
  event to its own members' mailboxes: delivery stays local, the order is Redis's;
- a join is one Lua script too: the name taken (unique ignoring case and look-alikes, across
  replicas), a snapshot of the members, the history and the last sequence, and the member's
  arrival published. The member listens before the script runs; what comes before its own
  arrival, the snapshot already has, and what comes after is new: no gap, no duplicate;
- a member is stored with its replica (tp3.redis_shared.Replica); one whose replica stopped
  beating (it crashed) is removed and announced as disconnected by whichever replica sweeps
  first.

The decisions are the in-memory backend's (tp3.chat.history: numbering, replay); only storage
and delivery differ. A room's history outlives its members: its epoch changes only when
Redis loses it.
"""

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError

from tp3.chat import rules
from tp3.chat.backend import ChatBackend, ChatLimits, Session
from tp3.chat.delivery import handing
from tp3.chat.events import (
    ChatEvent,
    Delivered,
    LeaveReason,
    MemberInfo,
    MemberJoined,
    MemberLeft,
    PrivateMessage,
    Resume,
    RoomJoined,
    RoomMessage,
    RoomSummary,
)
from tp3.chat.history import replay
from tp3.errors import AlreadyExists, FailedPrecondition, NotFound, quote
from tp3.mailbox import Mailbox
from tp3.names import name_key, taken
from tp3.ratelimit import Origin
from tp3.redis_shared import (
    HEARTBEAT,
    TAKE_FUNCTION,
    Replica,
    SharedActionLimit,
    connect,
    subscriber,
    unavailable,
)

__all__ = ["RedisChatBackend"]

log = logging.getLogger("tp3.chat.redis")

PREFIX = "tp3:chat:"
ROOMS = PREFIX + "rooms"  # the rooms that have members

# KEYS: members, epoch, seq, history, rooms. ARGV: room, name key, member JSON, new epoch,
# channel, arrival JSON, the resumed session's member id (or ""), its departure JSON.
# -> {0, present member JSON} | {1, epoch, last seq, members, history}. A name held by the
# resumed session itself is taken over (its client is back before its replica's death or
# its lost connection was noticed).
_JOIN = """
local present = redis.call('HGET', KEYS[1], ARGV[2])
if present then
  if ARGV[7] == '' or cjson.decode(present).id ~= ARGV[7] then return {0, present} end
  redis.call('PUBLISH', ARGV[5], ARGV[8])
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('SET', KEYS[2], ARGV[4], 'NX')
redis.call('SADD', KEYS[5], ARGV[1])
redis.call('PUBLISH', ARGV[5], ARGV[6])
local seq = tonumber(redis.call('GET', KEYS[3]) or '0')
return {1, redis.call('GET', KEYS[2]), seq, redis.call('HVALS', KEYS[1]),
        redis.call('XRANGE', KEYS[4], '-', '+')}
"""
# KEYS: members, seq, history, then the rate buckets. ARGV: name key, member id, sender,
# text, time, max length, channel, then the buckets' rates. -> the message's sequence, 0 if
# the sender is no longer a member, -i if the i-th bucket is empty (too many messages).
_POST = (
    TAKE_FUNCTION
    + """
local member = redis.call('HGET', KEYS[1], ARGV[1])
if not member or cjson.decode(member).id ~= ARGV[2] then return 0 end
local empty = take({unpack(KEYS, 4)}, {unpack(ARGV, 8)})
if empty > 0 then return -empty end
local seq = redis.call('INCR', KEYS[2])
redis.call('XADD', KEYS[3], 'MAXLEN', ARGV[6], seq .. '-0',
           'sender', ARGV[3], 'text', ARGV[4], 'time', ARGV[5])
redis.call('PUBLISH', ARGV[7], cjson.encode({k = 'm', s = seq, f = ARGV[3], t = ARGV[4],
                                             at = ARGV[5]}))
return seq
"""
)
# KEYS: members, rooms. ARGV: name key, member id, room, channel, presence JSON.
# -> 1 if the member was there (and is now gone, announced), else 0.
_LEAVE = """
local member = redis.call('HGET', KEYS[1], ARGV[1])
if not member or cjson.decode(member).id ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[3]) end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 1
"""


def _room_key(room: str, part: str) -> str:
    return f"{PREFIX}room:{room}:{part}"


def _channel(room: str) -> str:
    return f"{PREFIX}events:{room}"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(eq=False)
class _LocalMember:
    """A member connected to this replica."""

    name: str
    key: str
    member_id: str
    mailbox: Mailbox[Delivered]
    live: bool = False
    """Its own arrival came through: the events after it are news to it (the ones before,
    its join's snapshot had)."""
    after: int | None = None
    """The last room message it has (its join's snapshot, then what it was handed); None
    until its join's reply. A message comes to it once, from the channel or a catch-up."""


class RedisChatBackend(ChatBackend):
    def __init__(self, url: str, limits: ChatLimits | None = None) -> None:
        self.limits = limits or ChatLimits()
        self.url = url
        self._redis = connect(url)
        self._events = subscriber(url)  # a lost subscription must be noticed: see _pump
        self.replica = Replica(self._redis)
        self._join = self._redis.register_script(_JOIN)
        self._post = self._redis.register_script(_POST)
        self._leave = self._redis.register_script(_LEAVE)
        self._rooms: dict[str, dict[str, _LocalMember]] = {}  # room -> member id -> member
        self._sends = SharedActionLimit(  # all replicas count a client's messages together
            self._redis,
            "messages",
            self.limits.messages_per_second,
            self.limits.client_messages_per_second,
            per_connection=False,
            replica=self.replica,
        )
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()
        self._subscribed = False

    async def start(self) -> None:
        """Subscribe and start the heartbeat; returns once events are being received."""
        with unavailable("chat"):
            await self.replica.beat()
        self._tasks = [
            asyncio.create_task(self._pump(), name="tp3-chat-redis-pump"),
            asyncio.create_task(self._keep_alive(), name="tp3-chat-redis-heartbeat"),
        ]
        async with asyncio.timeout(10):
            await self._listening.wait()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for room, members in list(self._rooms.items()):
            for member in list(members.values()):
                with contextlib.suppress(RedisError, OSError):
                    await self._remove(room, member, LeaveReason.DISCONNECTED)
        with contextlib.suppress(RedisError, OSError):
            await self.replica.stop()
        await self._redis.aclose()
        await self._events.aclose()

    # --- the interface ----------------------------------------------------------------------

    async def join(
        self,
        room: str,
        name: str,
        resume: Resume | None = None,
        origin: Origin | None = None,
        *,
        batch_presence: bool = False,
    ) -> Session:
        # Presence is told change by change here, as it comes through the room's channel: a
        # member that takes batches gets batches of one.
        room_name, member_name = rules.room_name(room), rules.member_name(name)
        key = name_key(member_name)
        member_id = secrets.token_hex(8)
        joined_at = _now()
        mailbox: Mailbox[Delivered] = Mailbox(
            self.limits.mailbox_size, batch_presence=batch_presence
        )
        local = _LocalMember(member_name, key, member_id, mailbox)
        here = self._rooms.setdefault(room_name, {})
        here[member_id] = local  # listening before the snapshot: nothing falls in between
        try:
            with unavailable("chat"):
                reply = await self._join(
                    keys=[
                        _room_key(room_name, "members"),
                        _room_key(room_name, "epoch"),
                        _room_key(room_name, "seq"),
                        _room_key(room_name, "history"),
                        ROOMS,
                    ],
                    args=[
                        room_name,
                        key,
                        _member_json(member_name, member_id, joined_at, self.replica.id),
                        secrets.token_hex(8),
                        _channel(room_name),
                        _event_json("j", n=member_name, id=member_id, at=joined_at.isoformat()),
                        resume.member_id if resume is not None else "",
                        _event_json(
                            "l",
                            n=member_name,
                            r=LeaveReason.DISCONNECTED.value,
                            at=joined_at.isoformat(),
                        ),
                    ],
                )
            if reply[0] == 0:
                present = json.loads(reply[1])["name"]
                raise AlreadyExists(f"name: {taken(member_name, present)} in room {room_name!r}")
            epoch, last_sequence, members, entries = reply[1], int(reply[2]), reply[3], reply[4]
            history, gap = replay(  # may refuse (a resume ahead of the room)
                [_message(entry) for entry in entries],
                last_sequence=last_sequence,
                epoch=epoch,
                resume=resume,
                join_history=self.limits.join_history,
            )
        except BaseException:
            del here[member_id]
            if not here:
                del self._rooms[room_name]
            raise
        local.after = max(local.after or 0, last_sequence)  # live ones may have come already
        joined = RoomJoined(
            room=room_name,
            name=member_name,
            member_id=member_id,
            members=tuple(_members(members)),
            history=history,
            history_gap=gap,
            room_epoch=epoch,
            last_sequence=last_sequence,
        )
        return Session(joined, local.mailbox, origin)

    async def post(self, session: Session, text: str) -> None:
        text = rules.message_text(text)  # a refused text takes no number
        room = session.room
        buckets, rates = self._sends.buckets(session.member_id, session.origin)
        with unavailable("chat"):
            sequence = await self._post(  # counts the rate too: one round trip
                keys=[
                    _room_key(room, "members"),
                    _room_key(room, "seq"),
                    _room_key(room, "history"),
                    *buckets,
                ],
                args=[
                    name_key(session.joined.name),
                    session.member_id,
                    session.joined.name,
                    text,
                    _now().isoformat(),
                    self.limits.history_size,
                    _channel(room),
                    *rates,
                ],
            )
        if not sequence:
            raise FailedPrecondition(f"you are no longer in room {room!r}")
        if sequence < 0:
            raise self._sends.refusal(-sequence, session.origin)

    async def whisper(self, session: Session, to: str, text: str) -> None:
        text = rules.message_text(text)
        room = session.room
        with unavailable("chat"):
            await self._sends.check(session.member_id, session.origin)
            found = await self._redis.hget(_room_key(room, "members"), name_key(to.strip()))
            if found is None:
                raise NotFound(f"to: there is no member named {quote(to.strip())} in room {room!r}")
            recipient = json.loads(found)
            private = _event_json(
                "p",
                f=session.joined.name,
                fid=session.member_id,
                r=recipient["name"],
                rid=recipient["id"],
                t=text,
                at=_now().isoformat(),
            )
            await self._redis.publish(_channel(room), private)

    async def leave(self, session: Session, reason: LeaveReason) -> None:
        local = self._rooms.get(session.room, {}).get(session.member_id)
        if local is not None:
            with unavailable("chat"):
                await self._remove(session.room, local, reason)
        session.inbox.close(reason)

    async def rooms(self) -> list[RoomSummary]:
        with unavailable("chat"):
            names = sorted(map(str, await self._redis.smembers(ROOMS)))
            summaries = []
            for name in names:
                count = await self._redis.hlen(_room_key(name, "members"))
                last = int(await self._redis.get(_room_key(name, "seq")) or 0)
                if count:
                    summaries.append(RoomSummary(name, count, last))
        return summaries

    async def members(self, room: str) -> list[MemberInfo]:
        room_name = rules.room_name(room)
        with unavailable("chat"):
            found = list(map(str, await self._redis.hvals(_room_key(room_name, "members"))))
        if not found:
            raise NotFound(f"room: there is no room named {quote(room.strip())} with members")
        return _members(found)

    @property
    def healthy(self) -> bool:
        return self._subscribed

    # --- delivery -----------------------------------------------------------------------------

    def _deliver(self, room: str, event: "_Published") -> None:
        """Hand `event` to this replica's members of `room` it is for."""
        message = event.event if isinstance(event.event, RoomMessage) else None
        hand = handing(event.event)
        for member in list(self._rooms.get(room, {}).values()):
            if event.arrival_of == member.member_id:
                member.live = True  # its own: the events after it are news to it
                continue
            if not member.live or (event.only is not None and member.member_id not in event.only):
                continue
            if message is not None:
                if member.after is not None and message.sequence <= member.after:
                    continue  # it has it already
                member.after = message.sequence
            if not hand(member.mailbox):
                asyncio.get_running_loop().create_task(self._drop_too_slow(member))

    async def _drop_too_slow(self, member: _LocalMember) -> None:
        room = next((r for r, ms in self._rooms.items() if member.member_id in ms), None)
        member.mailbox.close(LeaveReason.TOO_SLOW)
        if room is not None:
            with contextlib.suppress(RedisError, OSError):
                await self._remove(room, member, LeaveReason.TOO_SLOW)

    async def _remove(self, room: str, member: _LocalMember, reason: LeaveReason) -> None:
        """Take `member` out of the room (once, whoever tries) and announce it."""
        here = self._rooms.get(room, {})
        here.pop(member.member_id, None)
        if not here:
            self._rooms.pop(room, None)
        await self._remove_stored(room, member.key, member.member_id, member.name, reason)

    async def _remove_stored(
        self, room: str, key: str, member_id: str, name: str, reason: LeaveReason
    ) -> None:
        left = _event_json("l", n=name, r=reason.value, at=_now().isoformat())
        await self._leave(
            keys=[_room_key(room, "members"), ROOMS],
            args=[key, member_id, room, _channel(room), left],
        )

    async def _pump(self) -> None:
        """Every room's events, from Redis to this replica's members; resubscribes when the
        connection to Redis breaks."""
        while True:
            try:
                async with self._events.pubsub() as pubsub:
                    await pubsub.psubscribe(_channel("*"))
                    await self._catch_up()
                    self._subscribed = True
                    self._listening.set()
                    async for message in _messages(pubsub):
                        room = message["channel"][len(_channel("")) :]
                        self._deliver(room, _published(json.loads(message["data"])))
            except (RedisError, OSError) as error:
                if self._subscribed:
                    log.warning("lost Redis's events (%s); subscribing again", error)
                self._subscribed = False
                await asyncio.sleep(1)

    async def _catch_up(self) -> None:
        """After the subscription was lost: members Redis forgot (it restarted without
        persistence) are ended, LOST, so that their clients come back; the others get the
        room messages posted meanwhile, from the rooms' histories (presence changes of that
        time are not replayed), and are live from now on (their own arrival may have been
        published while nobody here listened)."""
        for room, members in list(self._rooms.items()):
            stored = await self._redis.hgetall(_room_key(room, "members"))
            for member in list(members.values()):
                record = stored.get(member.key)
                if record is None or json.loads(record)["id"] != member.member_id:
                    members.pop(member.member_id, None)
                    member.mailbox.close(LeaveReason.LOST)
            if not members:
                self._rooms.pop(room, None)
            known = [m.after for m in members.values() if m.after is not None]
            if not known:
                continue  # joins still waiting for their reply
            for member in members.values():
                member.live = member.live or member.after is not None
            start = f"{min(known) + 1}-0"
            for entry in await self._redis.xrange(_room_key(room, "history"), start, "+") or []:
                self._deliver(room, _Published(_message(list(entry))))

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self.replica.beat()
                await self._sweep()
            except (RedisError, OSError) as error:
                log.warning("heartbeat to Redis failed: %s", error)

    async def _sweep(self) -> None:
        """Remove the members of replicas that stopped beating (crashed)."""
        for room in map(str, await self._redis.smembers(ROOMS)):
            for raw in await self._redis.hvals(_room_key(room, "members")):
                member = json.loads(raw)
                if not await self.replica.alive(member["replica"]):
                    await self._remove_stored(
                        room,
                        name_key(member["name"]),
                        member["id"],
                        member["name"],
                        LeaveReason.DISCONNECTED,
                    )

    def buffered_events(self) -> int:
        return sum(len(m.mailbox) for ms in self._rooms.values() for m in ms.values())


async def _messages(pubsub: Any) -> AsyncIterator[dict[str, Any]]:
    async for message in pubsub.listen():
        if message["type"] == "pmessage":
            yield message


def _event_json(kind: str, **fields: str) -> str:
    """A room event as published on the room's channel (`_published` reads it back)."""
    return json.dumps({"k": kind, **fields})


def _member_json(name: str, member_id: str, joined_at: datetime, replica: str) -> str:
    return json.dumps(
        {"name": name, "id": member_id, "at": joined_at.isoformat(), "replica": replica}
    )


def _members(raw: list[str]) -> list[MemberInfo]:
    found = [json.loads(r) for r in raw]
    found.sort(key=lambda m: (m["at"], m["id"]))
    return [MemberInfo(m["name"], datetime.fromisoformat(m["at"])) for m in found]


def _message(entry: list[Any]) -> RoomMessage:
    entry_id, flat = entry
    fields = dict(zip(flat[::2], flat[1::2], strict=True)) if isinstance(flat, list) else flat
    return RoomMessage(
        int(entry_id.split("-")[0]),
        fields["sender"],
        fields["text"],
        datetime.fromisoformat(fields["time"]),
    )


@dataclass(frozen=True)
class _Published:
    """A room event as it came from the room's channel."""

    event: ChatEvent
    only: set[str] | None = None
    """The member ids it is for (a private message); None: everyone."""
    arrival_of: str | None = None
    """For a member's arrival: its id."""


def _published(data: dict[str, Any]) -> _Published:
    at = datetime.fromisoformat(data["at"])
    match data["k"]:
        case "m":
            return _Published(RoomMessage(int(data["s"]), data["f"], data["t"], at))
        case "p":
            private = PrivateMessage(data["f"], data["r"], data["t"], at)
            return _Published(private, only={data["fid"], data["rid"]})
        case "j":
            return _Published(MemberJoined(data["n"], at), arrival_of=data["id"])
        case "l":
            return _Published(MemberLeft(data["n"], LeaveReason(data["r"]), at))
    raise ValueError(f"unknown room event {data!r}")
