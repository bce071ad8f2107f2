"""The room's decisions, without any network: identity, order, history, resume; and the
in-memory backend carrying them out on mailboxes: slow members, bursts of presence."""

import asyncio
import inspect
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import WAIT

from tp3.chat import rules, wire
from tp3.chat.backend import ChatLimits, InMemoryChatBackend, Session
from tp3.chat.events import (
    ChatEvent,
    Delivered,
    LeaveReason,
    MemberInfo,
    MemberJoined,
    MemberLeft,
    Presence,
    PrivateMessage,
    Resume,
    RoomJoined,
    RoomMessage,
)
from tp3.chat.room import Delivery, Departure, Effect, Room
from tp3.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from tp3.generated.tp3.chat import v1 as chat_pb
from tp3.mailbox import Inbox, Mailbox, MailboxClosed

E = TypeVar("E")
T = TypeVar("T")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


def make_room(history_size: int = 10, join_history: int = 3) -> Room:
    return Room("r", history_size=history_size, join_history=join_history, clock=fixed_clock)


def seen(effects: list[Effect], member_id: str) -> list[ChatEvent]:
    """What the effects hand to one member, in order, presence batches opened."""
    events: list[ChatEvent] = []
    for e in effects:
        if isinstance(e, Delivery) and member_id in e.to:
            events += e.event.changes if isinstance(e.event, Presence) else [e.event]
    return events


def told(effects: list[Effect]) -> list[tuple[list[ChatEvent], tuple[str, ...]]]:
    """The presence batches among the effects: (changes, to whom)."""
    return [
        (list(e.event.changes), e.to)
        for e in effects
        if isinstance(e, Delivery) and isinstance(e.event, Presence)
    ]


def message(effects: list[Effect]) -> Delivery:
    """The message a post or whisper delivers: last, after any presence it tells first."""
    last = effects[-1]
    assert isinstance(last, Delivery)
    assert not isinstance(last.event, Presence)
    return last


def join(room: Room, name: str, resume: Resume | None = None) -> str:
    return room.join(name, resume)[0].member_id


def all_of(kind: type[E], events: Sequence[object]) -> list[E]:
    """`events`, which must all be of `kind`, typed as such."""
    assert all(isinstance(e, kind) for e in events), events
    return [e for e in events if isinstance(e, kind)]


def test_members_see_each_other_arrive_and_leave() -> None:
    room = make_room()
    alice = join(room, "alice")
    bob, arrival = room.join("bob")
    assert [m.name for m in bob.members] == ["alice", "bob"]
    assert arrival == []  # told when the backend asks, or before the next message
    assert told(room.announce()) == [([MemberJoined("bob", NOW)], (alice,))]  # not to bob
    assert room.announce() == []  # once
    departure = room.leave(bob.member_id, LeaveReason.LEFT)
    assert departure == [Departure(bob.member_id, LeaveReason.LEFT)]
    assert told(room.announce()) == [([MemberLeft("bob", LeaveReason.LEFT, NOW)], (alice,))]
    assert room.leave(bob.member_id, LeaveReason.DISCONNECTED) == []  # once
    assert room.announce() == []
    assert [m.name for m in room.members] == ["alice"]
    assert alice != bob.member_id
    carol, _ = room.join("carol")
    assert [m.name for m in carol.members] == ["alice", "carol"]  # bob gone from the list


def test_presence_told_together_gives_each_member_what_came_after_its_own_arrival() -> None:
    room = make_room()
    alice = join(room, "alice")
    room.announce()
    bob = join(room, "bob")
    carol = join(room, "carol")  # her RoomJoined lists bob: she must not be told he arrived
    room.leave(bob, LeaveReason.LEFT)
    arrived = [MemberJoined("bob", NOW), MemberJoined("carol", NOW)]
    assert told(room.announce()) == [
        ([*arrived, MemberLeft("bob", LeaveReason.LEFT, NOW)], (alice,)),
        ([MemberLeft("bob", LeaveReason.LEFT, NOW)], (carol,)),
    ]  # and nothing to bob, gone


def test_a_message_tells_the_untold_presence_first() -> None:
    room = make_room()
    alice = join(room, "alice")
    room.announce()
    join(room, "bob")
    effects = room.post(alice, "hi")
    assert [type(e).__name__ for e in seen(effects, alice)] == ["MemberJoined", "RoomMessage"]
    assert room.announce() == []


def test_names_are_unique_ignoring_case() -> None:
    room = make_room()
    room.join("alice")
    with pytest.raises(AlreadyExists, match="'Alice' is already taken in room 'r'"):
        room.join("Alice")


@pytest.mark.parametrize(
    "look_alike", ["\u0430lice", "\uff41\uff4c\uff49\uff43\uff45", "al\u0131ce"]
)
def test_a_look_alike_of_a_member_is_refused_and_cannot_take_her_messages(look_alike: str) -> None:
    room = make_room()
    alice = join(room, "alice")
    with pytest.raises(AlreadyExists, match=f"{look_alike!r} looks like 'alice', already taken"):
        room.join(look_alike)
    bob = join(room, "bob")
    whisper = room.whisper(bob, look_alike, "for alice")  # a look-alike address: the one member
    assert message(whisper).to == (alice, bob)
    # bob's arrival first (told before anything he says), then the whisper
    assert seen(whisper, alice) == [
        MemberJoined("bob", NOW),
        PrivateMessage("bob", "alice", "for alice", NOW),
    ]


def test_a_resume_takes_over_its_own_name_and_ends_the_old_session() -> None:
    room = make_room()
    carol = join(room, "carol")
    old, _ = room.join("alice")
    with pytest.raises(AlreadyExists):  # someone else's member id: refused
        room.join("alice", Resume(room.epoch, 0, member_id="not-hers"))
    room.announce()
    new, effects = room.join("alice", Resume(room.epoch, 0, member_id=old.member_id))
    assert effects == [Departure(old.member_id, LeaveReason.DISCONNECTED)]
    effects += room.announce()
    assert [type(e).__name__ for e in seen(effects, carol)] == ["MemberLeft", "MemberJoined"]
    assert [m.name for m in room.members] == ["carol", "alice"]
    assert [m.name for m in new.members] == ["carol", "alice"]  # listed once, as arrived last
    assert new.member_id != old.member_id


def test_every_member_gets_the_same_numbered_order() -> None:
    room = make_room()
    ids = [join(room, name) for name in "abc"]
    posts = [message(room.post(ids[i % 3], f"m{i}")) for i in range(9)]
    assert all(post.to == tuple(ids) for post in posts)  # the sender too
    messages = all_of(RoomMessage, [post.event for post in posts])
    assert [(m.sequence, m.sender, m.text) for m in messages][:2] == [
        (1, "a", "m0"),
        (2, "b", "m1"),
    ]
    assert [m.sequence for m in messages] == list(range(1, 10))


def test_a_refused_text_takes_no_sequence_number() -> None:
    room = make_room()
    alice = join(room, "alice")
    room.post(alice, "one")
    with pytest.raises(InvalidArgument):
        room.post(alice, "")
    assert message(room.post(alice, "two")).event == RoomMessage(2, "alice", "two", NOW)


def test_private_messages_reach_the_recipient_and_echo_to_the_sender_only() -> None:
    room = make_room()
    ids = {name: join(room, name) for name in ("alice", "bob", "carol")}
    whisper = message(room.whisper(ids["alice"], "BOB", "psst"))
    assert whisper == Delivery(
        PrivateMessage("alice", "bob", "psst", fixed_clock()), (ids["bob"], ids["alice"])
    )
    assert message(room.whisper(ids["alice"], "alice", "note to self")).to == (ids["alice"],)


def test_an_unknown_recipient_is_not_found() -> None:
    room = make_room()
    alice = join(room, "alice")
    with pytest.raises(NotFound, match="no member named 'zed' in room 'r'"):
        room.whisper(alice, "zed", "hello?")


def test_someone_who_left_cannot_post() -> None:
    room = make_room()
    alice = join(room, "alice")
    join(room, "bob")
    room.leave(alice, LeaveReason.LEFT)
    with pytest.raises(FailedPrecondition, match="no longer in room 'r'"):
        room.post(alice, "still here?")


def test_history_is_bounded_and_a_fresh_join_sees_the_last_few() -> None:
    room = make_room(history_size=5, join_history=3)
    alice = join(room, "alice")
    for i in range(1, 9):
        room.post(alice, f"m{i}")
    bob, _ = room.join("bob")
    assert [m.text for m in bob.history] == ["m6", "m7", "m8"]
    assert bob.last_sequence == 8
    assert not bob.history_gap


def test_resume_replays_exactly_what_was_missed() -> None:
    room = make_room(history_size=10, join_history=2)
    alice = join(room, "alice")
    for i in range(1, 6):
        room.post(alice, f"m{i}")
    back, _ = room.join("bob", Resume(room.epoch, last_sequence=2))
    assert [m.sequence for m in back.history] == [3, 4, 5]
    assert not back.history_gap


def test_resume_older_than_history_says_there_is_a_gap() -> None:
    room = make_room(history_size=3, join_history=1)
    alice = join(room, "alice")
    for i in range(1, 8):
        room.post(alice, f"m{i}")
    back, _ = room.join("bob", Resume(room.epoch, last_sequence=2))
    assert [m.sequence for m in back.history] == [5, 6, 7]  # 3 and 4 are gone
    assert back.history_gap
    exact, _ = room.join("carol", Resume(room.epoch, last_sequence=4))
    assert [m.sequence for m in exact.history] == [5, 6, 7]
    assert not exact.history_gap


def test_resume_into_a_new_incarnation_of_the_room_says_there_is_a_gap() -> None:
    room = make_room()
    back, _ = room.join("bob", Resume("an-older-epoch", last_sequence=40))
    assert back.history_gap
    assert back.history == ()


def test_resume_from_the_future_is_invalid() -> None:
    room = make_room()
    with pytest.raises(InvalidArgument, match="ahead of the room"):
        room.join("bob", Resume(room.epoch, last_sequence=1))
    assert room.members == ()  # nothing changed


# --- the in-memory backend carrying the effects out --------------------------------------


def backend(mailbox_size: int, gathering: float = 0) -> InMemoryChatBackend:
    """By default presence is told at once, as these tests run without yielding to the loop."""
    limits = ChatLimits(
        mailbox_size=mailbox_size,
        messages_per_second=1e6,
        presence_gathering=gathering,
        presence_gathering_per_member=0,
    )
    return InMemoryChatBackend(limits)


def drain(inbox: Inbox[T]) -> list[T]:
    """The events waiting in `inbox`, taken out."""
    events: list[T] = []
    while (event := inbox.get_nowait()) is not None:
        events.append(event)
    return events


def batches(events: list[Delivered]) -> list[list[str]]:
    """The names in each presence batch of `events` (which must all be batches)."""
    return [[c.name for c in p.changes] for p in all_of(Presence, events)]


def closed(session: Session) -> LeaveReason | None:
    assert isinstance(session.inbox, Mailbox)
    return session.inbox.closed


async def test_a_member_whose_mailbox_is_full_is_disconnected_and_the_room_goes_on() -> None:
    chat = backend(mailbox_size=3)
    fast = await chat.join("r", "fast")
    slow = await chat.join("r", "slow")
    drain(fast.inbox)
    events = []
    for i in range(10):
        await chat.post(fast, f"m{i}")
        events += drain(fast.inbox)  # fast reads as it goes
    assert closed(slow) is LeaveReason.TOO_SLOW
    assert isinstance(slow.inbox, Mailbox)
    assert len(slow.inbox) == 0  # its backlog is dropped, not kept
    left = [(e.name, e.reason) for e in events if isinstance(e, MemberLeft)]
    assert left == [("slow", LeaveReason.TOO_SLOW)]
    assert [e.text for e in events if isinstance(e, RoomMessage)] == [f"m{i}" for i in range(10)]
    assert [m.name for m in await chat.members("r")] == ["fast"]
    assert chat.buffered_events() == 0


async def test_a_resume_that_takes_over_ends_the_old_session_with_its_reason() -> None:
    chat = backend(mailbox_size=10)
    old = await chat.join("r", "alice")
    await chat.join("r", "alice", Resume(old.joined.room_epoch, 0, old.member_id))
    with pytest.raises(MailboxClosed) as ended:
        await old.inbox.get()
    assert ended.value.reason is LeaveReason.DISCONNECTED


async def test_presence_in_a_burst_is_told_together_after_the_first_at_once() -> None:
    chat = backend(mailbox_size=10, gathering=0.2)
    batched = await chat.join("r", "batched", batch_presence=True)
    single = await chat.join("r", "single")
    others = [await chat.join("r", f"m{i}") for i in range(30)]  # 30 > the buffer of 10
    first = drain(batched.inbox)  # the room was quiet: "single" was told at once
    assert batches(first) == [["single"]]
    assert drain(single.inbox) == []  # the next 30 wait for the end of the window
    await asyncio.sleep(0.3)
    burst = drain(batched.inbox)
    assert batches(burst) == [[f"m{i}" for i in range(30)]]
    told_one_by_one = drain(single.inbox)
    assert [e.name for e in all_of(MemberJoined, told_one_by_one)] == [f"m{i}" for i in range(30)]
    assert closed(single) is None  # presence does not count against the buffer
    await chat.leave(others[0], LeaveReason.LEFT)
    await chat.post(others[1], "hello")  # a message tells the untold presence first, at once
    assert [type(e).__name__ for e in drain(batched.inbox)] == ["Presence", "RoomMessage"]
    assert [type(e).__name__ for e in drain(single.inbox)] == ["MemberLeft", "RoomMessage"]


async def test_a_bigger_room_gathers_its_presence_longer() -> None:
    """Telling a change costs a delivery per member: a room of 24 gathers for 24 x 20 ms."""
    limits = ChatLimits(presence_gathering=0.01, presence_gathering_per_member=0.02)
    chat = InMemoryChatBackend(limits)
    watcher = await chat.join("r", "watcher", batch_presence=True)
    for i in range(23):
        await chat.join("r", f"m{i}")
    arrivals = 0
    async with asyncio.timeout(5):
        while arrivals < 23:
            arrivals += sum(len(names) for names in batches(drain(watcher.inbox)))
            await asyncio.sleep(0.01)
    await chat.join("r", "late")  # due 0.48 s after the last telling
    await asyncio.sleep(0.2)
    assert drain(watcher.inbox) == []
    async with asyncio.timeout(5):
        while not (later := drain(watcher.inbox)):
            await asyncio.sleep(0.01)
    assert batches(later) == [["late"]]


async def test_a_member_taking_batches_that_never_reads_is_dropped_by_presence_alone() -> None:
    chat = backend(mailbox_size=1)  # presence: a bound of 4 batches
    sleeper = await chat.join("r", "sleeper", batch_presence=True)
    for i in range(4):
        await chat.join("r", f"m{i}")
    assert closed(sleeper) is None
    await chat.join("r", "one-more")
    assert closed(sleeper) is LeaveReason.TOO_SLOW


async def test_the_window_of_an_emptied_room_is_forgotten_with_it() -> None:
    chat = backend(mailbox_size=10, gathering=0.2)
    alice = await chat.join("r", "alice")
    bob = await chat.join("r", "bob")  # told at the end of the window...
    await chat.leave(bob, LeaveReason.LEFT)
    await chat.leave(alice, LeaveReason.LEFT)  # ...which never comes: nobody is left
    again = await chat.join("r", "carol", batch_presence=True)
    await chat.join("r", "dave")  # the new room's first change, told at once
    assert batches(drain(again.inbox)) == [["dave"]]
    await asyncio.sleep(0.3)
    assert drain(again.inbox) == []


async def test_a_closed_mailbox_tells_its_reader_why() -> None:
    box = Mailbox[ChatEvent](2)
    box.close(LeaveReason.TOO_SLOW)
    with pytest.raises(MailboxClosed) as caught:
        await box.get()
    assert caught.value.reason is LeaveReason.TOO_SLOW


async def test_a_waiting_reader_is_woken_and_a_second_reader_is_refused() -> None:
    box = Mailbox[str](2)
    reader = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="one reader at a time"):
        await box.get()
    box.put("hello")
    assert await asyncio.wait_for(reader, WAIT) == "hello"
    cancelled = asyncio.create_task(box.get())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    box.put("again")  # a cancelled reader leaves the place to the next
    assert await asyncio.wait_for(box.get(), WAIT) == "again"


async def test_the_backend_forgets_empty_rooms() -> None:
    backend = InMemoryChatBackend(ChatLimits(history_size=10, join_history=5, mailbox_size=10))
    session = await backend.join("", "alice")
    assert session.room == "lobby"
    assert [r.name for r in await backend.rooms()] == ["lobby"]
    await backend.leave(session, LeaveReason.LEFT)
    await backend.leave(session, LeaveReason.DISCONNECTED)  # twice is harmless
    assert await backend.rooms() == []
    with pytest.raises(NotFound):
        await backend.members("lobby")
    again = await backend.join("lobby", "alice", Resume(session.joined.room_epoch, 0))
    assert again.joined.room_epoch != session.joined.room_epoch


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "is required"),
        ("a b", "no spaces"),
        ("x" * 33, "longer than 32"),
        ("bob\n", None),  # surrounding whitespace is trimmed: fine
        ("ali/ce", "may only hold"),
    ],
)
def test_member_names(name: str, problem: str | None) -> None:
    if problem is None:
        assert rules.member_name(name) == name.strip()
    else:
        with pytest.raises(InvalidArgument, match=problem):
            rules.member_name(name)


def test_names_may_use_any_script() -> None:
    assert rules.member_name("Amélie") == "Amélie"
    assert rules.room_name("salle-à-manger") == "salle-à-manger"
    assert rules.room_name("  ") == "lobby"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("   ", "is empty"),
        ("two\nlines", "control characters"),
        ("bell\x07", "control characters"),
        ("x" * 1001, "longer than 1000"),
    ],
)
def test_bad_texts(text: str, problem: str) -> None:
    with pytest.raises(InvalidArgument, match=problem):
        rules.message_text(text)


@given(st.text(min_size=1, max_size=1000))
def test_text_rules_accept_exactly_printable_non_blank_text(text: str) -> None:
    has_control = any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)
    if text.strip() and not has_control:
        assert rules.message_text(text) == text
    else:
        with pytest.raises(InvalidArgument):
            rules.message_text(text)


async def test_a_burst_of_departures_does_not_evict_the_members_who_stayed() -> None:
    """1,000 members killed at once used to overflow everyone else's buffer with "left"
    events: the members who stayed were kicked as too slow."""
    chat = backend(mailbox_size=30)  # 100 departures: over 30, within 4 x 30
    stayers = [await chat.join("r", f"stay{i}") for i in range(3)]
    leavers = [await chat.join("r", f"gone{i}") for i in range(100)]
    for stayer in stayers:
        drain(stayer.inbox)  # they saw everyone arrive
    for leaver in leavers:
        await chat.leave(leaver, LeaveReason.DISCONNECTED)
    for stayer in stayers:
        assert closed(stayer) is None
        left = drain(stayer.inbox)
        assert [e.name for e in all_of(MemberLeft, left)] == [f"gone{i}" for i in range(100)]
    assert len(await chat.members("r")) == 3


async def test_an_arrival_and_departure_both_unread_cancel_out() -> None:
    chat = backend(mailbox_size=4)
    alice = await chat.join("r", "alice")
    passer = await chat.join("r", "passer")
    await chat.post(passer, "hi")
    await chat.leave(passer, LeaveReason.LEFT)
    assert [type(e).__name__ for e in drain(alice.inbox)] == ["RoomMessage"]


async def test_evicting_many_slow_members_at_once_does_not_recurse() -> None:
    """Leave -> announce -> evict -> leave recursed once per evicted member (RecursionError
    with 1,000 of them). A low recursion limit shows it with fewer."""
    chat = backend(mailbox_size=1)  # presence: a bound of 4
    talker = await chat.join("r", "talker")
    sleepers: list[Session] = []
    for i in range(300):
        sleepers.append(await chat.join("r", f"s{i}"))
        for session in [talker, *sleepers]:
            drain(session.inbox)  # they read while the room fills
    for i in range(4):  # fills every sleeper's presence: the next departure overflows it
        await chat.join("r", f"filler{i}")
    await chat.post(talker, "one")  # fills every sleeper's buffer
    drain(talker.inbox)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 200)
    try:
        await chat.post(talker, "one too many")  # overflows all of them
    finally:
        sys.setrecursionlimit(limit)
    assert all(closed(sleeper) is LeaveReason.TOO_SLOW for sleeper in sleepers)
    # 300 departures overflow the others' bound of 4 too: the room empties, and is forgotten
    assert await chat.rooms() == []
    assert chat.buffered_events() == 0


async def test_a_member_that_never_reads_is_dropped_even_by_presence_alone() -> None:
    """Presence has its own bound (four times the buffer): a member that never reads can't
    hold an event for every arrival in a huge room."""
    chat = backend(mailbox_size=2)
    sleeper = await chat.join("r", "sleeper")
    readers: list[Session] = []
    for name in [f"m{i}" for i in range(8)] + ["one-more"]:
        assert closed(sleeper) is None  # up to 8 arrivals: exactly its presence bound
        readers.append(await chat.join("r", name))
        for reader in readers:
            drain(reader.inbox)
    assert closed(sleeper) is LeaveReason.TOO_SLOW
    assert "sleeper" not in [m.name for m in await chat.members("r")]
    assert all(closed(reader) is None for reader in readers)


# --- on the wire ----------------------------------------------------------------------------


@given(
    st.lists(st.text(min_size=1, max_size=32), max_size=30),
    st.lists(st.text(max_size=50), max_size=20),
    st.booleans(),
    st.integers(min_value=0, max_value=2**63),
)
def test_a_spliced_joined_response_reads_back_as_the_joined_it_was_made_from(
    names: list[str], texts: list[str], gap: bool, last: int
) -> None:
    """The RoomJoined response is spliced from members and messages serialized once each (a
    thousand joins spent 26% of their time encoding member lists anew)."""
    joined = RoomJoined(
        room="r",
        name="ü" * 3,
        member_id="ab12",
        members=tuple(MemberInfo(n, NOW + timedelta(microseconds=i)) for i, n in enumerate(names)),
        history=tuple(RoomMessage(i + 1, "a", t, NOW) for i, t in enumerate(texts)),
        history_gap=gap,
        room_epoch="e" * 16,
        last_sequence=last,
    )
    response = chat_pb.ChatResponse.parse(wire.encoded_joined(joined).data)
    assert response.joined is not None
    assert wire.joined_from_proto(response.joined) == joined


def test_joined_responses_of_a_room_whose_members_come_and_go_read_back_right() -> None:
    """Each arrival's member list is the last one's plus itself, spliced on; a departure in
    between starts the list again."""
    people = [MemberInfo(f"p{i}", NOW + timedelta(seconds=i)) for i in range(6)]
    lists = [people[:1], people[:2], people[:4], [people[0], *people[2:5]], people[2:6]]
    for members in lists:
        joined = RoomJoined("come-and-go", "x", "id", tuple(members), (), False, "e", 0)
        response = chat_pb.ChatResponse.parse(wire.encoded_joined(joined).data)
        assert response.joined is not None
        assert wire.joined_from_proto(response.joined).members == tuple(members)
