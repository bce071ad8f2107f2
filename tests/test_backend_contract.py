"""The backend contract: what every chat and game backend must do, whatever holds its state.

Each test runs against every backend the `chat_backend` / `game_backend` fixtures give (the
in-memory one now; the shared one of issue #11 joins the parameters). Only the abstract
interfaces are used, and every wait is on an event with a bound, never on timing: a backend
may deliver from elsewhere, a moment later.
"""

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

import pytest
from conftest import RedisServer
from redis import asyncio as aioredis
from support import WAIT, next_in

from tp3.chat.backend import ChatBackend, ChatLimits, InMemoryChatBackend, Session
from tp3.chat.events import MemberJoined, MemberLeft, PrivateMessage, Resume, RoomMessage
from tp3.chat.redis_backend import RedisChatBackend
from tp3.errors import AlreadyExists, InvalidArgument, ResourceExhausted
from tp3.game.backend import GameBackend, GameLimits, InMemoryGameBackend
from tp3.game.events import GameOver, Hint, RoundStarted, Verdict
from tp3.game.redis_backend import RedisGameBackend
from tp3.mailbox import Inbox, LeaveReason, MailboxClosed
from tp3.ratelimit import Origin

ChatFactory = Callable[[ChatLimits], Awaitable[ChatBackend]]
GameFactory = Callable[[GameLimits, int], Awaitable[GameBackend]]


B = TypeVar("B", ChatBackend, GameBackend)


class Replicas(Generic[B]):
    """The backends of one kind a test makes: in memory, one for the whole test (a process is
    one replica); with Redis (`url`), each one another replica on the same emptied database."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.made: list[B] = []

    async def new(self, in_memory: Callable[[], B], on_redis: Callable[[str], B]) -> B:
        if self.url is None:
            if not self.made:
                self.made.append(in_memory())
            return self.made[0]
        backend = on_redis(self.url)
        await backend.start()
        self.made.append(backend)
        return backend

    async def close(self) -> None:
        for backend in self.made:
            await backend.close()


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.slow)])
async def redis_url(request: pytest.FixtureRequest) -> str | None:
    """None in memory; with Redis, the URL of an emptied database."""
    if request.param != "redis":
        return None
    server: RedisServer = request.getfixturevalue("redis_server")
    async with aioredis.Redis.from_url(server.url) as redis:
        await redis.flushdb()
    return server.url


@pytest.fixture
async def chat_backends(redis_url: str | None) -> AsyncIterator[ChatFactory]:
    """Makes chat backends with the given limits (see Replicas)."""
    replicas = Replicas[ChatBackend](redis_url)

    async def make(limits: ChatLimits) -> ChatBackend:
        return await replicas.new(
            lambda: InMemoryChatBackend(limits), lambda url: RedisChatBackend(url, limits)
        )

    yield make
    await replicas.close()


@pytest.fixture
async def game_backends(redis_url: str | None) -> AsyncIterator[GameFactory]:
    """As `chat_backends`; the first round's secret is the one given, the next ones differ."""
    replicas = Replicas[GameBackend](redis_url)

    async def make(limits: GameLimits, secret: int) -> GameBackend:
        secrets = itertools.cycle([secret, secret % 1000 + 1])
        return await replicas.new(
            lambda: InMemoryGameBackend(limits, draw=lambda: next(secrets)),
            lambda url: RedisGameBackend(url, limits, draw=lambda: next(secrets)),
        )

    yield make
    await replicas.close()


async def waiting(inbox: Inbox[Any]) -> list[Any]:
    """The events already in `inbox`."""
    found = []
    with contextlib.suppress(TimeoutError):
        while True:
            found.append(await asyncio.wait_for(inbox.get(), 0.01))
    return found


async def one_of_each(inbox: Inbox[Any], *kinds: type) -> dict[type, Any]:
    """The first event of each kind, in whatever order they come."""
    found: dict[type, Any] = {}
    async with asyncio.timeout(WAIT):
        while len(found) < len(kinds):
            event = await inbox.get()
            if isinstance(event, kinds) and type(event) not in found:
                found[type(event)] = event
    return found


async def texts(inbox: Inbox[Any], count: int) -> list[tuple[int, str, str]]:
    """The next `count` room messages as (sequence, sender, text)."""
    return [
        (m.sequence, m.sender, m.text)
        for m in [await next_in(inbox, RoomMessage) for _ in range(count)]
    ]


# --- chat -------------------------------------------------------------------------------------


async def test_every_member_sees_the_same_numbered_order(chat_backends: ChatFactory) -> None:
    """Each member on a replica of its own (with Redis)."""
    replicas = [await chat_backends(ChatLimits()) for _ in range(3)]
    members = [await r.join("order", name) for r, name in zip(replicas, "abc", strict=True)]
    for i in range(9):
        await replicas[i % 3].post(members[i % 3], f"m{i}")
    seen = [await texts(m.inbox, 9) for m in members]
    assert seen[0] == seen[1] == seen[2]
    assert [s for s, _, _ in seen[0]] == list(range(1, 10))
    assert seen[0][:2] == [(1, "a", "m0"), (2, "b", "m1")]


async def test_members_joining_while_messages_flow_see_each_exactly_once(
    chat_backends: ChatFactory,
) -> None:
    total = 300
    limits = ChatLimits(
        history_size=total, join_history=total, mailbox_size=2 * total,
        messages_per_second=10 * total, client_messages_per_second=10 * total,
    )  # fmt: skip
    poster_side, joiner_side = await chat_backends(limits), await chat_backends(limits)
    alice = await poster_side.join("flow", "alice")

    async def post_all() -> None:
        for i in range(total):
            await poster_side.post(alice, f"m{i}")
            await asyncio.sleep(0.001)

    posting = asyncio.create_task(post_all())
    joiners: list[Session] = []
    while not posting.done():  # join one after another while alice posts
        joiners.append(await joiner_side.join("flow", f"j{len(joiners)}"))
        await asyncio.sleep(0.01)
    await posting
    assert len(joiners) >= 5
    for joiner in joiners:
        seen = [m.sequence for m in joiner.joined.history]
        while not seen or seen[-1] < total:
            seen.append((await next_in(joiner.inbox, RoomMessage)).sequence)
        assert seen == list(range(seen[0], total + 1))  # no duplicate, no gap
        assert seen[0] == 1  # the history reached back to the first


async def test_many_members_join_at_once(chat_backends: ChatFactory) -> None:
    """More joins at once than a replica has connections to Redis: they wait their turn."""
    backend = await chat_backends(ChatLimits(mailbox_size=1000))
    members = await asyncio.gather(*(backend.join("crowd", f"m{i}") for i in range(150)))
    assert len({m.member_id for m in members}) == 150
    assert len(await backend.members("crowd")) == 150


async def test_a_private_message_reaches_its_recipient_and_its_sender_only(
    chat_backends: ChatFactory,
) -> None:
    replicas = [await chat_backends(ChatLimits()) for _ in range(3)]
    alice, bob, carol = [
        await r.join("private", n) for r, n in zip(replicas, ("alice", "bob", "carol"), strict=True)
    ]
    await replicas[0].whisper(alice, "BOB", "psst")  # names are found ignoring case
    await replicas[0].post(alice, "public")
    for member in (alice, bob):
        private = await next_in(member.inbox, PrivateMessage)
        assert (private.sender, private.recipient, private.text) == ("alice", "bob", "psst")
    first_for_carol = await next_in(carol.inbox, (RoomMessage, PrivateMessage))
    assert isinstance(first_for_carol, RoomMessage)  # the private one never came


async def test_members_see_others_arrive_and_leave(chat_backends: ChatFactory) -> None:
    backend, other = await chat_backends(ChatLimits()), await chat_backends(ChatLimits())
    alice = await backend.join("presence", "alice")
    bob = await other.join("presence", "bob")
    assert [m.name for m in bob.joined.members] == ["alice", "bob"]
    await next_in(alice.inbox, MemberJoined, name="bob")
    await other.leave(bob, LeaveReason.LEFT)
    left = await next_in(alice.inbox, MemberLeft, name="bob")
    assert left.reason is LeaveReason.LEFT
    assert [m.name for m in await backend.members("presence")] == ["alice"]


@pytest.mark.parametrize("taken", ["Alice", "ALICE", "\u0430lice"])
async def test_names_are_unique_in_a_room_ignoring_case_and_look_alikes(
    chat_backends: ChatFactory, taken: str
) -> None:
    backend, other = await chat_backends(ChatLimits()), await chat_backends(ChatLimits())
    await backend.join("unique", "alice")
    with pytest.raises(AlreadyExists):
        await other.join("unique", taken)  # on another replica too
    await other.join("elsewhere", taken)  # another room: free


async def test_history_is_bounded_and_a_fresh_join_sees_its_tail(
    chat_backends: ChatFactory,
) -> None:
    backend = await chat_backends(ChatLimits(history_size=5, join_history=3))
    alice = await backend.join("history", "alice")
    for i in range(8):
        await backend.post(alice, f"m{i}")
    await texts(alice.inbox, 8)
    fresh = await backend.join("history", "bob")
    assert [m.text for m in fresh.joined.history] == ["m5", "m6", "m7"]
    assert fresh.joined.last_sequence == 8


async def test_a_resume_replays_what_was_missed_without_gap_or_duplicate(
    chat_backends: ChatFactory,
) -> None:
    backend = await chat_backends(ChatLimits(history_size=10, join_history=1))
    alice = await backend.join("resume", "alice")
    bob = await backend.join("resume", "bob")
    await backend.post(alice, "one")
    assert await texts(bob.inbox, 1) == [(1, "alice", "one")]
    await backend.leave(bob, LeaveReason.DISCONNECTED)
    for text in ("two", "three", "four"):
        await backend.post(alice, text)
    back = await backend.join("resume", "bob", Resume(bob.joined.room_epoch, 1))
    assert [m.text for m in back.joined.history] == ["two", "three", "four"]
    assert not back.joined.history_gap
    await backend.post(alice, "five")
    assert await texts(back.inbox, 1) == [(5, "alice", "five")]  # live, after the replay


async def test_a_resume_by_the_same_member_takes_over_a_name_still_held(
    chat_backends: ChatFactory,
) -> None:
    """A client back before the room noticed its old session died (its replica crashed, its
    connection vanished) proves it is that member with the session's id: no ALREADY_EXISTS
    for the length of a timeout. Anyone else still gets it."""
    backend, other = await chat_backends(ChatLimits()), await chat_backends(ChatLimits())
    alice = await backend.join("takeover", "alice")
    earlier = alice.joined
    with pytest.raises(AlreadyExists):
        await other.join("takeover", "alice", Resume(earlier.room_epoch, 0, "not-her-id"))
    back = await other.join(
        "takeover", "alice", Resume(earlier.room_epoch, earlier.last_sequence, earlier.member_id)
    )
    assert back.joined.member_id != earlier.member_id
    assert [m.name for m in await other.members("takeover")] == ["alice"]
    with pytest.raises(AlreadyExists):  # and her new session holds the name now
        await backend.join("takeover", "alice", Resume(earlier.room_epoch, 0, earlier.member_id))


async def test_a_resume_past_the_history_or_from_another_room_reports_a_gap(
    chat_backends: ChatFactory,
) -> None:
    backend = await chat_backends(ChatLimits(history_size=2, join_history=0))
    alice = await backend.join("gap", "alice")
    for i in range(5):
        await backend.post(alice, f"m{i}")
    late = await backend.join("gap", "bob", Resume(alice.joined.room_epoch, 1))
    assert [m.text for m in late.joined.history] == ["m3", "m4"]
    assert late.joined.history_gap
    stranger = await backend.join("gap", "carol", Resume("an-old-epoch", 3))
    assert stranger.joined.history_gap
    with pytest.raises(InvalidArgument, match="ahead of the room"):
        await backend.join("gap", "dave", Resume(alice.joined.room_epoch, 99))


async def test_a_member_too_slow_to_read_is_disconnected_and_the_others_go_on(
    chat_backends: ChatFactory,
) -> None:
    limits = ChatLimits(mailbox_size=4, messages_per_second=1000, client_messages_per_second=1000)
    backend = await chat_backends(limits)
    alice = await backend.join("slow", "alice")
    sleepy = await backend.join("slow", "sleepy")
    seen_by_alice: list[object] = []
    for i in range(10):
        await backend.post(alice, f"m{i}")
        await next_in(alice.inbox, RoomMessage, skipped=seen_by_alice)  # alice keeps up
    with pytest.raises(MailboxClosed) as dropped:
        async with asyncio.timeout(WAIT):
            while True:
                await sleepy.inbox.get()
    assert dropped.value.reason is LeaveReason.TOO_SLOW
    # alice is told, among the messages or after them: through Redis the departure is
    # published apart from them, and may come after the last one
    told = [e for e in seen_by_alice if isinstance(e, MemberLeft)]
    left = told[0] if told else await next_in(alice.inbox, MemberLeft)
    assert (left.name, left.reason) == ("sleepy", LeaveReason.TOO_SLOW)


async def test_messages_beyond_the_rate_are_refused(chat_backends: ChatFactory) -> None:
    backend = await chat_backends(ChatLimits(messages_per_second=3, client_messages_per_second=100))
    origin = Origin(connection="c1", address="127.0.0.1")
    alice = await backend.join("rate", "alice", origin=origin)
    for i in range(3):
        await backend.post(alice, f"m{i}")
    with pytest.raises(ResourceExhausted):
        await backend.post(alice, "one too many")


async def test_an_address_has_one_message_rate_across_replicas(chat_backends: ChatFactory) -> None:
    """With Redis, its members on two replicas; whispers count too."""
    limits = ChatLimits(messages_per_second=100, client_messages_per_second=3)
    replicas = [await chat_backends(limits) for _ in range(2)]
    one, two = [
        await r.join("shared-rate", f"m{i}", origin=Origin(f"c{i}", "10.0.0.9"))
        for i, r in enumerate(replicas)
    ]
    await replicas[0].post(one, "1")
    await replicas[1].post(two, "2")
    await replicas[0].whisper(one, "m1", "3")
    for side, member in ((replicas[1], two), (replicas[0], one)):
        with pytest.raises(ResourceExhausted, match=r"too many messages from 10\.0\.0\.9"):
            await side.post(member, "one too many")
    with pytest.raises(ResourceExhausted, match=r"from 10\.0\.0\.9"):
        await replicas[1].whisper(two, "m0", "one too many")
    elsewhere = await replicas[1].join("shared-rate", "m3", origin=Origin("c3", "10.0.0.10"))
    await replicas[1].post(elsewhere, "another address is not held back")


# --- game -------------------------------------------------------------------------------------

SECRET = 421


async def test_exactly_one_of_many_correct_guesses_wins(game_backends: GameFactory) -> None:
    """20 players spread over 3 replicas (with Redis) guess the secret at once."""
    replicas = [await game_backends(GameLimits(pause=60), SECRET) for _ in range(3)]
    players = [await replicas[i % 3].join(f"p{i}") for i in range(20)]
    await asyncio.gather(*(replicas[i % 3].play_guess(p, SECRET) for i, p in enumerate(players)))
    seen = [await one_of_each(p.inbox, Hint, GameOver) for p in players]
    winners = [s[Hint] for s in seen if s[Hint].verdict is Verdict.CORRECT]
    assert len(winners) == 1
    assert sorted(s[Hint].verdict.name for s in seen) == ["CORRECT"] + ["ROUND_OVER"] * 19
    assert {s[GameOver].winner for s in seen} == {winners[0].winner}  # everyone is told


async def test_a_round_ends_and_the_next_one_starts_once(game_backends: GameFactory) -> None:
    """Every replica (with Redis) tries to start the next round after the pause."""
    limits = GameLimits(pause=0.05)
    backend, *others = [await game_backends(limits, SECRET) for _ in range(3)]
    player = await backend.join("alice")
    first = player.joined.round.number
    await backend.play_guess(player, SECRET)
    over = await next_in(player.inbox, GameOver)
    started = await next_in(player.inbox, RoundStarted)
    assert over.round == first
    assert started.round.number == first + 1
    assert started.round.open
    await asyncio.sleep(10 * limits.pause)  # long past every replica's try
    assert not [e for e in await waiting(player.inbox) if isinstance(e, RoundStarted)]
    latecomer = await others[0].join("bob")
    assert latecomer.joined.round.number == first + 1  # started once, not once per replica


async def test_who_arrives_between_rounds_learns_when_the_next_starts(
    game_backends: GameFactory,
) -> None:
    """On any replica (with Redis), a join and a watch during the pause see the round closed
    and the start of the next one, as the game over announced it."""
    backend, other = [await game_backends(GameLimits(pause=60), SECRET) for _ in range(2)]
    alice = await backend.join("alice")
    assert alice.joined.round.next_round_at is None
    await backend.play_guess(alice, SECRET)
    over = await next_in(alice.inbox, GameOver)
    for name, replica in [("bob", backend), ("carol", other)]:
        late = await replica.join(name)
        spectator = await replica.watch()
        for info in (late.joined.round, spectator.watching.round):
            assert (info.number, info.open, info.next_round_at) == (1, False, over.next_round_at)


async def test_the_winner_hears_its_hint_before_the_game_over(game_backends: GameFactory) -> None:
    """With Redis, the GameOver comes back through PUB/SUB, often before the winning guess's
    own reply: a player must still read "BRAVO" first, then "game over". Three rounds."""
    backend = await game_backends(GameLimits(pause=0.05), SECRET)
    alice = await backend.join("alice")
    for round_number in range(1, 4):
        secret = SECRET if round_number % 2 else SECRET % 1000 + 1
        await backend.play_guess(alice, secret)
        seen: list[object] = []
        await next_in(alice.inbox, GameOver, skipped=seen)
        assert [(type(e).__name__, getattr(e, "verdict", None)) for e in seen] == [
            ("Hint", Verdict.CORRECT)
        ]
        await next_in(alice.inbox, RoundStarted)


async def test_the_scoreboard_counts_wins(game_backends: GameFactory) -> None:
    backend = await game_backends(GameLimits(pause=60), SECRET)
    player = await backend.join("alice")
    await backend.play_guess(player, 100)
    await backend.play_guess(player, SECRET)
    await next_in(player.inbox, GameOver)
    board = await backend.scoreboard()
    [score] = board.players
    assert (score.name, score.wins, score.best_attempts) == ("alice", 1, 2)
    assert board.recent_rounds[0].winner == "alice"


async def test_guesses_beyond_the_rate_are_refused(game_backends: GameFactory) -> None:
    backend = await game_backends(GameLimits(pause=60, guesses_per_second=2), SECRET)
    origin = Origin(connection="c1", address="127.0.0.1")
    player = await backend.join("alice", origin)
    await backend.play_guess(player, 1)
    await backend.play_guess(player, 2)
    with pytest.raises(ResourceExhausted):
        await backend.play_guess(player, 3)
    with pytest.raises(AlreadyExists):  # a name playing in a session can't guess unary
        await backend.casual_guess("ALICE", 4, origin)
