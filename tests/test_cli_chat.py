"""`tp3 chat`, run as a user runs it: `python -m tp3 chat ...` against a real server.

Every command runs in a subprocess with a bound; tests wait on the lines a command prints,
never on the clock. Each test uses its own rooms, since the session's server is shared.
"""

import asyncio
import contextlib
import json
import re
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cli_support import (
    RUN_TIMEOUT,
    Command,
    Terminal,
    assert_ok,
    assert_one_error_line,
    run_tp3,
    tp3_argv,
    tp3_env,
)
from conftest import ServerProcess

from tp3.chat.backend import ChatLimits
from tp3.errors import Tp3Error
from tp3.server import ServerConfig, Tp3Server

pytestmark = pytest.mark.slow  # processes: tp3 servers, clients, other tools


def chat(
    server: ServerProcess, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`tp3 chat ARGS --target <server>`, to completion; stdin is `input`, or empty."""
    return run_tp3("chat", *args, "--target", server.target, input=input)


def chat_command(server: ServerProcess, *args: str, stdin: int = subprocess.DEVNULL) -> Command:
    """`tp3 chat ARGS --target <server>`, running alongside the test."""
    return Command("chat", *args, "--target", server.target, stdin=stdin)


def chat_terminal(server: ServerProcess, *args: str) -> Terminal:
    """`tp3 chat ARGS --target <server>` on a pseudo-terminal."""
    # A terminal that answers no cursor position requests: tell prompt_toolkit not to ask.
    return Terminal(
        "chat", *args, "--target", server.target, TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1"
    )


def listener(server: ServerProcess, name: str, room: str, *args: str) -> Command:
    """`tp3 chat listen --json`, once it is in the room (its welcome line was read)."""
    command = chat_command(server, "listen", "--name", name, "--room", room, "--json", *args)
    welcome = command.next_json()
    assert welcome["type"] == "welcome", welcome
    return command


def messages(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["type"], e["sender"], e["text"]) for e in events if "text" in e]


# --- send and listen -------------------------------------------------------------------------


def test_listen_prints_messages_in_order_and_stops_at_count(server_process: ServerProcess) -> None:
    bob = listener(server_process, "bob", "cli-order", "--count", "2", "--timeout", "30")
    try:
        assert (
            assert_ok(chat(server_process, "send", "-n", "alice", "-r", "cli-order", "one")) == []
        )
        assert (
            assert_ok(chat(server_process, "send", "-n", "carol", "-r", "cli-order", "two")) == []
        )
        assert bob.wait() == 0
        events = [json.loads(line) for line in bob.out.rest()]
        assert messages(events) == [("message", "alice", "one"), ("message", "carol", "two")]
        sent = [e for e in events if e["type"] == "message"]
        assert sent[1]["sequence"] == sent[0]["sequence"] + 1
        assert {"joined", "left"} <= {e["type"] for e in events}  # the senders came and went
        assert bob.err.rest() == []
    finally:
        bob.finish()


def test_listen_text_lines(server_process: ServerProcess) -> None:
    bob = chat_command(server_process, "listen", "-n", "bob", "-r", "cli-text", "--count", "1")
    try:
        assert bob.out.next_line() == "* joined room cli-text as bob; here: bob"
        assert_ok(chat(server_process, "send", "-n", "alice", "-r", "cli-text", "hi bob"))
        assert bob.wait() == 0
        lines = bob.out.rest()
        assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] \* alice joined", lines[0]), lines
        assert re.fullmatch(r"\[\d\d:\d\d:\d\d\] alice: hi bob", lines[1]), lines
    finally:
        bob.finish()


def test_send_json_describes_the_delivered_message(server_process: ServerProcess) -> None:
    result = chat(server_process, "send", "-n", "alice", "-r", "cli-send-json", "hello", "--json")
    (line,) = assert_ok(result)
    sent = json.loads(line)
    assert sent["type"] == "message"
    assert (sent["sender"], sent["text"], sent["sequence"]) == ("alice", "hello", 1)
    assert isinstance(sent["time"], str)


def test_private_message_reaches_only_its_recipient(server_process: ServerProcess) -> None:
    room = "cli-private"
    bob = listener(server_process, "bob", room, "--count", "1", "--timeout", "30")
    carol = listener(server_process, "carol", room, "--count", "1", "--timeout", "30")
    try:
        result = chat(server_process, "send", "-n", "alice", "-r", room, "--to", "bob", "psst")
        assert assert_ok(result) == []
        assert bob.wait() == 0
        private = bob.wait_json(type="private")
        assert (private["sender"], private["recipient"], private["text"]) == (
            "alice",
            "bob",
            "psst",
        )
        # The room delivers in order: had carol been sent the private message, it would be her
        # first message, before this one.
        assert_ok(chat(server_process, "send", "-n", "alice", "-r", room, "for everyone"))
        assert carol.wait() == 0
        seen = [json.loads(line) for line in carol.out.rest()]
        assert messages(seen) == [("message", "alice", "for everyone")]
    finally:
        bob.finish()
        carol.finish()


def test_private_message_to_an_unknown_member_is_one_error_line(
    server_process: ServerProcess,
) -> None:
    result = chat(server_process, "send", "-n", "alice", "-r", "cli-nobody", "--to", "nobody", "hi")
    line = assert_one_error_line(result, 1, "error: NOT_FOUND: ")  # and nothing on stdout
    assert "'nobody'" in line


def test_empty_message_is_one_error_line(server_process: ServerProcess) -> None:
    result = chat(server_process, "send", "-n", "alice", "-r", "cli-empty", " ")
    assert_one_error_line(result, 1, "error: INVALID_ARGUMENT: text", stdout_empty=False)


@pytest.mark.parametrize("command", ["send", "listen", "interactive"])
def test_a_name_already_taken_is_one_error_line(
    server_process: ServerProcess, command: str
) -> None:
    room = f"cli-taken-{command}"
    dana = listener(server_process, "dana", room, "--timeout", "30")
    try:
        args = {
            "send": ["send", "--name", "Dana", "--room", room, "hi"],  # names ignore case
            "listen": ["listen", "--name", "Dana", "--room", room, "--count", "1"],
            "interactive": ["--name", "Dana", "--room", room],
        }[command]
        line = assert_one_error_line(
            chat(server_process, *args), 1, "error: ALREADY_EXISTS: ", stdout_empty=False
        )
        assert "'Dana'" in line
    finally:
        dana.finish()


@pytest.mark.parametrize("command", ["send", "listen", "interactive"])
def test_an_invalid_name_is_one_error_line(server_process: ServerProcess, command: str) -> None:
    args = {
        "send": ["send", "--name", "a b", "--room", "cli-bad-name", "hi"],
        "listen": ["listen", "--name", "a b", "--room", "cli-bad-name", "--count", "1"],
        "interactive": ["--name", "a b", "--room", "cli-bad-name"],
    }[command]
    line = assert_one_error_line(
        chat(server_process, *args), 1, "error: INVALID_ARGUMENT: name", stdout_empty=False
    )
    assert "'a b'" in line


def test_unreachable_server_is_one_error_line() -> None:
    result = run_tp3("chat", "send", "-n", "a", "hi", "-t", "127.0.0.1:1")
    assert_one_error_line(result, 1, "error: UNAVAILABLE: ", stdout_empty=False)


def test_listen_timeout_with_nothing_said_exits_zero(server_process: ServerProcess) -> None:
    result = chat(server_process, "listen", "-n", "bob", "-r", "cli-quiet", "--timeout", "0.5")
    assert assert_ok(result) == ["* joined room cli-quiet as bob; here: bob"]
    assert result.stderr == ""


def test_listen_count_not_reached_before_timeout_is_one_error_line(
    server_process: ServerProcess,
) -> None:
    room = "cli-short"
    bob = listener(server_process, "bob", room, "--count", "2", "--timeout", "5")
    try:
        assert_ok(chat(server_process, "send", "-n", "alice", "-r", room, "only one"))
        assert bob.wait() == 1
        assert bob.err.rest() == ["error: timed out after 5 s with 1 of 2 messages"]
        events = [json.loads(line) for line in bob.out.rest()]
        assert messages(events) == [("message", "alice", "only one")]
    finally:
        bob.finish()


def test_history_is_shown_to_a_late_listener(server_process: ServerProcess) -> None:
    room = "cli-history"
    keeper = listener(server_process, "keeper", room, "--timeout", "30")  # keeps the room alive
    try:
        for text in ("early one", "early two"):
            assert_ok(chat(server_process, "send", "-n", "alice", "-r", room, text))
        result = chat(server_process, "listen", "-n", "late", "-r", room, "--timeout", "0.2")
        lines = assert_ok(result)
        assert lines[0] == f"* joined room {room} as late; here: keeper, late"
        assert re.fullmatch(r"\(history\) \[\d\d:\d\d:\d\d\] alice: early one", lines[1])
        assert re.fullmatch(r"\(history\) \[\d\d:\d\d:\d\d\] alice: early two", lines[2])

        result = chat(
            server_process, "listen", "-n", "late", "-r", room, "--timeout", "0.2", "--json"
        )
        events = [json.loads(line) for line in assert_ok(result)]
        assert events[0]["type"] == "welcome"
        assert [m["name"] for m in events[0]["members"]] == ["keeper", "late"]
        assert messages(events) == [
            ("history", "alice", "early one"),
            ("history", "alice", "early two"),
        ]
    finally:
        keeper.finish()


# --- rooms and who ---------------------------------------------------------------------------


def test_rooms_and_who(server_process: ServerProcess) -> None:
    room = "cli-who"
    bob = listener(server_process, "bob", room, "--timeout", "30")
    carol = listener(server_process, "carol", room, "--timeout", "30")
    try:
        lines = assert_ok(chat(server_process, "who", "--room", room))
        assert [line.split()[0] for line in lines] == ["bob", "carol"]
        result = chat(server_process, "who", "--room", room, "--json")
        assert [json.loads(line)["name"] for line in assert_ok(result)] == ["bob", "carol"]

        assert f"{room}  2 member(s), last message #0" in assert_ok(chat(server_process, "rooms"))
        found = [json.loads(line) for line in assert_ok(chat(server_process, "rooms", "--json"))]
        assert {"type": "room", "name": room, "member_count": 2, "last_sequence": 0} in found
    finally:
        bob.finish()
        carol.finish()


def test_who_in_an_empty_room_is_not_found(server_process: ServerProcess) -> None:
    result = chat(server_process, "who", "--room", "cli-nobody-here")
    assert_one_error_line(result, 1, "error: NOT_FOUND: ", stdout_empty=False)


# --- usage -----------------------------------------------------------------------------------


def test_interactive_chat_needs_a_name(server_process: ServerProcess) -> None:
    result = chat(server_process)
    assert result.returncode == 2
    assert "--name" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ((), ["--name", "--room", "/msg", "send", "listen", "rooms", "who"]),
        (("send",), ["TEXT", "--to", "--timeout", "--json"]),
        (("listen",), ["--count", "--timeout", "--json", "history"]),
        (("rooms",), ["--json"]),
        (("who",), ["--room", "--json"]),
    ],
    ids=["chat", "send", "listen", "rooms", "who"],
)
def test_help(command: tuple[str, ...], expected: list[str]) -> None:
    result = run_tp3("chat", *command, "--help")
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout, text


# --- interactive, without a terminal ---------------------------------------------------------


def test_interactive_reads_lines_from_a_pipe(server_process: ServerProcess) -> None:
    room = "cli-pipe"
    bob = listener(server_process, "bob", room, "--count", "2", "--timeout", "30")
    alice = chat_command(server_process, "--name", "alice", "--room", room, stdin=subprocess.PIPE)
    assert alice.process.stdin is not None
    try:
        assert alice.out.next_line() == f"* joined room {room} as alice; here: bob, alice"
        alice.process.stdin.write("hello bob\n/msg bob just you\n")
        alice.process.stdin.flush()
        while "alice -> bob (private): just you" not in (alice.out.next_line() or ""):
            pass
        alice.process.stdin.write("/quit\n")
        alice.process.stdin.flush()
        assert alice.wait() == 0
        assert alice.err.rest() == []
        assert bob.wait() == 0
        seen = [json.loads(line) for line in bob.out.rest()]
        assert messages(seen) == [
            ("message", "alice", "hello bob"),
            ("private", "alice", "just you"),
        ]
    finally:
        alice.finish()
        bob.finish()


CLOCK = re.compile(r"^\[\d\d:\d\d:\d\d\] ")


def test_piped_chat_waits_for_each_answer_and_fails_if_a_line_did(
    server_process: ServerProcess,
) -> None:
    """All of stdin at once, then its end: the session still shows the answer to every line,
    the last one too, before it leaves; a refused line is a notice there, one error line on
    stderr and exit status 1."""
    room = "cli-pipe-refused"
    result = chat(
        server_process, "--name", "piper", "--room", room, input="hello\n/msg nobody hi\n/quit\n"
    )
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert [CLOCK.sub("[T] ", line) for line in result.stdout.splitlines()] == [
        f"* joined room {room} as piper; here: piper",
        "* /help lists the commands; Ctrl-D leaves",
        "[T] piper: hello",
        f"! NOT_FOUND: to: there is no member named 'nobody' in room '{room}'",
    ]
    assert result.stderr.splitlines() == [
        f"error: NOT_FOUND: to: there is no member named 'nobody' in room '{room}'"
    ]

    result = chat(server_process, "--name", "piper", "--room", room, input="all good\n")
    assert CLOCK.sub("[T] ", assert_ok(result)[-1]) == "[T] piper: all good"
    assert result.stderr == ""


@pytest.fixture
async def flood_server() -> AsyncIterator[Tp3Server]:
    """A server that lets one member post as fast as it likes."""
    chat = ChatLimits(messages_per_second=10_000, client_messages_per_second=10_000)
    async with Tp3Server(ServerConfig(host="127.0.0.1", port=0, chat=chat)) as running:
        yield running


async def test_a_session_the_server_ends_is_one_error_line(flood_server: Tp3Server) -> None:
    """A member too slow to read is disconnected with RESOURCE_EXHAUSTED: the interactive
    command says so in one line and exits 1."""
    server = flood_server
    room = "cli-flood"
    process = await asyncio.create_subprocess_exec(
        *tp3_argv("chat", "-n", "alice", "-r", room, "--target", f"127.0.0.1:{server.port}"),
        stdin=subprocess.PIPE,  # left open: the session goes on until the server ends it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=tp3_env(),
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(RUN_TIMEOUT):
            welcome = await process.stdout.readline()
        assert welcome.decode().startswith(f"* joined room {room} as alice")
        # Without a pause, more events than alice's mailbox holds (256): no reader keeps up.
        backend = server.chat_backend
        flood = await backend.join(room, "flood")
        with contextlib.suppress(Tp3Error):  # flood is too slow as well, and goes
            for i in range(300):
                await backend.post(flood, f"m{i}")
        async with asyncio.timeout(RUN_TIMEOUT):
            out, err = await process.communicate()
        assert process.returncode == 1, err
        lines = err.decode().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("error: RESOURCE_EXHAUSTED: "), lines
        assert b"Traceback" not in out + err
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# --- interactive, on a terminal --------------------------------------------------------------


def test_interactive_chat_on_a_terminal(server_process: ServerProcess) -> None:
    room = "cli-tty"
    prompt = f"alice@{room}>"
    carol = listener(server_process, "carol", room, "--count", "3", "--timeout", "30")
    alice = chat_terminal(server_process, "--name", "alice", "--room", room)
    try:
        alice.wait_for(f"* joined room {room} as alice; here: carol, alice")
        alice.wait_for(prompt)

        alice.type("hello everyone\r")  # said to the room, shown when the room echoes it
        # wait for the room's echo, not for the typed line, which the terminal shows too
        shown = alice.wait_for("alice: hello everyone")
        assert re.search(r"\[\d\d:\d\d:\d\d\] alice: hello everyone", shown)
        alice.wait_for(prompt)

        # someone else speaks while alice's prompt waits for her
        assert_ok(chat(server_process, "send", "-n", "bob", "-r", room, "hi alice"))
        alice.wait_for("bob: hi alice")
        alice.wait_for("* bob left")
        alice.wait_for(prompt)

        alice.type("/who\r")
        alice.wait_for(f"* in {room}: carol, alice")
        alice.wait_for(prompt)

        alice.type("/msg carol just between us\r")
        alice.wait_for("alice -> carol (private): just between us")
        alice.wait_for(prompt)

        alice.type("/quit\r")
        assert alice.wait_exit() == 0
        assert "Traceback" not in alice.screen
        assert "error" not in alice.screen

        assert carol.wait() == 0
        seen = [json.loads(line) for line in carol.out.rest()]
        assert messages(seen) == [
            ("message", "alice", "hello everyone"),
            ("message", "bob", "hi alice"),
            ("private", "alice", "just between us"),
        ]
    finally:
        alice.close()
        carol.finish()


def test_interactive_notice_keeps_the_session(server_process: ServerProcess) -> None:
    room = "cli-tty-notice"
    prompt = f"bob@{room}>"
    bob = chat_terminal(server_process, "--name", "bob", "--room", room)
    try:
        bob.wait_for(prompt)
        bob.type("/msg nobody hello\r")
        bob.wait_for("! NOT_FOUND: to: there is no member named 'nobody'")
        bob.wait_for(prompt)
        bob.type("/help\r")
        bob.wait_for("/msg NAME TEXT")
        bob.wait_for(prompt)
        bob.type("still here\r")
        bob.wait_for("bob: still here")
        bob.wait_for(prompt)
        bob.type("/quit\r")
        assert bob.wait_exit() == 0
    finally:
        bob.close()


@pytest.mark.parametrize(("key", "name"), [("\x04", "ctrl-d"), ("\x03", "ctrl-c")])
def test_interactive_ctrl_d_and_ctrl_c_leave_cleanly(
    server_process: ServerProcess, key: str, name: str
) -> None:
    room = f"cli-tty-{name}"
    watcher = listener(server_process, "watcher", room, "--timeout", "30")
    alice = chat_terminal(server_process, "--name", "alice", "--room", room)
    try:
        alice.wait_for(f"alice@{room}>")
        watcher.wait_json(type="joined", name="alice")
        alice.type(key)
        assert alice.wait_exit() == 0
        assert "Traceback" not in alice.screen
        # a goodbye, not a dropped connection
        left = watcher.wait_json(type="left", name="alice")
        assert left["reason"] == "left"
    finally:
        alice.close()
        watcher.finish()
