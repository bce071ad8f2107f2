"""Helpers for running `python -m tp3 ...` as a user does: to completion, alongside the test with
its output read line by line, or on a pseudo-terminal. Every wait is bounded."""

import json
import os
import queue
import re
import select
import struct
import subprocess
import sys
import threading
import time
from typing import IO, Any

import pytest

RUN_TIMEOUT = 20.0
LINE_TIMEOUT = 10.0


_SECONDS_LEFT = re.compile(r"\b\d+ s, (at|à) ")


def without_seconds_left(text: str) -> str:
    """`text` with the seconds a "next round in 3 s, at 14:02:07" line counts as "N": two
    clients that say it a moment apart may count differently, but the clock time they name is
    the server's, and stays."""
    return _SECONDS_LEFT.sub(r"N s, \1 ", text)


def tp3_env(**overrides: str) -> dict[str, str]:
    """The caller's environment without TP3_TARGET (tests choose it), wide and colourless, in
    English whatever the developer's locale (tests of French say so)."""
    env = {k: v for k, v in os.environ.items() if k not in {"TP3_TARGET", "FORCE_COLOR"}}
    env.update({"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "TP3_LANG": "en"})
    env.update(overrides)
    return env


def tp3_argv(*args: str) -> list[str]:
    """The argv of `tp3 ARGS`, run by this interpreter."""
    return [sys.executable, "-m", "tp3", *args]


def run_tp3(
    *args: str,
    input: str | None = None,
    env: dict[str, str] | None = None,
    program: list[str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`tp3 ARGS` to completion; stdin is `input`, or empty. `program` (an argv prefix) runs
    another program instead, e.g. the Java client."""
    return subprocess.run(
        [*program, *args] if program else tp3_argv(*args),
        input=input,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        env=env if env is not None else tp3_env(),
        stdin=None if input is not None else subprocess.DEVNULL,
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


def assert_one_error_line(
    result: subprocess.CompletedProcess[str], code: int, prefix: str, *, stdout_empty: bool = True
) -> str:
    """The command failed with `code` and said why in exactly one stderr line, no traceback;
    with `stdout_empty`, it printed nothing on stdout either."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    if stdout_empty:
        assert result.stdout == ""
    return lines[0]


class LineReader:
    """Reads a pipe in a thread so tests can wait for one line with a bound."""

    def __init__(self, pipe: IO[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(pipe,), daemon=True)
        self._thread.start()

    def _pump(self, pipe: IO[str]) -> None:
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
    """A `tp3 ARGS` subprocess running alongside the test, its output read line by line;
    `program` (an argv prefix) runs another program instead, e.g. the Java client."""

    def __init__(
        self, *args: str, stdin: int = subprocess.DEVNULL, program: list[str] | None = None
    ) -> None:
        self.process = subprocess.Popen(
            [*program, *args] if program else tp3_argv(*args),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=tp3_env(),
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

    def send(self, line: str) -> None:
        """Type `line` and Enter on the command's stdin (started with stdin=subprocess.PIPE)."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_line(self, ends: str = "", *, starts: str = "") -> list[str]:
        """Read stdout lines until one starts with `starts` and ends with `ends`; returns the
        lines read, that one last."""
        seen: list[str] = []
        while True:
            line = self.out.next_line()
            assert line is not None, f"ended before {starts!r}...{ends!r}: {seen} {self.err.rest()}"
            seen.append(line)
            if line.startswith(starts) and line.endswith(ends):
                return seen

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


_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """`tp3 ARGS` on a 40x200 pseudo-terminal: what the screen shows, and keys typed into it.
    `env_overrides` change the environment of `tp3_env()`; `program` (an argv prefix whose first
    item is a path) runs another program instead."""

    def __init__(self, *args: str, program: list[str] | None = None, **env_overrides: str) -> None:
        pty = pytest.importorskip("pty")
        fcntl = pytest.importorskip("fcntl")
        termios = pytest.importorskip("termios")
        argv = [*program, *args] if program else tp3_argv(*args)
        env = tp3_env(**env_overrides)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the command, on the terminal
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
            os.execve(argv[0], argv, env)
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
