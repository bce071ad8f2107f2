"""Waiting for a server that does not answer: a spinner on a terminal, nothing in a pipe, and
one error line naming the target and what was not done, in both."""

import socket
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from cli_support import Terminal, assert_one_error_line, run_tp3, tp3_env
from conftest import ServerProcess

pytestmark = pytest.mark.slow  # processes: tp3 servers and commands on terminals

TIMEOUT = "1"  # --timeout: every test here ends within about a second
CLEAR_LINE = b"\x1b[2K"


@contextmanager
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel does it) and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as silent:
        yield silent.getsockname()[1]


@contextmanager
def unconnectable_port() -> Iterator[int]:
    """A port whose accept queue is full: Linux drops further SYNs, so connecting hangs."""
    with ExitStack() as stack:
        full = stack.enter_context(socket.create_server(("127.0.0.1", 0), backlog=0))
        port = full.getsockname()[1]
        for _ in range(3):  # more than the queue holds
            filler = stack.enter_context(socket.socket())
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
        yield port


def on_terminal(*args: str) -> Terminal:
    return Terminal(*args, TERM="xterm-256color", PROMPT_TOOLKIT_NO_CPR="1")


def test_a_silent_server_shows_a_spinner_on_a_terminal_then_one_error_line() -> None:
    with silent_port() as port:
        target = f"127.0.0.1:{port}"
        terminal = on_terminal(
            *("currency", "convert", "1", "EUR", "USD", "--target", target, "--timeout", TIMEOUT)
        )
        try:
            terminal.wait_for(f"waiting for {target} to answer")
            assert terminal.wait_exit() == 1
        finally:
            terminal.close()
    error = (
        f"error: DEADLINE_EXCEEDED: no answer from the tp3 server at {target} within 1s "
        "(the connection was made, but nothing came back on it)"
    )
    assert terminal.screen.rstrip().endswith(error)
    raw = terminal._raw  # the spinner's line was cleared before the error was written
    assert raw.rindex(b"to answer") < raw.rindex(CLEAR_LINE) < raw.index(b"error:")


def test_without_a_terminal_the_error_line_is_all_there_is() -> None:
    """Even where FORCE_COLOR (as CI sets it) makes rich take the pipe for a terminal."""
    with silent_port() as port:
        target = f"127.0.0.1:{port}"
        result = run_tp3(
            *("currency", "convert", "1", "EUR", "USD", "-t", target, "--timeout", TIMEOUT),
            env=tp3_env(FORCE_COLOR="1", TERM="xterm-256color"),
        )
    assert_one_error_line(
        result,
        1,
        f"error: DEADLINE_EXCEEDED: no answer from the tp3 server at {target} within 1s "
        "(the connection was made, but nothing came back on it)",
    )
    assert "\x1b" not in result.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="a full accept queue drops SYNs on Linux")
def test_a_connection_that_cannot_be_made_says_connecting() -> None:
    with unconnectable_port() as port:
        target = f"127.0.0.1:{port}"
        terminal = on_terminal("game", "scoreboard", "--target", target, "--timeout", TIMEOUT)
        try:
            terminal.wait_for(f"connecting to {target}…")
            assert terminal.wait_exit() == 1
        finally:
            terminal.close()
    assert terminal.screen.rstrip().endswith(
        f"error: DEADLINE_EXCEEDED: no answer from the tp3 server at {target} within 1s "
        "(no connection could be made)"
    )


def test_joining_a_chat_shows_the_spinner_too() -> None:
    with silent_port() as port:
        terminal = on_terminal("chat", "--name", "alice", "--target", f"127.0.0.1:{port}")
        try:
            terminal.wait_for(f"waiting for 127.0.0.1:{port} to answer")
        finally:
            terminal.close()  # no need to wait out the join's 10 s


def test_a_quick_answer_shows_no_spinner(server_process: ServerProcess) -> None:
    target = server_process.target
    terminal = on_terminal("currency", "convert", "6500", "MAD", "USD", "--target", target)
    try:
        terminal.wait_for("6500 MAD = 708.68 USD")
        assert terminal.wait_exit() == 0
    finally:
        terminal.close()
    assert "connecting to" not in terminal.screen
    assert "waiting for" not in terminal.screen
