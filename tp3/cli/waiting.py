"""What a command shows on a terminal while it waits for the server's first answer.

A spinner on stderr: "connecting to HOST:PORT…" until the connection is made, then "waiting
for HOST:PORT to answer" until the server's first response headers come. It shows only after a
moment (a quick answer flashes nothing), only when stderr is a terminal (scripts' stderr stays
clean), and is cleared when the answer comes, when the command turns to the user (lines typed
on the terminal), or when it fails. A deadline that passes before any answer says which of the
two was not done.
"""

import asyncio
import sys
from contextvars import ContextVar

from grpclib.const import Status
from grpclib.events import RecvInitialMetadata, SendRequest, listen
from rich.console import Console
from rich.live import Live
from rich.spinner import Spinner

from tp3.client import AsyncTp3Client, Tp3RpcError

__all__ = ["SHOW_AFTER", "Waiting", "explained", "follow", "stop"]

SHOW_AFTER = 0.25
"""Seconds without an answer before the spinner shows."""


class Waiting:
    """The first answer of one client's server, awaited."""

    def __init__(self, address: str, tls: bool) -> None:
        self.address = address
        self.tls = tls
        self.connected = False
        self.answered = False
        self._live: Live | None = None
        self._timer: asyncio.TimerHandle | None = None

    @property
    def text(self) -> str:
        if self.connected:
            return f"waiting for {self.address} to answer"
        return f"connecting to {self.address}…"

    def follow(self, client: AsyncTp3Client) -> None:
        # grpclib's channel events are the only news of the connection; the client keeps its
        # channel to itself, and this is the one place outside it that listens.
        channel = client._channel
        listen(channel, SendRequest, self._on_request)
        listen(channel, RecvInitialMetadata, self._on_answer)
        console = Console(stderr=True)
        if sys.stderr.isatty() and not console.is_dumb_terminal:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(SHOW_AFTER, self._show, console)

    async def _on_request(self, _: SendRequest) -> None:
        self.connected = True  # grpclib sends a request's headers once it is connected
        if self._live is not None:
            self._live.update(Spinner("dots", self.text))

    async def _on_answer(self, _: RecvInitialMetadata) -> None:
        self.answered = True
        self.stop()

    def _show(self, console: Console) -> None:
        self._timer = None
        # no redirection: what the command prints goes where it always goes
        self._live = Live(
            Spinner("dots", self.text),
            console=console,
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def stop(self) -> None:
        """Clear the spinner, or never show it."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._live is not None:
            self._live.stop()
            self._live = None


_current: ContextVar[Waiting | None] = ContextVar("tp3_cli_waiting", default=None)


def follow(client: AsyncTp3Client, address: str, *, tls: bool) -> None:
    """Show the command's wait for `client`'s first answer (one per command: the first)."""
    if _current.get() is None:
        waiting = Waiting(address, tls)
        waiting.follow(client)
        _current.set(waiting)


def stop() -> None:
    """The command has ended, or now waits for the user: clear the spinner."""
    if (waiting := _current.get()) is not None:
        waiting.stop()


def explained(error: Tp3RpcError) -> Tp3RpcError:
    """A failure before any answer, told with what was not done (the connection, or the
    answer on a connection that was made) or with the likely cause: TLS on one side only."""
    waiting = _current.get()
    if waiting is None or waiting.answered:
        return error
    if error.status is Status.DEADLINE_EXCEEDED:
        if waiting.connected:
            what = "the connection was made, but nothing came back on it"
        else:
            what = "no connection could be made"
    elif error.status is not Status.UNAVAILABLE:
        return error
    elif waiting.tls and "WRONG_VERSION_NUMBER" in error.message:
        what = "the server does not speak TLS: leave out the TLS options, or use http://"
    elif not waiting.tls and waiting.connected and "lost the connection" in error.message:
        # a TLS server hangs up on a client that opens with plaintext HTTP/2
        what = "if the server speaks TLS, give --tls-ca or an https:// target"
    else:
        return error
    return Tp3RpcError(error.status, f"{error.message} ({what})")
