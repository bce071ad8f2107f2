"""`tp3 game ...`: play the guessing game, let a bot play it, watch it, read the scores.

`tp3 game play --name alice` plays interactively (prompt_toolkit on a terminal, plain lines
otherwise); `bot` plays by itself; `guess`, `watch` and `scoreboard` are one-shot commands for
scripts. Events read as `tp3.game.texts` renders them, in English or the lab's French (--lang).
"""

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import aclosing
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from prompt_toolkit.patch_stdout import patch_stdout
from rich.console import Console
from rich.table import Table

from tp3.cli.common import (
    NEGATIVE_NUMBERS,
    InputError,
    JsonOption,
    ReconnectOption,
    TargetOption,
    TimeoutOption,
    async_command,
    chosen_lang,
    connect,
    fail,
    json_line,
    refuse_long_options,
)
from tp3.cli.interactive import (
    FailedLines,
    Fragments,
    Screen,
    SessionEnded,
    answer,
    piped_lines,
    run_side_by_side,
    terminal_lines,
)
from tp3.cli.jsonlines import notice_json
from tp3.client import (
    DEFAULT_TARGET,
    DEFAULT_TIMEOUT,
    GameSession,
    Reconnect,
    Reconnected,
    Tp3RpcError,
)
from tp3.errors import InvalidArgument, quote
from tp3.game import lines
from tp3.game.bot import Bot, GiveUp, Strategy
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
    WaitingForRound,
    Watching,
)
from tp3.game.knowledge import RoundKnowledge, next_round_at
from tp3.game.rules import check_guess
from tp3.game.texts import next_round, render, say
from tp3.lang import Lang

app = typer.Typer(
    name="game",
    help=(
        "The guessing game: find the secret number (1 to 1000) before the others. "
        "Play it, let a bot play it, watch it, read the scores."
    ),
    no_args_is_help=True,
)


NameOption = Annotated[
    str,
    typer.Option(
        "--name",
        "-n",
        help="Player name: letters, digits, '_', '-', '.'; unique among the players.",
        show_default=False,
    ),
]


WON = "ansigreen bold"
ROUND = "ansiyellow"
RANGE = "ansicyan"
PROBLEM = "ansired"


# --- how events look -------------------------------------------------------------------------


def _text(event: GameEvent | WaitingForRound | Reconnected, lang: Lang) -> str:
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
        "next_round_at": info.next_round_at,  # a closed round's: when the next one starts
        "time": time,
    }


def _event_json(event: GameEvent | WaitingForRound | Reconnected, lang: Lang) -> dict[str, Any]:
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
            fields = {"type": "hint", **asdict(event)}  # json_line words the verdict: "too_high"
        case GameOver():
            fields = {"type": "game_over", **asdict(event)}
        case ScoreboardChanged(scoreboard=board, time=time):
            fields = {"type": "scoreboard", **asdict(board), "time": time}
        case Notice():
            return notice_json(event)
        case WaitingForRound():
            fields = {"type": "waiting", **asdict(event)}
        case _:
            raise AssertionError(f"unknown game event {event!r}")
    return {**fields, "text": render(event, lang)}


class _Printer:
    """One line per event on stdout: rendered in `lang`, or JSON."""

    def __init__(self, json: bool, lang: Lang) -> None:
        self.json = json
        self.lang = lang

    def show(self, event: GameEvent | WaitingForRound | Reconnected, **extra: Any) -> None:
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
        """Styled: a terminal, where `countdown` shows beside the prompt."""
        self.lang = lang
        self.knows = RoundKnowledge(session.joined.round)
        self.answered = asyncio.Event()
        """Set by the hint or notice that answers the guess in flight."""
        self.failures = FailedLines()
        """Notices, unusable lines."""

    def greet(self) -> None:
        joined = self.session.joined
        self.console.show([(ROUND, render(joined, self.lang))])
        if not joined.round.open:
            self.console.show([(ROUND, say("waiting", self.lang))])
            self._tell_next_round()
        self.console.show([("", say("intro", self.lang))])

    def countdown(self) -> Fragments:
        """Between rounds, the seconds left until the next one; otherwise nothing."""
        at = self.knows.next_round_at
        if self.knows.open or at is None:
            return []
        return [(ROUND, next_round(at, datetime.now(UTC), self.lang, countdown=True))]

    def _tell_next_round(self) -> None:
        """Without a terminal, where no countdown shows, one line: when the next round starts."""
        at = self.knows.next_round_at
        if not self.console.styled and not self.knows.open and at is not None:
            self.console.show([(ROUND, next_round(at, datetime.now(UTC), self.lang))])

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
                self.knows = RoundKnowledge(info)
            case Hint():
                if self.knows.learn(event) and self.knows.open:
                    self.console.show([(RANGE, self.knows.describe(self.lang))])
                self.answered.set()
            case Notice(status=status, text=text):
                self.failures.add(f"{status.name}: {text}")
                self.answered.set()
            case GameOver():
                self.knows.end(event)
                self._tell_next_round()
            case RoundStarted(round=info):
                self.knows.start(info)

    async def obey(self, typed: AsyncIterator[str]) -> None:
        """Act on each line until /quit or the end of the lines."""
        async for line in typed:
            low, high = self.knows.bounds
            match lines.parse(line, low, high, self.lang):
                case lines.Quit():
                    return
                case lines.Help():
                    self.console.show([("", say("help", self.lang))])
                case lines.Problem(text=text):
                    self.failures.add(text)
                    self.console.show([(PROBLEM, f"! {text}")])
                case lines.Guess(number=number):
                    await self._guess(number)

    async def _guess(self, number: int) -> None:
        """Guess, and wait for the answer: one guess at a time, like a player reading hints."""
        self.answered.clear()
        await self.session.guess(number)
        await answer(self.answered, f"no answer to the guess {number}")


@app.command()
@async_command
async def play(
    name: NameOption,
    target: TargetOption = DEFAULT_TARGET,
    reconnect: ReconnectOption = False,
) -> None:
    """Join the game as NAME and guess interactively, round after round.

    Shows the current round, then reads the numbers you type: each guess is
    answered with a hint ("your number is bigger": the secret is smaller), and the
    range left is shown as the hints narrow it. When someone finds the secret,
    everyone is told the winner; the next round starts by itself after a pause,
    counted down beside the prompt. Commands: /help, /quit. Ctrl-D or Ctrl-C
    leaves too.
    Without a terminal, numbers are read from stdin, one per line, each guess
    waiting for its hint; the end of the input leaves the game. Between rounds,
    one line says when the next starts.

    Example: tp3 game play --name alice --lang fr
    """
    on_terminal = sys.stdin.isatty() and sys.stdout.isatty()
    try:
        policy = Reconnect() if reconnect else None
        async with connect(target) as tp3, tp3.game.play(name, reconnect=policy) as session:
            player = _Player(session, Screen(styled=on_terminal), chosen_lang())
            player.greet()
            if on_terminal:
                typed = terminal_lines(f"{name.strip()}> ", status=player.countdown)
                with patch_stdout(raw=True):
                    await run_side_by_side(player.receive(), player.obey(typed))
            else:
                await run_side_by_side(player.receive(), player.obey(piped_lines()))
    except SessionEnded:
        fail("the server ended the game session")
    if not on_terminal and (failed := player.failures.summary()) is not None:
        fail(failed)


# --- bot -------------------------------------------------------------------------------------


class _BotPlayer:
    """Wires a Bot to its session: shows every event, sends the guesses the bot asks for."""

    def __init__(self, session: GameSession, printer: _Printer, bot: Bot) -> None:
        self.session = session
        self.printer = printer
        self.bot = bot

    async def run(self) -> None:
        """Play until the bot is done (or forever)."""
        self.printer.show(self.session.joined)
        if (waiting := self.bot.waiting(datetime.now(UTC))) is not None:
            self.printer.show(waiting)
        await self._guess()
        async with aclosing(self.session.events()) as events:
            async for event in events:
                if isinstance(event, Reconnected):  # the bot never asks for it
                    self.printer.show(event)
                    continue
                try:
                    self.bot.take(event)
                except GiveUp as stop:
                    self.printer.show(event)
                    raise Tp3RpcError(stop.notice.status, stop.notice.text) from None
                knows = self.bot.knows
                extra = {"low": knows.low, "high": knows.high} if isinstance(event, Hint) else {}
                self.printer.show(event, **extra)
                if self.bot.done:
                    return
                await self._guess()
        raise SessionEnded

    async def _guess(self) -> None:
        number = self.bot.next_guess()
        if number is None:
            return
        if self.bot.pace:
            await asyncio.sleep(self.bot.pace)  # events wait in the stream meanwhile
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
) -> None:
    """Join the game as NAME and play by itself, round after round.

    One guess at a time, each within the range the earlier hints left; after a
    win (anyone's) it waits for the next round. Guessing too fast for the server
    (a RESOURCE_EXHAUSTED notice) slows it down. Prints one line per event: the
    join, each hint, game overs, round starts, notices; and, when it joins
    between rounds or sits one out (--next-round), that it waits for the next.
    With --json each line is one JSON object with a "type": joined, waiting (the
    "round" it waits for, its "next_round_at" if known), hint (with the "low" and
    "high" left), game_over, round_started or notice.

    Example: tp3 game bot --name b1 --rounds 3 --json
    """
    lang = chosen_lang()
    printer = _Printer(json, lang)
    try:
        async with connect(target) as tp3, tp3.game.play(name) as session:
            plays = Bot(session.joined.round, strategy, rounds=rounds, next_round=next_round)
            await _BotPlayer(session, printer, plays).run()
    except SessionEnded:
        fail("the server ended the game session")


# --- guess -----------------------------------------------------------------------------------


@app.command(context_settings=NEGATIVE_NUMBERS)  # "-5" reaches the range check
@async_command
async def guess(
    number: Annotated[
        str, typer.Argument(metavar="NUMBER", help="Your guess, between 1 and 1000.")
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
) -> None:
    """Guess NUMBER in the current round as NAME, without a session (unary RPC).

    Prints the hint: your number is bigger (the secret is smaller), smaller,
    BRAVO (you won the round), or the round is already over, with its winner.
    With --json, one object with "type": "hint". A number outside 1..1000 is
    one error line and exit status 2, and nothing is sent.

    Example: tp3 game guess --name alice 500
    """
    refuse_long_options(number)
    try:  # the wire holds 64 bits: a bigger number would fail to encode, or wrap around
        guessed = check_guess(int(number))
    except ValueError:
        raise InputError(f"NUMBER: not a whole number: {quote(number)}") from None
    except InvalidArgument as error:
        raise InputError(str(error)) from None
    async with connect(target, timeout) as tp3:
        hint = await tp3.game.guess(name, guessed)
    _Printer(json, chosen_lang()).show(hint)


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
    reconnect: ReconnectOption = False,
) -> None:
    """Spectate: print the game's events, one line each, as they happen.

    First the current round, then round starts, game overs (the winner and the
    secret, then when the next round starts) and scoreboard changes. With --json
    each line is one JSON object with a "type": watching, round_started,
    game_over (its "next_round_at" says when the next starts) or scoreboard.

    Example: tp3 game watch --rounds 1 --lang fr
    """
    lang = chosen_lang()
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
            at = None if json or isinstance(event, Reconnected) else next_round_at(event)
            if at is not None:
                typer.echo(next_round(at, datetime.now(UTC), lang))
    fail("the server ended the watch")


# --- scoreboard ------------------------------------------------------------------------------


def _scoreboard_tables(board: Scoreboard, lang: Lang) -> list[Table]:
    players = Table(title=say("players", lang))
    for key in ("rank", "player", "wins", "best"):
        players.add_column(say(key, lang), justify="left" if key == "player" else "right")
    for rank, p in enumerate(board.players, 1):
        players.add_row(str(rank), p.name, str(p.wins), str(p.best_attempts))
    rounds = Table(title=say("recent_rounds", lang))
    for key in ("round_column", "winner", "secret", "guesses", "ended", "lasted"):
        rounds.add_column(say(key, lang), justify="left" if key == "winner" else "right")
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
        typer.echo(say("no_winner_yet", chosen_lang()))
        return
    console = Console(file=sys.stdout)
    for table in _scoreboard_tables(board, chosen_lang()):
        console.print(table)
