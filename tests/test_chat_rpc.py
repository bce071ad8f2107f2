"""The chat service end to end: typed client -> real TCP on 127.0.0.1 -> server."""

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from grpclib.client import Channel, Stream
from grpclib.config import Configuration
from grpclib.const import Cardinality, Status
from support import WAIT, collect, eventually, next_of

from tp3.chat.backend import ChatLimits, InMemoryChatBackend
from tp3.chat.events import (
    LeaveReason,
    MemberJoined,
    MemberLeft,
    Notice,
    PrivateMessage,
    RoomJoined,
    RoomMessage,
)
from tp3.client import AsyncTp3Client, ChatSession, Tp3RpcError
from tp3.generated.tp3.chat import v1 as pb
from tp3.rpc.codec import PreEncoded
from tp3.server import ServerConfig, Tp3Server


async def test_join_welcomes_with_members_and_history(client: AsyncTp3Client) -> None:
    async with client.chat.join("alice", "welcome") as alice:
        assert alice.joined.room == "welcome"
        assert alice.joined.name == "alice"
        assert [m.name for m in alice.joined.members] == ["alice"]
        assert alice.joined.history == ()
        await alice.send("first")
        await alice.send("second")
        await collect(alice, 2, RoomMessage)
        async with client.chat.join("bob", "welcome") as bob:
            assert [m.name for m in bob.joined.members] == ["alice", "bob"]
            assert [(m.sequence, m.sender, m.text) for m in bob.joined.history] == [
                (1, "alice", "first"),
                (2, "alice", "second"),
            ]
            assert await next_of(alice, MemberJoined) == MemberJoined(
                "bob", bob.joined.members[1].joined_at
            )
        left = await next_of(alice, MemberLeft)
        assert (left.name, left.reason) == ("bob", LeaveReason.LEFT)


async def test_a_member_keeps_no_copy_of_the_room_it_was_welcomed_into(
    client: AsyncTp3Client,
) -> None:
    """A welcome lists every member (and the recent history). Kept for the session's life,
    as it was (the service's Session and the session's frame), a room of N members held N²/2
    entries: 10 KiB a member at 1,000 (bench/chat_fanout.py)."""
    async with (
        client.chat.join("alice", "welcomed-once") as alice,
        client.chat.join("bob", "welcomed-once") as bob,
    ):
        await next_of(alice, MemberJoined)
        await alice.send("after the welcomes")
        for session in (alice, bob):
            await next_of(session, RoomMessage)
        gc.collect()
        theirs = {id(alice.joined), id(bob.joined)}  # the clients' own, of course kept
        kept = [
            o
            for o in gc.get_objects()
            if isinstance(o, RoomJoined) and o.members and id(o) not in theirs
        ]
        assert kept == []
        welcomes = [
            o
            for o in gc.get_objects()
            if isinstance(o, PreEncoded) and o.data[:1] == b"\x0a" and b"welcomed-once" in o.data
        ]  # ChatResponse.joined (field 1) into this room
        assert welcomes == []


async def test_default_room_is_the_lobby(client: AsyncTp3Client) -> None:
    async with client.chat.join("alice") as alice:
        assert alice.joined.room == "lobby"
        assert [r.name for r in await client.chat.list_rooms()] == ["lobby"]


async def test_three_members_see_the_same_order(client: AsyncTp3Client) -> None:
    names = ["ann", "ben", "cat"]
    async with contextlib.AsyncExitStack() as stack:
        sessions = [await stack.enter_async_context(client.chat.join(n, "order")) for n in names]
        readers = [asyncio.create_task(collect(s, 60, RoomMessage)) for s in sessions]

        async def talk(session: ChatSession) -> None:
            for i in range(20):
                await session.send(f"{session.joined.name}-{i}")

        await asyncio.gather(*(talk(s) for s in sessions))
        seen = [[(m.sequence, m.sender, m.text) for m in await r] for r in readers]
    assert seen[0] == seen[1] == seen[2]
    assert [s for s, _, _ in seen[0]] == list(range(1, 61))
    for name in names:  # each sender's own messages stay in the order it sent them
        assert [t for _, who, t in seen[0] if who == name] == [f"{name}-{i}" for i in range(20)]


async def test_private_messages_reach_only_the_recipient_and_the_sender(
    client: AsyncTp3Client,
) -> None:
    async with (
        client.chat.join("alice", "whisper") as alice,
        client.chat.join("bob", "whisper") as bob,
        client.chat.join("carol", "whisper") as carol,
    ):
        await alice.send("for bob only", to="Bob")
        await alice.send("for everyone")
        expected = ("alice", "bob", "for bob only")
        got = await next_of(bob, PrivateMessage)
        assert (got.sender, got.recipient, got.text) == expected
        echo = await next_of(alice, PrivateMessage)
        assert (echo.sender, echo.recipient, echo.text) == expected
        # carol's next chat message is the public one: the private one never reached her
        async with asyncio.timeout(WAIT):
            async for event in carol:
                assert not isinstance(event, PrivateMessage)
                if isinstance(event, RoomMessage):
                    assert event.text == "for everyone"
                    break


async def test_a_taken_name_is_already_exists(client: AsyncTp3Client) -> None:
    async with client.chat.join("alice", "names"):
        with pytest.raises(Tp3RpcError) as caught:
            async with client.chat.join("ALICE", "names"):
                pytest.fail("joined twice")
    assert caught.value.status is Status.ALREADY_EXISTS
    assert "'ALICE' is already taken" in caught.value.message


@pytest.mark.parametrize(
    ("name", "room", "message"),
    [
        ("a b", "r", "name: 'a b' may only hold"),
        ("", "r", "name: is required"),
        ("alice", "no/slash", "room: 'no/slash' may only hold"),
        ("x" * 40, "r", "name: is longer than 32"),
    ],
)
async def test_bad_names_are_invalid_argument(
    client: AsyncTp3Client, name: str, room: str, message: str
) -> None:
    with pytest.raises(Tp3RpcError) as caught:
        async with client.chat.join(name, room):
            pytest.fail("joined with a bad name")
    assert caught.value.status is Status.INVALID_ARGUMENT
    assert message in caught.value.message


async def test_bad_text_is_a_notice_and_the_session_goes_on(client: AsyncTp3Client) -> None:
    async with client.chat.join("alice", "texts") as alice:
        await alice.send("two\nlines")
        await alice.send("   ")
        await alice.send("fine")
        notices = [await next_of(alice, Notice), await next_of(alice, Notice)]
        assert [n.status for n in notices] == [Status.INVALID_ARGUMENT] * 2
        assert "control characters" in notices[0].text
        assert "is empty" in notices[1].text
        assert (await next_of(alice, RoomMessage)).text == "fine"


async def test_an_unknown_recipient_is_a_notice(client: AsyncTp3Client) -> None:
    async with client.chat.join("alice", "nobody") as alice:
        await alice.send("hello?", to="ghost")
        notice = await next_of(alice, Notice)
        assert notice.status is Status.NOT_FOUND
        assert "no member named 'ghost'" in notice.text
        await alice.send("still here")
        assert (await next_of(alice, RoomMessage)).text == "still here"


async def raw_chat(server: Tp3Server, *requests: bytes) -> tuple[list[pb.ChatResponse], Any]:
    """Send hand-made request bytes (what no typed client would), collect the replies."""

    class Raw:
        def __init__(self, data: bytes) -> None:
            self.data = data

        def SerializeToString(self) -> bytes:
            return self.data

    channel = Channel("127.0.0.1", server.port)
    replies: list[pb.ChatResponse] = []
    error = None
    try:
        async with channel.request(
            "/tp3.chat.v1.ChatService/Chat",
            Cardinality.STREAM_STREAM,
            Raw,
            pb.ChatResponse,
            timeout=WAIT,
        ) as stream:
            for i, data in enumerate(requests):
                await stream.send_message(Raw(data), end=i == len(requests) - 1)
            try:
                async for reply in stream:
                    replies.append(reply)
            except Exception as caught:
                error = caught
    except Exception as caught:
        error = caught
    finally:
        channel.close()
    return replies, error


async def test_presence_comes_in_batches_to_who_asks_and_one_by_one_to_the_others(
    server: Tp3Server, client: AsyncTp3Client
) -> None:
    """A burst of arrivals (a class logging in at once) reaches a member that set
    `batch_presence` in fewer responses than arrivals; a member that did not (an older
    client, grpcurl) gets one `member_joined` each, in the same order."""
    channel = Channel("127.0.0.1", server.port)
    kinds = (Cardinality.STREAM_STREAM, pb.ChatRequest, pb.ChatResponse)
    try:
        async with (
            channel.request("/tp3.chat.v1.ChatService/Chat", *kinds, timeout=WAIT) as batched,
            channel.request("/tp3.chat.v1.ChatService/Chat", *kinds, timeout=WAIT) as single,
            contextlib.AsyncExitStack() as stack,
        ):
            for stream, name in ((batched, "batched"), (single, "single")):
                join = pb.Join(room="burst", name=name, batch_presence=stream is batched)
                await stream.send_message(pb.ChatRequest(join=join))
                welcome = await stream.recv_message()
                assert welcome is not None
                assert welcome.joined is not None
            members = await asyncio.gather(
                *(stack.enter_async_context(client.chat.join(f"m{i}", "burst")) for i in range(20))
            )
            await members[0].send("done")

            async def until_done(stream: Any) -> list[pb.ChatResponse]:
                responses = []
                async with asyncio.timeout(WAIT):
                    while (response := await stream.recv_message()).message is None:
                        responses.append(response)
                assert response.message.text == "done"
                return responses

            to_batched, to_single = await until_done(batched), await until_done(single)
            for stream in (batched, single):
                await stream.send_message(pb.ChatRequest(leave=pb.Leave()), end=True)
                while await stream.recv_message() is not None:
                    pass  # the others' departures
    finally:
        channel.close()
    assert all(r.presence is not None for r in to_batched)
    told = [c.joined.name for r in to_batched for c in r.presence.changes]  # type: ignore[union-attr]
    assert told[0] == "single"
    assert sorted(told[1:]) == sorted(f"m{i}" for i in range(20))
    assert len(to_batched) < len(told)  # gathered: fewer responses than arrivals
    assert all(r.member_joined is not None for r in to_single)
    assert [r.member_joined.name for r in to_single] == told[1:]  # type: ignore[union-attr]


async def test_the_library_asks_for_presence_in_batches_when_it_joins_and_when_it_resumes(
    client: AsyncTp3Client,
) -> None:
    session = client.chat.join("alice", "batches")
    fresh = session._join_request().join
    async with session as alice:
        resuming = alice._join_request().join  # what it sends after a reconnection
    assert fresh is not None
    assert fresh.batch_presence
    assert fresh.resume is None
    assert resuming is not None
    assert resuming.batch_presence
    assert resuming.resume is not None


async def test_sending_before_joining_is_failed_precondition(server: Tp3Server) -> None:
    send = bytes(pb.ChatRequest(send=pb.Send(text="hi")))
    replies, error = await raw_chat(server, send)
    assert replies == []
    assert error is not None
    assert error.status is Status.FAILED_PRECONDITION
    assert "join first" in error.message


async def test_an_impersonation_attempt_keeps_the_joined_name(
    server: Tp3Server, client: AsyncTp3Client
) -> None:
    """A send that carries a sender name (field 15, as older chat protocols had a `from`) and a
    second join as someone else: everyone still sees alice."""
    async with client.chat.join("bob", "spoof") as bob:
        join = bytes(pb.ChatRequest(join=pb.Join(room="spoof", name="alice")))
        send = bytes(pb.ChatRequest(send=pb.Send(text="I am bob")))
        forged_from = b"\x7a\x03bob"  # field 15, length-delimited: "bob"
        second_join = bytes(pb.ChatRequest(join=pb.Join(room="spoof", name="bob")))
        leave = bytes(pb.ChatRequest(leave=pb.Leave()))
        replies, error = await raw_chat(server, join, send + forged_from, second_join, leave)
        seen_by_bob = await next_of(bob, RoomMessage)
    assert error is None
    assert (seen_by_bob.sender, seen_by_bob.text) == ("alice", "I am bob")
    notices = [r.notice for r in replies if r.notice is not None]
    assert [n.code for n in notices] == [Status.FAILED_PRECONDITION.value]
    assert "already joined room 'spoof' as 'alice'" in notices[0].text
    own = [r.message for r in replies if r.message is not None]
    assert [(m.from_, m.text) for m in own] == [("alice", "I am bob")]


async def test_resume_replays_what_was_missed_without_gap_or_duplicate(
    client: AsyncTp3Client,
) -> None:
    async with client.chat.join("bob", "resume") as bob:
        async with client.chat.join("alice", "resume") as alice:
            for i in range(1, 4):
                await bob.send(f"before-{i}")
            await collect(alice, 3, RoomMessage)
            resume = alice.resume_point
            assert resume.last_sequence == 3
        for i in range(1, 6):  # alice is away
            await bob.send(f"away-{i}")
        await collect(bob, 8, RoomMessage)
        async with client.chat.join("alice", "resume", resume=resume) as back:
            assert not back.joined.history_gap
            assert [m.text for m in back.joined.history] == [f"away-{i}" for i in range(1, 6)]
            await bob.send("live")
            live = await next_of(back, RoomMessage)
    assert (live.sequence, live.text) == (9, "live")


async def test_resume_beyond_history_reports_the_gap(server: Tp3Server) -> None:
    small = Tp3Server(_config(server, ChatLimits(history_size=3, join_history=2)))
    async with (
        small,
        AsyncTp3Client(f"127.0.0.1:{small.port}") as client,
        client.chat.join("bob", "gap") as bob,
    ):
        async with client.chat.join("alice", "gap") as alice:
            resume = alice.resume_point
        for i in range(1, 7):
            await bob.send(f"m{i}")
        await collect(bob, 6, RoomMessage)
        async with client.chat.join("alice", "gap", resume=resume) as back:
            assert back.joined.history_gap
            assert [m.sequence for m in back.joined.history] == [4, 5, 6]


def _config(server: Tp3Server, chat: ChatLimits) -> ServerConfig:
    return replace(server.config, port=0, chat=chat)


async def exchange(client: AsyncTp3Client, room: str, total: int) -> list[list[RoomMessage]]:
    """ann and ben send `total` messages between them, reading all of them as they go."""
    async with client.chat.join("ann", room) as ann, client.chat.join("ben", room) as ben:
        collecting = [
            asyncio.create_task(collect(s, total, RoomMessage, timeout=90)) for s in (ann, ben)
        ]

        async def talk(session: ChatSession, start: int) -> None:
            for i in range(start, total, 2):
                await session.send(f"m{i}")

        await asyncio.gather(talk(ann, 0), talk(ben, 1))
        return [await c for c in collecting]


@pytest.mark.slow
async def test_a_member_that_never_reads_is_disconnected_and_the_others_get_everything(
    server: Tp3Server,
) -> None:
    """10,000 messages between two readers while a third member reads nothing.

    The sleeper's HTTP/2 windows are the smallest allowed (64 KiB, against grpclib's 4 MiB
    default) so that the server's sends to it block after ~1,000 events, as they would after
    ~60,000 with the defaults."""
    total = 10_000
    limits = ChatLimits(
        history_size=50, join_history=0, mailbox_size=64,
        messages_per_second=total, client_messages_per_second=total,
    )  # fmt: skip
    small_windows = Configuration(
        http2_connection_window_size=2**16, http2_stream_window_size=2**16
    )
    async with (
        Tp3Server(_config(server, limits)) as busy,
        AsyncTp3Client(f"127.0.0.1:{busy.port}") as readers,
        AsyncTp3Client(f"127.0.0.1:{busy.port}", config=small_windows) as sleeper,
        sleeper.chat.join("sleepy", "busy") as sleepy,
    ):
        most_buffered = 0
        backend = busy.chat_backend
        assert isinstance(backend, InMemoryChatBackend)  # what can tell what it buffers

        async def watch_buffers() -> None:
            nonlocal most_buffered
            while True:
                most_buffered = max(most_buffered, backend.buffered_events())
                await asyncio.sleep(0.005)

        watcher = asyncio.create_task(watch_buffers())
        got = await exchange(readers, "busy", total)
        watcher.cancel()
        assert [len(g) for g in got] == [total, total]
        assert [m.sequence for m in got[0]] == list(range(1, total + 1))
        assert got[0] == got[1]
        # The sleeper was dropped, not buffered without end: never more events waiting on the
        # server than three mailboxes hold (unbounded, the sleeper's alone would reach 10,000),
        # and its stuck RPC was ended too.
        assert 0 < most_buffered <= 3 * limits.mailbox_size
        await eventually(lambda: busy.chat.active_sessions == 0)
        # when it finally reads: what was in flight, then why it was dropped
        with pytest.raises(Tp3RpcError) as caught:
            async with asyncio.timeout(WAIT):
                async for _ in sleepy:
                    pass
    assert caught.value.status is Status.RESOURCE_EXHAUSTED
    assert "too slowly" in caught.value.message


async def test_a_member_whose_connection_vanishes_is_removed_and_announced(
    server: Tp3Server, client: AsyncTp3Client
) -> None:
    await client.chat.list_rooms()  # the client's connection is up: its tasks count as before
    tasks_before = len(asyncio.all_tasks())
    async with client.chat.join("stay", "vanish") as stay:
        doomed = AsyncTp3Client(f"127.0.0.1:{server.port}")
        session = doomed.chat.join("gone", "vanish")
        await session.__aenter__()
        assert (await next_of(stay, MemberJoined)).name == "gone"
        assert server.chat.active_sessions == 2
        doomed.close()  # the connection drops: no leave, no goodbye
        left = await next_of(stay, MemberLeft)
        assert (left.name, left.reason) == ("gone", LeaveReason.DISCONNECTED)
        await eventually(lambda: server.chat.active_sessions == 1)
        assert [m.name for m in await client.chat.list_members("vanish")] == ["stay"]
    await eventually(lambda: server.chat.active_sessions == 0)
    assert await client.chat.list_rooms() == []  # the empty room is gone
    backend = server.chat_backend
    assert isinstance(backend, InMemoryChatBackend)
    assert backend.buffered_events() == 0
    # no handler, reader or connection task of either member is left behind
    await eventually(lambda: len(asyncio.all_tasks()) <= tasks_before)


async def test_list_rooms_and_members(client: AsyncTp3Client) -> None:
    async with client.chat.join("alice", "a-room") as alice, client.chat.join("bob", "b-room"):
        await alice.send("hi")
        await next_of(alice, RoomMessage)
        rooms = await client.chat.list_rooms()
        assert [(r.name, r.member_count, r.last_sequence) for r in rooms] == [
            ("a-room", 1, 1),
            ("b-room", 1, 0),
        ]
        assert [m.name for m in await client.chat.list_members("a-room")] == ["alice"]
    with pytest.raises(Tp3RpcError) as caught:
        await client.chat.list_members("a-room")
    assert caught.value.status is Status.NOT_FOUND


@contextlib.asynccontextmanager
async def joined_raw_chat(
    server: Tp3Server, room: str
) -> AsyncIterator[Stream[pb.ChatRequest, pb.ChatResponse]]:
    """A chat stream of grpclib's own, heartbeats and all, joined to `room` as "raw"."""
    assert server.port is not None  # started
    channel = Channel("127.0.0.1", server.port)
    try:
        chat = channel.request(
            "/tp3.chat.v1.ChatService/Chat",
            Cardinality.STREAM_STREAM,
            pb.ChatRequest,
            pb.ChatResponse,
            timeout=WAIT,
        )
        async with chat as raw:
            await raw.send_message(pb.ChatRequest(join=pb.Join(room=room, name="raw")))
            joined = await raw.recv_message()
            assert joined is not None
            assert joined.joined is not None
            yield raw
            await raw.send_message(pb.ChatRequest(leave=pb.Leave()), end=True)
    finally:
        channel.close()


async def test_a_quiet_session_gets_heartbeats_the_library_does_not_show(server: Tp3Server) -> None:
    config = replace(server.config, port=0, heartbeat=0.05)
    async with Tp3Server(config) as beating:
        async with joined_raw_chat(beating, "beats") as raw:
            quiet = [await raw.recv_message() for _ in range(2)]  # nothing was said
            assert all(r is not None and r.heartbeat is not None for r in quiet)
        async with (
            AsyncTp3Client(f"127.0.0.1:{beating.port}", timeout=WAIT) as tp3,
            tp3.chat.join("reader", "beats") as reader,
        ):
            await asyncio.sleep(0.3)  # several heartbeats
            await reader.send("after the quiet")
            async with asyncio.timeout(WAIT):
                first = await anext(aiter(reader))
            assert isinstance(first, RoomMessage)  # heartbeats are not events


async def test_a_session_that_keeps_sending_gets_no_heartbeat(server: Tp3Server) -> None:
    """A heartbeat is for quiet only: messages every 0.05 s to a session whose heartbeat
    interval is 0.2 s leave no room for one (a session's clock restarts at each send)."""
    config = replace(server.config, port=0, heartbeat=0.2)
    async with (
        Tp3Server(config) as beating,
        AsyncTp3Client(f"127.0.0.1:{beating.port}", timeout=WAIT) as tp3,
        joined_raw_chat(beating, "busy") as raw,
    ):
        async with tp3.chat.join("talker", "busy") as talker:
            for i in range(12):  # 0.6 s: three intervals
                await talker.send(f"m{i}")
                await asyncio.sleep(0.05)
            seen: list[pb.ChatResponse] = []
            while len([r for r in seen if r.message is not None]) < 12:
                response = await raw.recv_message()
                assert response is not None
                seen.append(response)
        assert not [r for r in seen if r.heartbeat is not None]
