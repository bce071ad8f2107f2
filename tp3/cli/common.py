"""What every tp3 command shares: options, async commands, output, and failing cleanly.

Expected failures print one line to stderr and exit non-zero (1 for a failed RPC, 2 for bad
input or usage, 130 on Ctrl-C); with --json, stdout's last line says it too (an "error"
object, docs/json-lines.md); a traceback means a bug.
"""

import asyncio
import dataclasses
import functools
import inspect
import sys
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from contextvars import ContextVar
from itertools import chain
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec

import typer
from grpclib.const import Status
from typer._click.exceptions import NoSuchOption  # typer vendors click
from typer._click.globals import get_current_context

from tp3.cli import waiting
from tp3.cli.jsonlines import error_json, json_line
from tp3.client import (
    DEFAULT_TARGET,
    DEFAULT_TIMEOUT,
    TARGET_ENV,
    AsyncTp3Client,
    ClientTls,
    Tp3RpcError,
    parse_target,
)
from tp3.lang import Lang, Phrases, lang_from_env
from tp3.tls import TlsError

__all__ = [
    "NEGATIVE_NUMBERS",
    "Connection",
    "InputError",
    "JsonOption",
    "ReconnectOption",
    "TargetOption",
    "TimeoutOption",
    "async_command",
    "chosen_lang",
    "connect",
    "connection",
    "connection_options",
    "fail",
    "json_line",
    "lang_option",
    "refuse_long_options",
    "stdin_lines",
]

_WORDS = Phrases(  # what the commands say themselves, besides each part's words
    {
        Lang.en: {"reading": "reading lines from the terminal; end with Ctrl-D"},
        Lang.fr: {"reading": "lecture des lignes tapées au terminal ; Ctrl-D pour finir"},
    }
)

P = ParamSpec("P")

TargetOption = Annotated[
    str,
    typer.Option(
        "--target",
        "-t",
        envvar=TARGET_ENV,
        metavar="HOST:PORT",
        help="Server address: host:port, http://host:port, https://host:port (TLS) or "
        f"dns:///host:port (default: ${TARGET_ENV}, else {DEFAULT_TARGET}).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help='Print one JSON object per line, each with a "type", for scripts '
        "(docs/json-lines.md).",
    ),
]
TimeoutOption = Annotated[
    float,
    typer.Option(
        "--timeout",
        min=0.001,
        metavar="SECONDS",
        help="Seconds to wait for the answer (deadline).",
    ),
]


ReconnectOption = Annotated[
    bool,
    typer.Option(
        "--reconnect",
        help="After a lost connection or a server restart, come back by itself and resume "
        "where you were (one line says so).",
    ),
]


NEGATIVE_NUMBERS = {"ignore_unknown_options": True}
"""A command's context settings where numbers are arguments: "-1" is a number, not an unknown
option, and reaches the check that says what is wrong with it (`refuse_long_options` still
refuses a mistyped "--jsn")."""


def refuse_long_options(*arguments: str) -> None:
    """In a NEGATIVE_NUMBERS command, an argument that is a long option the command lacks."""
    for argument in arguments:
        if argument.startswith("--"):
            raise NoSuchOption(argument, ctx=get_current_context(silent=True))


class InputError(ValueError):
    """Input the command could not use (a malformed line, a bad target)."""


_json_output: ContextVar[bool] = ContextVar("tp3_cli_json_output", default=False)


def fail(message: str, code: int = 1, *, status: Status | None = None) -> NoReturn:
    """Say `error: [STATUS: ]message` on stderr and exit with `code`.

    With --json, stdout ends with the same failure as an object, so that a script reading
    the lines learns it in order: `status` (if not given: INVALID_ARGUMENT for bad input,
    code 2, else UNKNOWN), its code, and `message`."""
    if _json_output.get():
        default = Status.INVALID_ARGUMENT if code == 2 else Status.UNKNOWN
        typer.echo(json_line(error_json(status or default, message)))
    typer.echo(f"error: {status.name}: {message}" if status else f"error: {message}", err=True)
    raise typer.Exit(code)


_CONNECTION = "Connection"


def _connection_option(name: str, kind: type, flag: str, env: str, text: str) -> inspect.Parameter:
    metavar = "FILE" if kind is Path else "TOKEN"
    option = typer.Option(
        flag,
        envvar=env,
        metavar=metavar,
        help=text,
        show_default=False,
        rich_help_panel=_CONNECTION,
    )
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[kind | None, option],
    )


_TLS_OPTIONS = [
    _connection_option(
        "tls_ca", Path, "--tls-ca", "TP3_TLS_CA", "Connect over TLS, trusting this CA (PEM)."
    ),
    _connection_option(
        "tls_cert", Path, "--tls-cert", "TP3_TLS_CERT", "Client certificate for mutual TLS (PEM)."
    ),
    _connection_option("tls_key", Path, "--tls-key", "TP3_TLS_KEY", "Its private key (PEM)."),
]
_TOKEN_OPTION = _connection_option(
    "token",
    str,
    "--token",
    "TP3_TOKEN",
    "Token for a server that asks for one (prefer $TP3_TOKEN: others can read a command line).",
)


@dataclasses.dataclass(frozen=True)
class Connection:
    """The connection options a command was given."""

    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    token: str | None = None

    def tls(self) -> ClientTls | None:
        """TLS if any TLS option was given (TlsError if they can't be used together)."""
        if self.tls_ca is None and self.tls_cert is None and self.tls_key is None:
            return None
        return ClientTls(self.tls_ca, self.tls_cert, self.tls_key)


_NO_OPTIONS = Connection()
_connection: ContextVar[Connection] = ContextVar("tp3_cli_connection", default=_NO_OPTIONS)
_OPTIONS = [*_TLS_OPTIONS, _TOKEN_OPTION]

_LANG_OPTION = inspect.Parameter(
    "lang",
    inspect.Parameter.KEYWORD_ONLY,
    default=None,
    annotation=Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            "-l",
            case_sensitive=False,
            metavar="en|fr",
            help="Language of what is printed: en, or fr (the lab's French); default: "
            "$TP3_LANG, else the locale's (LANG=fr_FR.UTF-8 is French). Error lines stay "
            "English, as the server's messages are.",
            show_default=False,
        ),
    ],
)
_lang: ContextVar[Lang | None] = ContextVar("tp3_cli_lang", default=None)


def connection_options(func: Callable[P, None]) -> Callable[P, None]:
    """Give a command the connection options (--tls-ca, --tls-cert, --tls-key, --token);
    `connection()` says what they were while it runs."""

    def take(given: dict[str, Any]) -> None:
        # Those given win over those a group took (`tp3 chat --tls-ca F who`); called from
        # another command's body (`tp3 chat`'s interactive session), it is given none.
        chosen = {name: value for name, value in given.items() if value is not None}
        if chosen:
            _connection.set(dataclasses.replace(_connection.get(), **chosen))

    return _with_parameters(func, _OPTIONS, take)


def lang_option(func: Callable[P, None]) -> Callable[P, None]:
    """Give a command --lang; `chosen_lang()` says which language it prints in."""

    def take(given: dict[str, Any]) -> None:
        if given.get("lang") is not None:
            _lang.set(given["lang"])
        elif _lang.get() is None:  # else a group's stands (`tp3 chat --lang fr who`)
            _lang.set(lang_from_env())  # read once, not for every line printed

    return _with_parameters(func, [_LANG_OPTION], take)


def chosen_lang() -> Lang:
    """--lang, else TP3_LANG, else the locale's language."""
    return _lang.get(None) or lang_from_env()


def _with_parameters(
    func: Callable[P, None],
    parameters: list[inspect.Parameter],
    take: Callable[[dict[str, Any]], None],
) -> Callable[P, None]:
    """`func` with more keyword options for typer to parse; `take` gets their values (those
    given) before `func` runs without them."""

    @functools.wraps(func)
    def command(*args: P.args, **kwargs: P.kwargs) -> None:
        take({p.name: kwargs.pop(p.name) for p in parameters if p.name in kwargs})
        func(*args, **kwargs)

    signature = inspect.signature(func)
    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*signature.parameters.values(), *parameters]
    )
    return command


def connection() -> Connection:
    return _connection.get()


def async_command(func: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async command body with asyncio.run, turning expected failures into one line
    (and, if the command was given --json, a JSON one). Every such command also takes the
    connection options, which `connect` uses, and --lang (`chosen_lang()`)."""

    @functools.wraps(func)
    def command(*args: P.args, **kwargs: P.kwargs) -> None:
        _json_output.set(kwargs.get("json") is True)  # every JsonOption is named `json`
        try:
            asyncio.run(_cleared(func(*args, **kwargs)))
        except Tp3RpcError as error:
            fail(error.message, status=error.status)
        except (InputError, TlsError) as error:
            fail(str(error), code=2)
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None

    return connection_options(lang_option(command))


async def _cleared(body: Coroutine[Any, Any, None]) -> None:
    """Run a command's body; no spinner is left on the screen, whatever the ending."""
    try:
        await body
    except Tp3RpcError as error:
        raise waiting.explained(error) from None
    finally:
        waiting.stop()


def connect(target: str, timeout: float = DEFAULT_TIMEOUT) -> AsyncTp3Client:
    """A client for `target`, with the command's connection options (TLS, token)."""
    options = _connection.get()
    try:
        client = AsyncTp3Client(target, timeout=timeout, tls=options.tls(), token=options.token)
    except ValueError as error:  # a malformed target or token
        raise InputError(str(error)) from None
    waiting.follow(client, parse_target(client.target).address, tls=client.tls)  # on a terminal
    return client


async def stdin_lines() -> AsyncIterator[str]:
    """Lines of stdin as they come, without blocking the event loop.

    A daemon thread reads them: asyncio's default executor would make Ctrl-C wait until the
    user pressed Enter, since interpreter exit joins its threads."""
    if sys.stdin.isatty():
        waiting.stop()  # the user's turn: no spinner under what they type
        typer.echo(_WORDS("reading", chosen_lang()), err=True)
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        for line in chain(iter(sys.stdin.readline, ""), [""]):  # "" marks the end
            try:
                loop.call_soon_threadsafe(lines.put_nowait, line)
            except RuntimeError:  # the loop is gone: the command has finished
                return

    threading.Thread(target=pump, name="stdin", daemon=True).start()
    while line := await lines.get():
        yield line
