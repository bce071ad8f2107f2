"""`tp3 chat`, run as a user runs it: `python -m tp3 chat ...` against a real server.

Every command runs in a subprocess with a bound; tests wait on the lines a command prints,
never on the clock. Each test uses its own rooms, since the session's server is shared.
"""

import asyncio
import contextlib
import fcntl
import json
import os
import queue
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from typing import Any, TextIO

import pytest
from conftest import ServerProcess

from tp3.errors import Tp3Error
from tp3.server import Tp3Server

RUN_TIMEOUT = 20.0
LINE_TIMEOUT = 10.0


def _env(**overrides: str) -> dict[str, str]:
    """The caller's environment without TP3_TARGET (tests choose it), wide and colourless."""
    env = {k: v for k, v in os.environ.items() if k not in {"TP3_TARGET", "FORCE_COLOR"}}
    env.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    env.update(overrides)
    return env


def chat(server: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    """`tp3 chat ARGS --target <server>`, to completion."""
    return subprocess.run(
        [sys.executable, "-m", "tp3", "chat", *args, "--target", server.target],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


def assert_one_error_line(result: subprocess.CompletedProcess[str], code: int, prefix: str) -> str:
    """The command failed with `code` and said why in exactly one stderr line, no traceback."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


class LineReader:
    """Reads a pipe in a thread so tests can wait for one line with a bound."""

    def __init__(self, pipe: TextIO) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe: TextIO) -> None:
        for line in pipe:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def next_line(self, timeout: float = LINE_TIMEOUT) -> str | None:
        """The next line, None at the end of the stream; fails the test after `timeout`."""
        try:
            return self._lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"no line within {timeout}s")

    def rest(self, timeout: float = LINE_TIMEOUT) -> list[str]:
        """The lines left until the end of the stream."""
        lines = []
        while (line := self.next_line(timeout)) is not None:
            lines.append(line)
        return lines

    def join(self, timeout: float = LINE_TIMEOUT) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive()


class Command:
    """A `tp3 chat ...` subprocess running alongside the test, its output read line by line."""

    def __init__(self, server: ServerProcess, *args: str, stdin: int = subprocess.DEVNULL) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tp3", "chat", *args, "--target", server.target],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.out = LineReader(self.process.stdout)
        self.err = LineReader(self.process.stderr)

    def next_json(self) -> dict[str, Any]:
        line = self.out.next_line()
        assert line is not None, f"the command ended: {self.err.rest()}"
        event: dict[str, Any] = json.loads(line)
        return event

    def wait_json(self, **fields: Any) -> dict[str, Any]:
        """Skip JSON lines until one has these fields."""
        while True:
            event = self.next_json()
            if fields.items() <= event.items():
                return event

    def wait(self, timeout: float = LINE_TIMEOUT) -> int:
        return self.process.wait(timeout)

    def finish(self) -> None:
        """Stop the process if it still runs, wait for it, and release its pipes."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(LINE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(LINE_TIMEOUT)
        self.out.join()
        self.err.join()
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def listener(server: ServerProcess, name: str, room: str, *args: str) -> Command:
    """`tp3 chat listen --json`, once it is in the room (its welcome line was read)."""
    command = Command(server, "listen", "--name", name, "--room", room, "--json", *args)
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
    bob = Command(server_process, "listen", "-n", "bob", "-r", "cli-text", "--count", "1")
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
    line = assert_one_error_line(result, 1, "error: NOT_FOUND: ")
    assert "'nobody'" in line
    assert result.stdout == ""


def test_empty_message_is_one_error_line(server_process: ServerProcess) -> None:
    result = chat(server_process, "send", "-n", "alice", "-r", "cli-empty", " ")
    assert_one_error_line(result, 1, "error: INVALID_ARGUMENT: text")


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
        line = assert_one_error_line(chat(server_process, *args), 1, "error: ALREADY_EXISTS: ")
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
    line = assert_one_error_line(chat(server_process, *args), 1, "error: INVALID_ARGUMENT: name")
    assert "'a b'" in line


def test_unreachable_server_is_one_error_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tp3", "chat", "send", "-n", "a", "hi", "-t", "127.0.0.1:1"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=_env(),
        stdin=subprocess.DEVNULL,
    )
    assert_one_error_line(result, 1, "error: UNAVAILABLE: ")


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
        assert {"name": room, "member_count": 2, "last_sequence": 0} in found
    finally:
        bob.finish()
        carol.finish()


def test_who_in_an_empty_room_is_not_found(server_process: ServerProcess) -> None:
    result = chat(server_process, "who", "--room", "cli-nobody-here")
    assert_one_error_line(result, 1, "error: NOT_FOUND: ")


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
    result = subprocess.run(
        [sys.executable, "-m", "tp3", "chat", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=_env(),
    )
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout, text


# --- interactive, without a terminal ---------------------------------------------------------


def test_interactive_reads_lines_from_a_pipe(server_process: ServerProcess) -> None:
    room = "cli-pipe"
    bob = listener(server_process, "bob", room, "--count", "2", "--timeout", "30")
    alice = Command(server_process, "--name", "alice", "--room", room, stdin=subprocess.PIPE)
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


async def test_a_session_the_server_ends_is_one_error_line(server: Tp3Server) -> None:
    """A member too slow to read is disconnected with RESOURCE_EXHAUSTED: the interactive
    command says so in one line and exits 1."""
    room = "cli-flood"
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tp3", "chat", "-n", "alice", "-r", room],
        *["--target", f"127.0.0.1:{server.port}"],
        stdin=subprocess.PIPE,  # left open: the session goes on until the server ends it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
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

_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`tp3 chat ARGS` on a pseudo-terminal: what the screen shows, and keys typed into it."""

    def __init__(self, server: ServerProcess, *args: str) -> None:
        pty = pytest.importorskip("pty")
        argv = [sys.executable, "-m", "tp3", "chat", *args, "--target", server.target]
        # A terminal that answers no cursor position requests: tell prompt_toolkit not to ask.
        env = _env(TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the command, on a 40x200 terminal
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
            os.execve(sys.executable, argv, env)
        self._raw = b""
        self._seen = 0  # how much of the screen text wait_for has consumed
        self.status: int | None = None

    @property
    def screen(self) -> str:
        """Everything shown so far, without escape sequences."""
        return _ESCAPE.sub("", self._raw.decode(errors="replace"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # the child closed the terminal
                return False
            self._raw += chunk
            return bool(chunk)
        return True

    def wait_for(self, text: str, timeout: float = LINE_TIMEOUT) -> str:
        """Wait until `text` appears after what earlier waits consumed; returns the screen
        text up to and including it."""
        deadline = time.monotonic() + timeout
        while (found := self.screen.find(text, self._seen)) < 0:
            if time.monotonic() > deadline or not self._read(0.05):
                pytest.fail(f"{text!r} not shown within {timeout}s; screen:\n{self.screen}")
        start, self._seen = self._seen, found + len(text)
        return self.screen[start : self._seen]

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait_exit(self, timeout: float = LINE_TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while (waited := os.waitpid(self.pid, os.WNOHANG))[0] == 0:
            if time.monotonic() > deadline:
                pytest.fail(f"still running after {timeout}s; screen:\n{self.screen}")
            self._read(0.05)  # keep draining: a child blocked on a full terminal never exits
        self.status = os.waitstatus_to_exitcode(waited[1])
        while self._read(0.05) and time.monotonic() < deadline:
            pass
        return self.status

    def close(self) -> None:
        if self.status is None:  # not reaped: don't leave it running
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def test_interactive_chat_on_a_terminal(server_process: ServerProcess) -> None:
    room = "cli-tty"
    prompt = f"alice@{room}>"
    carol = listener(server_process, "carol", room, "--count", "3", "--timeout", "30")
    alice = Terminal(server_process, "--name", "alice", "--room", room)
    try:
        alice.wait_for(f"* joined room {room} as alice; here: carol, alice")
        alice.wait_for(prompt)

        alice.type("hello everyone\r")  # said to the room, shown when the room echoes it
        assert re.search(r"\[\d\d:\d\d:\d\d\] alice: hello everyone", alice.wait_for("everyone"))
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
    bob = Terminal(server_process, "--name", "bob", "--room", room)
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
    alice = Terminal(server_process, "--name", "alice", "--room", room)
    try:
        alice.wait_for(f"alice@{room}>")
        watcher.wait_json(type="joined", name="alice")
        alice.type(key)
        assert alice.wait_exit() == 0
        assert "Traceback" not in alice.screen
        # a goodbye, not a dropped connection
        left = watcher.wait_json(type="left", name="alice")
        assert left["reason"] == "LEFT"
    finally:
        alice.close()
        watcher.finish()
