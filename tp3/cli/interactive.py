"""What the interactive commands (`tp3 chat`, `tp3 game play`) share: where lines go, where
typed lines come from, and running the receiving and the typing side by side."""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import typer
from grpclib.const import Status
from prompt_toolkit import PromptSession, print_formatted_text
from prompt_toolkit.formatted_text import FormattedText

from tp3.cli.common import stdin_lines
from tp3.client import DEFAULT_TIMEOUT, Tp3RpcError

__all__ = [
    "FailedLines",
    "Fragments",
    "Screen",
    "SessionEnded",
    "answer",
    "piped_lines",
    "plain",
    "run_side_by_side",
    "terminal_lines",
]

Fragments = list[tuple[str, str]]
"""(prompt_toolkit style, text) pairs: one screen line."""


class FailedLines:
    """What went wrong with the lines a session obeyed (notices, unusable lines): a terminal's
    user saw each "!" line; a script learns of them by the exit status and one summary."""

    def __init__(self) -> None:
        self._texts: list[str] = []

    def add(self, text: str) -> None:
        self._texts.append(text)

    def summary(self) -> str | None:
        """The first failure, and how many more; None if none."""
        if not self._texts:
            return None
        more = len(self._texts) - 1
        return self._texts[0] + (f" (and {more} more failed line(s))" if more else "")


async def answer(answered: asyncio.Event, unanswered: str) -> None:
    """Wait for the answer to what was just sent (the echo, the hint, or a notice): one line
    at a time, as a person reads the answer before typing on. `unanswered` says what went
    without one, if the server never answers."""
    try:
        async with asyncio.timeout(DEFAULT_TIMEOUT):
            await answered.wait()
    except TimeoutError:
        message = f"{unanswered} within {DEFAULT_TIMEOUT:g} s"
        raise Tp3RpcError(Status.DEADLINE_EXCEEDED, message) from None


class SessionEnded(Exception):
    """The server ended the session without an error (it should only do so after a leave)."""


class Screen:
    """Where lines go: styled above the prompt on a terminal, plain lines otherwise."""

    def __init__(self, styled: bool) -> None:
        self.styled = styled

    def show(self, fragments: Fragments) -> None:
        if self.styled:
            print_formatted_text(FormattedText(fragments))
        else:
            typer.echo(plain(fragments))


def plain(fragments: Fragments) -> str:
    return "".join(text for _, text in fragments)


async def terminal_lines(
    prompt: str, status: Callable[[], Fragments] | None = None
) -> AsyncIterator[str]:
    """Lines typed at a prompt_toolkit prompt, until Ctrl-D or Ctrl-C. `status` gives a line
    kept at the right of the prompt and redrawn as time passes (a countdown), often empty."""
    session: PromptSession[str] = PromptSession(
        erase_when_done=True,
        # not a bottom toolbar: prompt_toolkit draws that only once the terminal has answered
        # a cursor position request, and shows an empty bar while there is nothing to say
        rprompt=(lambda: FormattedText(_margined(status()))) if status else None,
        refresh_interval=0.5 if status else 0,
    )
    while True:
        try:
            yield await session.prompt_async(prompt)
        except (EOFError, KeyboardInterrupt):
            return


def _margined(fragments: Fragments) -> Fragments:
    """One blank column between a right-aligned text and the terminal's edge: prompt_toolkit
    draws the last column apart (after a carriage return), which splits the text in two for
    whatever reads the terminal's output (tests, screen readers)."""
    return [*fragments, ("", " ")] if fragments else []


async def piped_lines() -> AsyncIterator[str]:
    async for line in stdin_lines():
        yield line.rstrip("\r\n")


async def run_side_by_side(
    receive: Coroutine[Any, Any, None], obey: Coroutine[Any, Any, None]
) -> None:
    """Receive and obey side by side until either ends; a failure of either is raised."""
    receiver = asyncio.create_task(receive, name="receive")
    commands = asyncio.create_task(obey, name="commands")
    try:
        await asyncio.wait({receiver, commands}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (receiver, commands):
            task.cancel()
        await asyncio.gather(receiver, commands, return_exceptions=True)
    for task in (receiver, commands):  # the receiver's error explains a failed send best
        if not task.cancelled() and (error := task.exception()) is not None:
            raise error
