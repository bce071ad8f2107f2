"""`tp3 game ...`: play the guessing game, let a bot play it, watch it, read the scores.

`tp3 game play --name alice` plays interactively (prompt_toolkit on a terminal, plain lines
otherwise); `bot` plays by itself; `guess`, `watch` and `scoreboard` are one-shot commands for
scripts. Events read as `tp3.game.texts` renders them, in English or the lab's French (--lang).
"""

import asyncio
import random
import re
import sys
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from grpclib.const import Status
from prompt_toolkit.patch_stdout import patch_stdout
from rich.console import Console
from rich.table import Table

from tp3.cli.common import (
    JsonOption,
    ReconnectOption,
    TargetOption,
    TimeoutOption,
    async_command,
    connect,
    fail,
    json_line,
)
from tp3.cli.interactive import (
    Screen,
    SessionEnded,
    piped_lines,
    run_side_by_side,
    terminal_lines,
)
from tp3.client import (
    DEFAULT_TARGET,
    DEFAULT_TIMEOUT,
    GameSession,
    Reconnect,
    Reconnected,
    Tp3RpcError,
)
from tp3.game.events import (
    GameEvent,
    GameJoined,
    GameOver,
    Hint,
    Notice,
    RoundInfo,
    RoundStarted,
    Scoreboard,
    ScoreboardChanged,
    Verdict,
    Watching,
)
from tp3.game.texts import render

app = typer.Typer(
    name="game",
    help=(
        "The guessing game: find the secret number (1 to 1000) before the others. "
        "Play it, let a bot play it, watch it, read the scores."
    ),
    no_args_is_help=True,
)


class Lang(StrEnum):
    en = "en"
    fr = "fr"


class Strategy(StrEnum):
    binary = "binary"
    random = "random"


NameOption = Annotated[
    str,
    typer.Option(
        "--name",
        "-n",
        help="Player name: letters, digits, '_', '-', '.'; unique among the players.",
        show_default=False,
    ),
]
LangOption = Annotated[
    Lang,
    typer.Option(
        "--lang",
        "-l",
        case_sensitive=False,
        help="Language of the lines printed: en (English) or fr (the lab's French wording).",
    ),
]


WON = "ansigreen bold"
ROUND = "ansiyellow"
RANGE = "ansicyan"
PROBLEM = "ansired"

# What the CLI itself says (the game's events read as tp3.game.texts renders them).
_PHRASES: dict[Lang, dict[str, str]] = {
    Lang.en: {
        "intro": "type a number and Enter to guess; /help lists the commands",
        "waiting": "the round is over: waiting for the next one",
        "not_a_number": "not a number: {line!r}; type a number between {low} and {high}, or /quit",
        "out_of_range": "{number} is not between {low} and {high}: not sent",
        "unknown": "unknown command /{command}; /help lists the commands",
        "help": (
            "  NUMBER   guess NUMBER in the current round\n"
            "  /quit    leave the game (Ctrl-D and Ctrl-C too)\n"
            "  /help    this help"
        ),
    },
    Lang.fr: {
        "intro": "tapez un nombre puis Entrée pour deviner ; /help liste les commandes",
        "waiting": "la manche est terminée : attente de la suivante",
        "not_a_number": (
            "ce n'est pas un nombre : {line!r} ; tapez un nombre entre {low} et {high}, ou /quit"
        ),
        "out_of_range": "{number} n'est pas entre {low} et {high} : non envoyé",
        "unknown": "commande inconnue /{command} ; /help liste les commandes",
        "help": (
            "  NOMBRE   proposer NOMBRE dans la manche en cours\n"
            "  /quit    quitter la partie (Ctrl-D et Ctrl-C aussi)\n"
            "  /help    cette aide"
        ),
    },
}

_NUMBER = re.compile(r"[+-]?[0-9]+")


# --- what a player knows ---------------------------------------------------------------------


@dataclass
class _Knowledge:
    """The current round as a player knows it: the range its hints narrowed the secret to."""

    round: int
    low: int
    high: int
    open: bool
    bounds: tuple[int, int]
    """The round's whole range (1 and 1000)."""

    @classmethod
    def of(cls, info: RoundInfo) -> "_Knowledge":
        return cls(info.number, info.low, info.high, info.open, (info.low, info.high))

    def start(self, info: RoundInfo) -> None:
        self.round, self.low, self.high, self.open = info.number, info.low, info.high, info.open
        self.bounds = (info.low, info.high)

    def learn(self, hint: Hint) -> bool:
        """Take in the hint to one of our guesses; True if it narrowed the range."""
        if hint.round != self.round:  # a guess judged in an earlier round
            return False
        before = (self.low, self.high)
        match hint.verdict:
            case Verdict.TOO_HIGH:
                self.high = min(self.high, hint.guess - 1)
            case Verdict.TOO_LOW:
                self.low = max(self.low, hint.guess + 1)
            case Verdict.CORRECT | Verdict.ROUND_OVER:
                self.open = False
        if self.low > self.high:  # contradicting hints: start again from the whole range
            self.low, self.high = self.bounds
        return (self.low, self.high) != before

    def end(self, over: GameOver) -> None:
        if over.round == self.round:
            self.open = False

    def describe(self, lang: Lang) -> str:
        """The round and the range left, in `lang`: "round 3: guess a number between 501 and
        1000"."""
        info = RoundInfo(self.round, self.low, self.high, self.open)
        return render(RoundStarted(info, datetime.now(UTC)), lang)


# --- how events look -------------------------------------------------------------------------


def _text(event: GameEvent | Reconnected, lang: Lang) -> str:
    if isinstance(event, Reconnected):
        return f"* {event}"
    if isinstance(event, Notice):
        return f"! {event.status.name}: {render(event, lang)}"
    return render(event, lang)


def _style(event: GameEvent | Reconnected) -> str:
    match event:
        case Reconnected():
            return ROUND
        case Hint(verdict=Verdict.CORRECT):
            return WON
        case Hint(verdict=Verdict.ROUND_OVER) | GameOver() | RoundStarted():
            return ROUND
        case Notice():
            return PROBLEM
    return ""


def _round_json(kind: str, info: RoundInfo, time: datetime) -> dict[str, Any]:
    return {
        "type": kind,
        "round": info.number,
        "low": info.low,
        "high": info.high,
        "open": info.open,
        "time": time,
    }


def _event_json(event: GameEvent | Reconnected, lang: Lang) -> dict[str, Any]:
    """One event as a JSON object: a "type", the event's fields, and its `text` in `lang`."""
    match event:
        case Reconnected():
            return {"type": "reconnected", **asdict(event), "text": str(event)}
        case GameJoined(round=info, time=time):
            fields = _round_json("joined", info, time)
        case Watching(round=info, time=time):
            fields = _round_json("watching", info, time)
        case RoundStarted(round=info, time=time):
            fields = _round_json("round_started", info, time)
        case Hint():
            fields = {"type": "hint", **asdict(event), "verdict": event.verdict.name}
        case GameOver():
            fields = {"type": "game_over", **asdict(event)}
        case ScoreboardChanged(scoreboard=board, time=time):
            fields = {"type": "scoreboard", **asdict(board), "time": time}
        case Notice(status=status, text=text):
            return {"type": "notice", "code": status.value, "status": status.name, "text": text}
        case _:
            raise AssertionError(f"unknown game event {event!r}")
    return {**fields, "text": render(event, lang)}


class _Printer:
    """One line per event on stdout: rendered in `lang`, or JSON."""

    def __init__(self, json: bool, lang: Lang) -> None:
        self.json = json
        self.lang = lang

    def show(self, event: GameEvent | Reconnected, **extra: Any) -> None:
        if self.json:
            typer.echo(json_line({**_event_json(event, self.lang), **extra}))
        else:
            typer.echo(_text(event, self.lang))


# --- play ------------------------------------------------------------------------------------


class _Player:
    """One interactive player: shows the game's events, guesses the numbers typed."""

    def __init__(self, session: GameSession, console: Screen, lang: Lang) -> None:
        self.session = session
        self.console = console
        self.lang = lang
        self.phrases = _PHRASES[lang]
        self.knows = _Knowledge.of(session.joined.round)
        self.answered = asyncio.Event()
        """Set by the hint or notice that answers the guess in flight."""

    def greet(self) -> None:
        joined = self.session.joined
        self.console.show([(ROUND, render(joined, self.lang))])
        if not joined.round.open:
            self.console.show([(ROUND, self.phrases["waiting"])])
        self.console.show([("", self.phrases["intro"])])

    async def receive(self) -> None:
        """Show the game's events until the session ends; a server error raises."""
        async with aclosing(self.session.events()) as events:
            async for event in events:
                self._take(event)
        raise SessionEnded

    def _take(self, event: GameEvent | Reconnected) -> None:
        self.console.show([(_style(event), _text(event, self.lang))])
        match event:
            case Reconnected():
                self.answered.set()  # a guess in flight was lost with the connection
            case GameJoined(round=info):  # the round as it is after a reconnection
                self.knows = _Knowledge.of(info)
            case Hint():
                if self.knows.learn(event) and self.knows.open:
                    self.console.show([(RANGE, self.knows.describe(self.lang))])
                self.answered.set()
            case Notice():
                self.answered.set()
            case GameOver():
                self.knows.end(event)
            case RoundStarted(round=info):
                self.knows.start(info)

    async def obey(self, lines: AsyncIterator[str]) -> None:
        """Act on each line until /quit or the end of the lines."""
        async for line in lines:
            if not await self._obey(line.strip()):
                return

    async def _obey(self, line: str) -> bool:
        """Act on one line; False means leave."""
        if not line:
            return True
        if line.startswith("/"):
            command = line[1:].split(maxsplit=1)[0].lower() if line[1:].strip() else ""
            match command:
                case "quit" | "exit" | "leave" | "q":
                    return False
                case "help" | "h" | "?":
                    self.console.show([("", self.phrases["help"])])
                case _:
                    self._problem(self.phrases["unknown"].format(command=command))
            return True
        low, high = self.knows.bounds
        if not _NUMBER.fullmatch(line):
            self._problem(self.phrases["not_a_number"].format(line=line, low=low, high=high))
            return True
        number = int(line)
        if not low <= number <= high:
            self._problem(self.phrases["out_of_range"].format(number=number, low=low, high=high))
            return True
        await self._guess(number)
        return True

    async def _guess(self, number: int) -> None:
        """Guess, and wait for the answer: one guess at a time, like a player reading hints."""
        self.answered.clear()
        await self.session.guess(number)
        try:
            async with asyncio.timeout(DEFAULT_TIMEOUT):
                await self.answered.wait()
        except TimeoutError:
            raise Tp3RpcError(
                Status.DEADLINE_EXCEEDED,
                f"no answer to the guess {number} within {DEFAULT_TIMEOUT:g} s",
            ) from None

    def _problem(self, text: str) -> None:
        self.console.show([(PROBLEM, f"! {text}")])


@app.command()
@async_command
async def play(
    name: NameOption,
    lang: LangOption = Lang.en,
    target: TargetOption = DEFAULT_TARGET,
    reconnect: ReconnectOption = False,
) -> None:
    """Join the game as NAME and guess interactively, round after round.

    Shows the current round, then reads the numbers you type: each guess is
    answered with a hint ("your number is bigger": the secret is smaller), and the
    range left is shown as the hints narrow it. When someone finds the secret,
    everyone is told the winner; the next round starts by itself after a pause.
    Commands: /help, /quit. Ctrl-D or Ctrl-C leaves too.
    Without a terminal, numbers are read from stdin, one per line, each guess
    waiting for its hint; the end of the input leaves the game.

    Example: tp3 game play --name alice --lang fr
    """
    on_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        policy = Reconnect() if reconnect else None
        async with connect(target) as tp3, tp3.game.play(name, reconnect=policy) as session:
            player = _Player(session, Screen(styled=on_terminal), lang)
            player.greet()
            if on_terminal:
                with patch_stdout(raw=True):
                    await run_side_by_side(
                        player.receive(), player.obey(terminal_lines(f"{name.strip()}> "))
                    )
            else:
                await run_side_by_side(player.receive(), player.obey(piped_lines()))
    except SessionEnded:
        fail("the server ended the game session")


# --- bot -------------------------------------------------------------------------------------

_MAX_PACE = 2.0
"""Seconds: the longest a rate-limited bot waits between two guesses."""


class _Bot:
    """Plays by itself: one guess at a time, within the range its hints narrowed."""

    def __init__(
        self,
        session: GameSession,
        printer: _Printer,
        strategy: Strategy,
        rounds: int | None,
        next_round: bool,
    ) -> None:
        self.session = session
        self.printer = printer
        self.strategy = strategy
        self.rounds = rounds
        joined = session.joined.round
        self.knows = _Knowledge.of(joined)
        self.playing: int | None = None if next_round or not joined.open else joined.number
        """The round the bot takes part in (None: waiting for the next one)."""
        self.ended = 0
        """Rounds the bot took part in that have ended."""
        self.in_flight = False
        self.pace = 0.0
        """Seconds to wait before a guess: grows when the server says we guess too fast."""
        self.random = random.Random()

    async def run(self) -> None:
        """Play until `rounds` rounds have ended (or forever)."""
        self.printer.show(self.session.joined)
        await self._guess()
        async with aclosing(self.session.events()) as events:
            async for event in events:
                if self._take(event):
                    return
                await self._guess()
        raise SessionEnded

    def _take(self, event: GameEvent | Reconnected) -> bool:
        """Take in one event; True when the bot is done."""
        match event:
            case Reconnected():  # the bot never asks for it
                self.printer.show(event)
                return False
            case Hint():
                self.in_flight = False
                self.pace = self.pace * 0.75 if self.pace > 0.01 else 0.0
                self.knows.learn(event)
                self.printer.show(event, low=self.knows.low, high=self.knows.high)
                return False
            case Notice(status=status, text=text):
                self.in_flight = False
                self.printer.show(event)
                if status is not Status.RESOURCE_EXHAUSTED:  # retrying would fail forever
                    raise Tp3RpcError(status, text)
                self.pace = min(max(self.pace * 2, 0.05), _MAX_PACE)
                return False
            case GameOver(round=number):
                self.knows.end(event)
                self.printer.show(event)
                if number == self.playing:
                    self.playing = None
                    self.ended += 1
                return self.rounds is not None and self.ended >= self.rounds
            case RoundStarted(round=info):
                self.knows.start(info)
                self.playing = info.number
        self.printer.show(event)
        return False

    async def _guess(self) -> None:
        """Make the next guess, if the bot is playing an open round and has none in flight."""
        knows = self.knows
        if self.in_flight or not knows.open or self.playing != knows.round:
            return
        if self.pace:
            await asyncio.sleep(self.pace)  # events wait in the stream meanwhile
        if self.strategy is Strategy.binary:
            number = (knows.low + knows.high) // 2
        else:
            number = self.random.randint(knows.low, knows.high)
        self.in_flight = True
        await self.session.guess(number)


@app.command()
@async_command
async def bot(
    name: NameOption,
    strategy: Annotated[
        Strategy,
        typer.Option(
            case_sensitive=False,
            help=(
                "binary: the middle of the range left (at most 10 guesses a round); "
                "random: any number in the range left."
            ),
        ),
    ] = Strategy.binary,
    rounds: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Exit 0 once this many rounds it played have ended (default: play on).",
            show_default=False,
        ),
    ] = None,
    next_round: Annotated[
        bool,
        typer.Option(
            "--next-round",
            help=(
                "Sit out the round in progress and start with the next one, so that bots "
                "started together race from the same start."
            ),
        ),
    ] = False,
    target: TargetOption = DEFAULT_TARGET,
    json: JsonOption = False,
    lang: LangOption = Lang.en,
) -> None:
    """Join the game as NAME and play by itself, round after round.

    One guess at a time, each within the range the earlier hints left; after a
    win (anyone's) it waits for the next round. Guessing too fast for the server
    (a RESOURCE_EXHAUSTED notice) slows it down. Prints one line per event: the
    join, each hint, game overs, round starts, notices. With --json each line is
    one JSON object with a "type": joined, hint (with the "low" and "high" left),
    game_over, round_started or notice.

    Example: tp3 game bot --name b1 --rounds 3 --json
    """
    printer = _Printer(json, lang)
    try:
        async with connect(target) as tp3, tp3.game.play(name) as session:
            await _Bot(session, printer, strategy, rounds, next_round).run()
    except SessionEnded:
        fail("the server ended the game session")


# --- guess -----------------------------------------------------------------------------------


@app.command()
@async_command
async def guess(
    number: Annotated[
        int, typer.Argument(metavar="NUMBER", help="Your guess, between 1 and 1000.")
    ],
    name: Annotated[
        str,
        typer.Option(
            "--name",
            "-n",
            help="Player name; not one playing through `tp3 game play` or `bot` now.",
            show_default=False,
        ),
    ],
    target: TargetOption = DEFAULT_TARGET,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    json: JsonOption = False,
    lang: LangOption = Lang.en,
) -> None:
    """Guess NUMBER in the current round as NAME, without a session (unary RPC).

    Prints the hint: your number is bigger (the secret is smaller), smaller,
    BRAVO (you won the round), or the round is already over, with its winner.
    With --json, one object with "type": "hint". A number outside 1..1000 is
    one error line (INVALID_ARGUMENT) and exit status 1.

    Example: tp3 game guess --name alice 500
    """
    async with connect(target, timeout) as tp3:
        hint = await tp3.game.guess(name, number)
    _Printer(json, lang).show(hint)


# --- watch -----------------------------------------------------------------------------------


@app.command()
@async_command
async def watch(
    rounds: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Exit 0 after this many game overs (default: watch until Ctrl-C).",
            show_default=False,
        ),
    ] = None,
    target: TargetOption = DEFAULT_TARGET,
    json: JsonOption = False,
    lang: LangOption = Lang.en,
    reconnect: ReconnectOption = False,
) -> None:
    """Spectate: print the game's events, one line each, as they happen.

    First the current round, then round starts, game overs (the winner and the
    secret) and scoreboard changes. With --json each line is one JSON object with
    a "type": watching, round_started, game_over or scoreboard.

    Example: tp3 game watch --rounds 1 --lang fr
    """
    printer = _Printer(json, lang)
    ended = 0
    policy = Reconnect() if reconnect else None
    async with connect(target) as tp3, aclosing(tp3.game.watch(reconnect=policy)) as events:
        async for event in events:
            printer.show(event)
            if isinstance(event, GameOver):
                ended += 1
                if rounds is not None and ended >= rounds:
                    return
    fail("the server ended the watch")


# --- scoreboard ------------------------------------------------------------------------------


def _scoreboard_tables(board: Scoreboard) -> list[Table]:
    players = Table(title="Players")
    for column in ("#", "Player", "Wins", "Best (guesses)"):
        players.add_column(column, justify="left" if column == "Player" else "right")
    for rank, p in enumerate(board.players, 1):
        players.add_row(str(rank), p.name, str(p.wins), str(p.best_attempts))
    rounds = Table(title="Recent rounds")
    for column in ("Round", "Winner", "Secret", "Guesses", "Ended", "Lasted"):
        rounds.add_column(column, justify="left" if column == "Winner" else "right")
    for r in board.recent_rounds:
        lasted = (r.ended_at - r.started_at).total_seconds()
        rounds.add_row(
            str(r.round),
            r.winner,
            str(r.secret),
            str(r.attempts),
            f"{r.ended_at.astimezone():%H:%M:%S}",
            f"{lasted:.1f} s",
        )
    return [players, rounds]


@app.command()
@async_command
async def scoreboard(
    target: TargetOption = DEFAULT_TARGET,
    timeout: TimeoutOption = DEFAULT_TIMEOUT,
    json: JsonOption = False,
) -> None:
    """Show the players (wins, fewest guesses in a win) and the most recent rounds.

    With --json, one object: "players" (name, wins, best_attempts), best first,
    and "recent_rounds" (round, winner, secret, attempts, started_at, ended_at),
    newest first.
    """
    async with connect(target, timeout) as tp3:
        board = await tp3.game.scoreboard()
    if json:
        typer.echo(json_line(board))
        return
    if not board.players:
        typer.echo("no round has been won yet")
        return
    console = Console(file=sys.stdout)
    for table in _scoreboard_tables(board):
        console.print(table)
