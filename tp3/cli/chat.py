"""`tp3 chat ...`: chat interactively, or send and listen from scripts.

`tp3 chat --name alice` opens an interactive session (prompt_toolkit on a terminal, plain lines
otherwise); `send`, `listen`, `rooms` and `who` are one-shot commands for scripts.
"""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

import typer
from grpclib.const import Status
from prompt_toolkit.patch_stdout import patch_stdout

from tp3.chat.events import (
    ChatEvent,
    LeaveReason,
    MemberJoined,
    MemberLeft,
    Notice,
    PrivateMessage,
    RoomJoined,
    RoomMessage,
)
from tp3.chat.texts import words
from tp3.cli.common import (
    JsonOption,
    ReconnectOption,
    TargetOption,
    TimeoutOption,
    async_command,
    chosen_lang,
    connect,
    connection_options,
    fail,
    json_line,
    lang_option,
)
from tp3.cli.interactive import (
    FailedLines,
    Fragments,
    Screen,
    SessionEnded,
    answer,
    piped_lines,
    plain,
    run_side_by_side,
    terminal_lines,
)
from tp3.cli.jsonlines import notice_json
from tp3.client import (
    DEFAULT_TARGET,
    DEFAULT_TIMEOUT,
    AsyncTp3Client,
    ChatSession,
    Reconnect,
    Reconnected,
    Tp3RpcError,
)

app = typer.Typer(name="chat")  # its help is the callback's docstring

DEFAULT_ROOM = "lobby"

NameOption = Annotated[
    str,
    typer.Option(
        "--name",
        "-n",
        help="Your name in the room: letters, digits, '_', '-', '.'; unique in the room.",
        show_default=False,
    ),
]
RoomOption = Annotated[
    str,
    typer.Option(
        "--room", "-r", help="Room to join (letters, digits, '_', '-', '.'); made on demand."
    ),
]

OWN = "ansigreen"
PRIVATE = "ansimagenta"
SYSTEM = "ansiyellow"
PROBLEM = "ansired"
TIME = "ansibrightblack"

_LEFT = {
    LeaveReason.LEFT: "left",
    LeaveReason.DISCONNECTED: "disconnected",
    LeaveReason.TOO_SLOW: "too_slow",
    LeaveReason.SHUTDOWN: "disconnected",
    LeaveReason.LOST: "disconnected",
}
"""How each departure reads (the phrases of tp3/chat/texts.py)."""


# --- how events look -------------------------------------------------------------------------


def _clock(time: datetime) -> str:
    return f"[{time.astimezone():%H:%M:%S}] "


def _describe(event: ChatEvent | Reconnected, me: str) -> Fragments:
    """One line for `event`, as the member named `me` sees it, in the command's language."""
    lang = chosen_lang()
    match event:
        case Reconnected():
            return [(SYSTEM, f"* {event}")]
        case RoomMessage(sender=sender, text=text, time=time):
            style = OWN if sender == me else ""
            return [(TIME, _clock(time)), (f"{style} bold", sender), (style, f": {text}")]
        case PrivateMessage(sender=sender, recipient=recipient, text=text, time=time):
            return [
                (TIME, _clock(time)),
                (f"{PRIVATE} bold", words("private", lang, sender=sender, recipient=recipient)),
                (PRIVATE, f": {text}"),
            ]
        case MemberJoined(name=name, time=time):
            return [(TIME, _clock(time)), (SYSTEM, words("joined", lang, name=name))]
        case MemberLeft(name=name, reason=reason, time=time):
            return [(TIME, _clock(time)), (SYSTEM, words(_LEFT[reason], lang, name=name))]
        case Notice(status=status, text=text):
            return [(PROBLEM, f"! {status.name}: {text}")]
    raise AssertionError(f"unknown chat event {event!r}")


def _welcome(joined: RoomJoined) -> Fragments:
    names = ", ".join(m.name for m in joined.members)
    welcome = words("welcome", chosen_lang(), room=joined.room, name=joined.name, names=names)
    return [(SYSTEM, welcome)]


def _event_json(event: ChatEvent | Reconnected) -> dict[str, Any]:
    match event:
        case Reconnected():
            return {"type": "reconnected", **asdict(event), "text": str(event)}
        case RoomMessage():
            return {"type": "message", **asdict(event)}
        case PrivateMessage():
            return {"type": "private", **asdict(event)}
        case MemberJoined():
            return {"type": "joined", **asdict(event)}
        case MemberLeft():
            return {"type": "left", **asdict(event)}
        case Notice():
            return notice_json(event)
    raise AssertionError(f"unknown chat event {event!r}")


def _welcome_json(joined: RoomJoined) -> dict[str, Any]:
    return {
        "type": "welcome",
        "room": joined.room,
        "name": joined.name,
        "member_id": joined.member_id,
        "members": [asdict(m) for m in joined.members],
        "history_gap": joined.history_gap,
        "room_epoch": joined.room_epoch,
        "last_sequence": joined.last_sequence,
    }


# --- interactive -----------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
@connection_options  # the interactive session's --tls-*, --token (and TP3_TLS_*, TP3_TOKEN)
@lang_option
def chat(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            "-n",
            help="Your name in the room (required to chat interactively).",
            show_default=False,
        ),
    ] = None,
    room: RoomOption = DEFAULT_ROOM,
    target: TargetOption = DEFAULT_TARGET,
    reconnect: ReconnectOption = False,
) -> None:
    """Chat rooms: chat interactively, or send and listen from scripts.

    Without a command: join ROOM as NAME and chat interactively.
    Messages from the others appear above the line you type.
    Commands: /msg NAME TEXT (private), /who, /quit, /help.
    Anything else is said to the room. Ctrl-D or Ctrl-C leaves.
    Each message waits for the server's answer (its echo, or a notice saying
    why not) before the next line is read.
    Without a terminal, lines are read from stdin the same way, and the exit
    status is 1 if any line failed.

    Example: tp3 chat --name alice --room lobby
    """
    if ctx.invoked_subcommand is not None:
        if name is not None:
            raise typer.BadParameter(
                f"give it after the command: tp3 chat {ctx.invoked_subcommand} --name ...",
                ctx,
                param_hint="'--name'",
            )
        return
    if name is None:
        raise typer.BadParameter(
            "is required to chat: your name in the room, e.g. tp3 chat --name alice",
            ctx,
            param_hint="'--name'",
        )
    _run_interactive(name, room, target, reconnect)


class _Chat:
    """One interactive session: shows events, obeys the lines the user types.

    Each message sent is answered before the next line is obeyed: by its echo, or by a
    notice if it was refused. So the notice shows next to the line that failed, and the
    session never leaves with an answer still on its way (a piped one would end first)."""

    def __init__(self, tp3: AsyncTp3Client, session: ChatSession, console: Screen) -> None:
        self.tp3 = tp3
        self.session = session
        self.console = console
        self.me = session.joined.name
        self.answered = asyncio.Event()
        """Set by the echo or notice that answers the message in flight."""
        self.failures = FailedLines()
        """Notices, unusable lines, a failed /who."""

    def greet(self) -> None:
        joined = self.session.joined
        self.console.show(_welcome(joined))
        if joined.history:
            self.console.show([(SYSTEM, words("recent", chosen_lang()))])
            for message in joined.history:
                self.console.show(_describe(message, self.me))
        self.console.show([(SYSTEM, words("hint", chosen_lang()))])

    async def receive(self) -> None:
        """Show the room's events until the session ends; a server error raises."""
        async with aclosing(self.session.events()) as events:
            async for event in events:
                self.console.show(_describe(event, self.me))
                match event:
                    case Notice(status=status, text=text):
                        self.failures.add(f"{status.name}: {text}")
                        self.answered.set()
                    case RoomMessage(sender=sender) | PrivateMessage(sender=sender) if (
                        sender == self.me
                    ):
                        self.answered.set()
                    case Reconnected():
                        self.answered.set()  # a message in flight was lost with the connection
        raise SessionEnded

    async def obey(self, lines: AsyncIterator[str]) -> None:
        """Act on each line until /quit or the end of the lines."""
        async for line in lines:
            if not await self._obey(line):
                return

    async def _obey(self, line: str) -> bool:
        """Act on one line; False means leave."""
        if not line.strip():
            return True
        if line.startswith("//"):
            await self._send(line[1:])
            return True
        if not line.startswith("/"):
            await self._send(line)
            return True
        command, _, rest = line[1:].partition(" ")
        match command.lower():
            case "quit" | "exit" | "leave" | "q":
                return False
            case "msg" | "m" | "w":
                to, _, text = rest.strip().partition(" ")
                if not to or not text.strip():
                    self._problem(words("msg_usage", chosen_lang()))
                else:
                    await self._send(text, to=to)
            case "who":
                await self._who()
            case "help" | "h" | "?":
                self.console.show([(SYSTEM, words("help", chosen_lang()))])
            case _:
                self._problem(words("unknown", chosen_lang(), command=command))
        return True

    async def _send(self, text: str, to: str | None = None) -> None:
        """Send, and wait for the echo or the notice that answers it."""
        self.answered.clear()
        await self.session.send(text, to=to)
        await answer(self.answered, "the server did not answer the message")

    async def _who(self) -> None:
        try:
            members = await self.tp3.chat.list_members(self.session.joined.room)
        except Tp3RpcError as error:
            self._problem(str(error))
            return
        names = ", ".join(m.name for m in members)
        room = self.session.joined.room
        self.console.show([(SYSTEM, words("who", chosen_lang(), room=room, names=names))])

    def _problem(self, text: str) -> None:
        self.failures.add(text)
        self.console.show([(PROBLEM, f"! {text}")])


@async_command
async def _run_interactive(name: str, room: str, target: str, reconnect: bool) -> None:
    on_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    policy = Reconnect() if reconnect else None
    try:
        async with (
            connect(target) as tp3,
            tp3.chat.join(name, room, reconnect=policy) as session,
        ):
            chat = _Chat(tp3, session, Screen(styled=on_terminal))
            chat.greet()
            if on_terminal:
                with patch_stdout(raw=True):
                    prompt = f"{session.joined.name}@{session.joined.room}> "
                    await run_side_by_side(chat.receive(), chat.obey(terminal_lines(prompt)))
            else:
                await run_side_by_side(chat.receive(), chat.obey(piped_lines()))
    except SessionEnded:
        fail("the server ended the chat session")
    if not on_terminal and (failed := chat.failures.summary()) is not None:
        fail(failed)


# --- send ------------------------------------------------------------------------------------


@app.command()
@async_command
async def send(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="What to say (1 to 1000 characters, one line).")
    ],
    name: NameOption,
    room: RoomOption = DEFAULT_ROOM,
    to: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Say it privately to this member of the room only.",
            show_default=False,
        ),
    ] = None,
    target: TargetOption = DEFAULT_TARGET,
    timeout: Annotated[
        float,
        typer.Option(
            min=0.001,
            metavar="SECONDS",
            help="Seconds to wait for the server to confirm the message.",
        ),
    ] = DEFAULT_TIMEOUT,
    json: JsonOption = False,
) -> None:
    """Join ROOM as NAME, say TEXT (to the room, or privately --to a member), and leave.

    Waits until the server delivers the message back to you, which confirms it.
    Prints nothing on success; with --json, the message as delivered (one object).
    A refused message (unknown --to member, invalid text...) is one error line
    on stderr and exit status 1.

    Example: tp3 chat send --name alice --room lobby --to bob "see you at noon"
    """
    async with connect(target, timeout) as tp3:
        try:
            async with asyncio.timeout(timeout):
                sent, notice = await _send_and_confirm(tp3, name, room, text, to)
        except SessionEnded:
            fail("the server ended the chat session before confirming the message")
        except TimeoutError:
            raise Tp3RpcError(
                Status.DEADLINE_EXCEEDED,
                f"the server at {tp3.target} did not confirm the message within {timeout:g} s",
            ) from None
    if notice is not None:
        raise Tp3RpcError(notice.status, notice.text)
    if json and sent is not None:
        typer.echo(json_line(_event_json(sent)))


async def _send_and_confirm(
    tp3: AsyncTp3Client, name: str, room: str, text: str, to: str | None
) -> tuple[ChatEvent | None, Notice | None]:
    """(the echo of the message, or the notice refusing it); leaves the room either way."""
    async with tp3.chat.join(name, room) as session:
        me = session.joined.name
        await session.send(text, to=to)
        async with aclosing(session.events()) as events:
            async for event in events:
                match event:
                    case Notice():
                        return None, event
                    case RoomMessage(sender=sender, text=echoed) if (
                        to is None and sender == me and echoed == text
                    ):
                        return event, None
                    case PrivateMessage(sender=sender, text=echoed) if (
                        to is not None and sender == me and echoed == text
                    ):
                        return event, None
    raise SessionEnded


# --- listen ----------------------------------------------------------------------------------


@app.command()
@async_command
async def listen(
    name: NameOption,
    room: RoomOption = DEFAULT_ROOM,
    count: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Exit 0 after this many live messages (room and private; not history).",
            show_default=False,
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            min=0.001,
            metavar="SECONDS",
            help=(
                "Stop listening this many seconds after joining: exit 0, or exit 1 if --count "
                "messages have not all come."
            ),
            show_default=False,
        ),
    ] = None,
    target: TargetOption = DEFAULT_TARGET,
    json: JsonOption = False,
    reconnect: ReconnectOption = False,
) -> None:
    """Join ROOM as NAME and print what happens there, one line per event, as it happens.

    First a welcome line (room, members), then the recent history, marked as such,
    then live events: messages, private messages, joins, leaves, notices.
    With --json each line is one JSON object with a "type": welcome, history,
    message, private, joined, left or notice.
    Runs until --count messages came or --timeout passed (or Ctrl-C).

    Example: tp3 chat listen --name bob --room lobby --count 1 --json
    """
    received = 0
    timed_out = False
    policy = Reconnect() if reconnect else None
    async with connect(target) as tp3, tp3.chat.join(name, room, reconnect=policy) as session:
        joined = session.joined
        if json:
            typer.echo(json_line(_welcome_json(joined)))
        else:
            typer.echo(plain(_welcome(joined)))
        for message in joined.history:
            if json:
                typer.echo(json_line({**_event_json(message), "type": "history"}))
            else:
                line = plain(_describe(message, joined.name))
                typer.echo(words("history", chosen_lang(), line=line))
        try:
            async with asyncio.timeout(timeout), aclosing(session.events()) as events:
                async for event in events:
                    if json:
                        typer.echo(json_line(_event_json(event)))
                    else:
                        typer.echo(plain(_describe(event, joined.name)))
                    if isinstance(event, RoomMessage | PrivateMessage):
                        received += 1
                        if received == count:
                            break
                else:
                    raise SessionEnded
        except TimeoutError:
            timed_out = True
        except SessionEnded:
            fail("the server ended the chat session")
    if timed_out and count is not None:
        fail(f"timed out after {timeout:g} s with {received} of {count} messages")


# --- rooms and members -----------------------------------------------------------------------


@app.command()
@async_command
async def rooms(
    target: TargetOption = DEFAULT_TARGET,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    json: JsonOption = False,
) -> None:
    """List the rooms that have members, with their member count and last message number."""
    async with connect(target, timeout) as tp3:
        found = await tp3.chat.list_rooms()
    for r in found:
        if json:
            typer.echo(json_line(r))
        else:
            typer.echo(
                words(
                    "room",
                    chosen_lang(),
                    room=r.name,
                    count=r.member_count,
                    sequence=r.last_sequence,
                )
            )
    if not found and not json:
        typer.echo(words("no_rooms", chosen_lang()))


@app.command()
@async_command
async def who(
    room: Annotated[
        str, typer.Option("--room", "-r", help="Room whose members are listed.")
    ] = DEFAULT_ROOM,
    target: TargetOption = DEFAULT_TARGET,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    json: JsonOption = False,
) -> None:
    """List the members of a room, in order of arrival (NOT_FOUND if it has none).

    Example: tp3 chat who --room lobby
    """
    async with connect(target, timeout) as tp3:
        members = await tp3.chat.list_members(room)
    for m in members:
        if json:
            typer.echo(json_line(m))
        else:
            since = f"{m.joined_at.astimezone():%Y-%m-%d %H:%M:%S}"
            typer.echo(words("member", chosen_lang(), name=m.name, since=since))
