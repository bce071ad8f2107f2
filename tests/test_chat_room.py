"""The room's rules, without any network: identity, order, history, resume, slow members."""

import inspect
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tp3.chat import rules
from tp3.chat.backend import ChatLimits, InMemoryChatBackend
from tp3.chat.events import (
    LeaveReason,
    MemberJoined,
    MemberLeft,
    PrivateMessage,
    Resume,
    RoomMessage,
)
from tp3.chat.room import Room
from tp3.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from tp3.mailbox import Mailbox, MailboxClosed


def fixed_clock() -> datetime:
    return datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def make_room(history_size: int = 10, join_history: int = 3) -> Room:
    return Room("r", history_size=history_size, join_history=join_history, clock=fixed_clock)


def drain(mailbox: Mailbox) -> list[object]:
    events = []
    while (event := mailbox.get_nowait()) is not None:
        events.append(event)
    return events


def test_members_see_each_other_arrive_and_leave() -> None:
    room = make_room()
    alice_box, bob_box = Mailbox(10), Mailbox(10)
    alice = room.join("alice", alice_box)
    bob = room.join("bob", bob_box)
    assert [m.name for m in bob.members] == ["alice", "bob"]
    assert drain(alice_box) == [MemberJoined("bob", fixed_clock())]
    room.leave(bob.member_id, LeaveReason.LEFT)
    assert drain(alice_box) == [MemberLeft("bob", LeaveReason.LEFT, fixed_clock())]
    assert bob_box.closed is LeaveReason.LEFT
    assert [m.name for m in room.members] == ["alice"]
    assert alice.member_id != bob.member_id


def test_names_are_unique_ignoring_case() -> None:
    room = make_room()
    room.join("alice", Mailbox(10))
    with pytest.raises(AlreadyExists, match="'Alice' is already taken in room 'r'"):
        room.join("Alice", Mailbox(10))


@pytest.mark.parametrize(
    "look_alike", ["\u0430lice", "\uff41\uff4c\uff49\uff43\uff45", "al\u0131ce"]
)
def test_a_look_alike_of_a_member_is_refused_and_cannot_take_her_messages(look_alike: str) -> None:
    room = make_room()
    alice_box = Mailbox(10)
    room.join("alice", alice_box)
    with pytest.raises(AlreadyExists, match=f"{look_alike!r} looks like 'alice', already taken"):
        room.join(look_alike, Mailbox(10))
    bob = room.join("bob", Mailbox(10)).member_id
    drain(alice_box)
    room.whisper(bob, look_alike, "for alice")  # a look-alike address reaches the one member
    assert [e.recipient for e in drain(alice_box)] == ["alice"]


def test_every_member_gets_the_same_numbered_order() -> None:
    room = make_room()
    boxes = [Mailbox(100) for _ in range(3)]
    ids = [room.join(name, box).member_id for name, box in zip("abc", boxes, strict=True)]
    for box in boxes:
        drain(box)
    for i in range(9):
        room.post(ids[i % 3], f"m{i}")
    seen = [[(e.sequence, e.sender, e.text) for e in drain(box)] for box in boxes]
    assert seen[0] == seen[1] == seen[2]
    assert [s for s, _, _ in seen[0]] == list(range(1, 10))
    assert seen[0][:2] == [(1, "a", "m0"), (2, "b", "m1")]


def test_a_refused_text_takes_no_sequence_number() -> None:
    room = make_room()
    alice = room.join("alice", Mailbox(10)).member_id
    room.post(alice, "one")
    with pytest.raises(InvalidArgument):
        room.post(alice, "")
    assert room.post(alice, "two").sequence == 2


def test_the_sender_is_always_the_joined_name() -> None:
    room = make_room()
    box = Mailbox(10)
    alice = room.join("alice", box)
    message = room.post(alice.member_id, "hi")
    assert message.sender == "alice"


def test_private_messages_reach_the_recipient_and_echo_to_the_sender_only() -> None:
    room = make_room()
    boxes = {name: Mailbox(10) for name in ("alice", "bob", "carol")}
    ids = {name: room.join(name, box).member_id for name, box in boxes.items()}
    for box in boxes.values():
        drain(box)
    room.whisper(ids["alice"], "BOB", "psst")
    expected = PrivateMessage("alice", "bob", "psst", fixed_clock())
    assert drain(boxes["alice"]) == [expected]
    assert drain(boxes["bob"]) == [expected]
    assert drain(boxes["carol"]) == []
    room.whisper(ids["alice"], "alice", "note to self")
    assert len(drain(boxes["alice"])) == 1  # once, not twice


def test_an_unknown_recipient_is_not_found() -> None:
    room = make_room()
    alice = room.join("alice", Mailbox(10))
    with pytest.raises(NotFound, match="no member named 'zed' in room 'r'"):
        room.whisper(alice.member_id, "zed", "hello?")


def test_someone_who_left_cannot_post() -> None:
    room = make_room()
    alice = room.join("alice", Mailbox(10))
    room.join("bob", Mailbox(10))
    room.leave(alice.member_id, LeaveReason.LEFT)
    with pytest.raises(FailedPrecondition, match="no longer in room 'r'"):
        room.post(alice.member_id, "still here?")


def test_history_is_bounded_and_a_fresh_join_sees_the_last_few() -> None:
    room = make_room(history_size=5, join_history=3)
    alice = room.join("alice", Mailbox(100))
    for i in range(1, 9):
        room.post(alice.member_id, f"m{i}")
    bob = room.join("bob", Mailbox(100))
    assert [m.text for m in bob.history] == ["m6", "m7", "m8"]
    assert bob.last_sequence == 8
    assert not bob.history_gap


def test_resume_replays_exactly_what_was_missed() -> None:
    room = make_room(history_size=10, join_history=2)
    alice = room.join("alice", Mailbox(100))
    for i in range(1, 6):
        room.post(alice.member_id, f"m{i}")
    back = room.join("bob", Mailbox(100), Resume(room.epoch, last_sequence=2))
    assert [m.sequence for m in back.history] == [3, 4, 5]
    assert not back.history_gap


def test_resume_older_than_history_says_there_is_a_gap() -> None:
    room = make_room(history_size=3, join_history=1)
    alice = room.join("alice", Mailbox(100))
    for i in range(1, 8):
        room.post(alice.member_id, f"m{i}")
    back = room.join("bob", Mailbox(100), Resume(room.epoch, last_sequence=2))
    assert [m.sequence for m in back.history] == [5, 6, 7]  # 3 and 4 are gone
    assert back.history_gap
    exact = room.join("carol", Mailbox(100), Resume(room.epoch, last_sequence=4))
    assert [m.sequence for m in exact.history] == [5, 6, 7]
    assert not exact.history_gap


def test_resume_into_a_new_incarnation_of_the_room_says_there_is_a_gap() -> None:
    room = make_room()
    back = room.join("bob", Mailbox(100), Resume("an-older-epoch", last_sequence=40))
    assert back.history_gap
    assert back.history == ()


def test_resume_from_the_future_is_invalid() -> None:
    room = make_room()
    with pytest.raises(InvalidArgument, match="ahead of the room"):
        room.join("bob", Mailbox(100), Resume(room.epoch, last_sequence=1))
    assert room.members == ()  # nothing changed


def test_a_member_whose_mailbox_is_full_is_disconnected_and_the_room_goes_on() -> None:
    room = make_room()
    fast, slow = Mailbox(1000), Mailbox(3)
    writer = room.join("fast", fast).member_id
    room.join("slow", slow)
    drain(fast)
    for i in range(10):
        room.post(writer, f"m{i}")
    assert slow.closed is LeaveReason.TOO_SLOW
    assert len(slow) == 0  # its backlog is dropped, not kept
    events = drain(fast)
    assert MemberLeft("slow", LeaveReason.TOO_SLOW, fixed_clock()) in events
    assert [e.text for e in events if isinstance(e, RoomMessage)] == [f"m{i}" for i in range(10)]
    assert [m.name for m in room.members] == ["fast"]


async def test_a_closed_mailbox_tells_its_reader_why() -> None:
    box = Mailbox(2)
    box.close(LeaveReason.TOO_SLOW)
    with pytest.raises(MailboxClosed) as caught:
        await box.get()
    assert caught.value.reason is LeaveReason.TOO_SLOW


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


def test_a_burst_of_departures_does_not_evict_the_members_who_stayed() -> None:
    """1,000 members killed at once used to overflow everyone else's buffer with "left"
    events: the members who stayed were kicked as too slow."""
    room = make_room()
    stayers = [Mailbox(30) for _ in range(3)]  # 100 departures: over 30, within 4 x 30
    for i, box in enumerate(stayers):
        room.join(f"stay{i}", box)
    leavers = [room.join(f"gone{i}", Mailbox(30)) for i in range(100)]
    for box in stayers:
        drain(box)  # they saw everyone arrive
    for leaver in leavers:
        room.leave(leaver.member_id, LeaveReason.DISCONNECTED)
    for box in stayers:
        assert box.closed is None
        left = drain(box)
        assert [e.name for e in left] == [f"gone{i}" for i in range(100)]  # type: ignore[attr-defined]
    assert len(room.members) == 3


def test_an_arrival_and_departure_both_unread_cancel_out() -> None:
    room = make_room()
    box = Mailbox(4)
    room.join("alice", box)
    passer = room.join("passer", Mailbox(4))
    room.post(passer.member_id, "hi")
    room.leave(passer.member_id, LeaveReason.LEFT)
    events = drain(box)
    assert [type(e).__name__ for e in events] == ["RoomMessage"]
    assert len(box) == 0


def test_evicting_many_slow_members_at_once_does_not_recurse() -> None:
    """Leave -> announce -> evict -> leave recursed once per evicted member (RecursionError
    with 1,000 of them). A low recursion limit shows it with fewer."""
    room = make_room()
    talker = room.join("talker", Mailbox(10))
    sleepers = [Mailbox(1) for _ in range(300)]
    for i, box in enumerate(sleepers):
        room.join(f"s{i}", box)
    room.post(talker.member_id, "one")  # fills every sleeper's buffer
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 200)
    try:
        room.post(talker.member_id, "two")  # overflows all of them
    finally:
        sys.setrecursionlimit(limit)
    assert all(box.closed is LeaveReason.TOO_SLOW for box in sleepers)
    assert [m.name for m in room.members] == ["talker"]


def test_a_member_that_never_reads_is_dropped_even_by_presence_alone() -> None:
    """Presence has its own bound (four times the buffer): a member that never reads can't
    hold an event for every arrival in a huge room."""
    room = make_room()
    sleeper = Mailbox(2)
    room.join("sleeper", sleeper)
    for i in range(8):
        room.join(f"m{i}", Mailbox(100))
    assert sleeper.closed is None  # 8 arrivals: exactly its presence bound
    room.join("one-more", Mailbox(100))
    assert sleeper.closed is LeaveReason.TOO_SLOW
    assert "sleeper" not in [m.name for m in room.members]
