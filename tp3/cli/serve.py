"""`tp3 serve`: run the server until SIGINT or SIGTERM."""

import asyncio
import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tp3.chat.backend import ChatLimits
from tp3.cli.common import fail
from tp3.cli.workers import run_workers
from tp3.currency.rates import RateTableError
from tp3.errors import Unavailable
from tp3.game.backend import GameLimits
from tp3.rpc.auth import TokenFileError, Tokens
from tp3.rpc.limits import RpcLimits
from tp3.server import DEFAULT_HOST, DEFAULT_PORT, SERVICES, ForcedStop, ServerConfig, serve
from tp3.tls import ServerTls, TlsError

LIMITS = "Limits (what one client may use)"
SECURITY = "Security"


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def serve_command(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on (0.0.0.0: every interface, for other machines too)."
        ),
    ] = DEFAULT_HOST,
    port: Annotated[
        int,
        typer.Option(
            min=0, max=65535, metavar="PORT", help="Port to listen on (0: any free port)."
        ),
    ] = DEFAULT_PORT,
    rates: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="ECB eurofxref file (CSV or XML) to use instead of the embedded rate table; "
            "without a MAD column, MAD keeps the embedded Bank Al-Maghrib figure.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed that makes the simulated quote streams reproducible."),
    ] = None,
    chat_history: Annotated[
        int, typer.Option(min=1, help="Chat messages kept per room, for history and resume.")
    ] = ChatLimits.history_size,
    chat_buffer: Annotated[
        int,
        typer.Option(
            min=1, help="Events buffered per chat member before it is dropped as too slow."
        ),
    ] = ChatLimits.mailbox_size,
    game_pause: Annotated[
        float,
        typer.Option(
            min=0, metavar="SECONDS", help="Seconds between a win and the next round of the game."
        ),
    ] = GameLimits.pause,
    game_rate: Annotated[
        float,
        typer.Option(min=0.1, help="Guesses per second a player (and a connection) may make."),
    ] = GameLimits.guesses_per_second,
    chat_rate: Annotated[
        float,
        typer.Option(
            min=0.1, help="Chat messages per second a member may send.", rich_help_panel=LIMITS
        ),
    ] = ChatLimits.messages_per_second,
    chat_client_rate: Annotated[
        float,
        typer.Option(
            min=0.1,
            help="Chat messages per second from one client address.",
            rich_help_panel=LIMITS,
        ),
    ] = ChatLimits.client_messages_per_second,
    game_client_rate: Annotated[
        float,
        typer.Option(
            min=0.1, help="Guesses per second from one client address.", rich_help_panel=LIMITS
        ),
    ] = GameLimits.client_guesses_per_second,
    quote_client_rate: Annotated[
        float,
        typer.Option(
            min=1,
            help="Quotes per second one client address gets, all its streams together.",
            rich_help_panel=LIMITS,
        ),
    ] = ServerConfig.client_quotes_per_second,
    max_message_size: Annotated[
        int,
        typer.Option(
            min=1,
            metavar="BYTES",
            help="Bytes a request message may have.",
            rich_help_panel=LIMITS,
        ),
    ] = RpcLimits.max_message_size,
    max_streams_per_connection: Annotated[
        int,
        typer.Option(
            min=1,
            help="Concurrent calls on one connection (more: REFUSED_STREAM).",
            rich_help_panel=LIMITS,
        ),
    ] = RpcLimits.max_streams_per_connection,
    max_connections_per_client: Annotated[
        int,
        typer.Option(
            min=1, help="Open connections from one client address.", rich_help_panel=LIMITS
        ),
    ] = RpcLimits.max_connections_per_client,
    max_streams_per_client: Annotated[
        int,
        typer.Option(
            min=1,
            help="Concurrent calls from one client address (more: REFUSED_STREAM).",
            rich_help_panel=LIMITS,
        ),
    ] = RpcLimits.max_streams_per_client,
    max_client_streams: Annotated[
        int,
        typer.Option(
            min=1,
            help="Concurrent streaming calls of one service from one client address.",
            rich_help_panel=LIMITS,
        ),
    ] = RpcLimits.max_client_streams,
    handshake_timeout: Annotated[
        float,
        typer.Option(
            min=0.1,
            metavar="SECONDS",
            help="Seconds a new connection has to send its first request.",
            rich_help_panel=LIMITS,
        ),
    ] = RpcLimits.handshake_timeout,
    idle_timeout: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Seconds a connection with no call open is kept (0: forever).",
            rich_help_panel=LIMITS,
        ),
    ] = RpcLimits.idle_timeout or 0,
    keepalive: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Seconds between pings that detect vanished clients (0: no pings).",
            rich_help_panel=LIMITS,
        ),
    ] = ServerConfig.keepalive or 0,
    heartbeat: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Seconds of quiet after which a chat or game session gets a heartbeat, for "
            "proxies that cut idle streams (0: never).",
            rich_help_panel=LIMITS,
        ),
    ] = ServerConfig.heartbeat or 0,
    keepalive_timeout: Annotated[
        float,
        typer.Option(
            min=0.01,
            metavar="SECONDS",
            help="Seconds a client has to show it is alive after a ping.",
            rich_help_panel=LIMITS,
        ),
    ] = ServerConfig.keepalive_timeout,
    tls_cert: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Serve TLS with this certificate chain (PEM); needs --tls-key.",
            show_default=False,
            rich_help_panel=SECURITY,
        ),
    ] = None,
    tls_key: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="The private key of --tls-cert (PEM).",
            show_default=False,
            rich_help_panel=SECURITY,
        ),
    ] = None,
    tls_client_ca: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Mutual TLS: refuse clients without a certificate this CA signed (PEM).",
            show_default=False,
            rich_help_panel=SECURITY,
        ),
    ] = None,
    auth_tokens: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Require a bearer token from this file of 'TOKEN NAME' lines; chat and game "
            "names are then the token's name.",
            show_default=False,
            rich_help_panel=SECURITY,
        ),
    ] = None,
    backend: Annotated[
        str,
        typer.Option(
            metavar="memory|redis://HOST:PORT/DB",
            help="Where rooms and games live: in this process, or in Redis, shared by every "
            "tp3 serve given the same URL (replicas behind a load balancer).",
        ),
    ] = "memory",
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes sharing the port (the kernel spreads connections over "
            "them); more than one needs --backend redis://, or --services currency.",
        ),
    ] = 1,
    services: Annotated[
        str,
        typer.Option(
            metavar="LIST",
            help="The services to serve, comma-separated, of currency, chat and game "
            "(health and reflection always are).",
        ),
    ] = "currency,chat,game",
    lab_compat: Annotated[
        bool,
        typer.Option(
            "--lab-compat/--no-lab-compat",
            help="Also serve the lab's own contract (BankService, Chat, Jeu: the course's "
            "clients, unchanged) on the same converter, chat room and game.",
        ),
    ] = ServerConfig.lab_compat,
    lab_quote_interval: Annotated[
        float,
        typer.Option(
            min=0.01,
            max=60,
            metavar="SECONDS",
            help="Seconds between the quotes of the lab's getCurrencyStream.",
        ),
    ] = ServerConfig.lab_quote_interval,
    reuse_port: Annotated[bool, typer.Option(hidden=True)] = False,
    worker_name: Annotated[str | None, typer.Option(hidden=True)] = None,
    grace: Annotated[
        float,
        typer.Option(
            min=0,
            metavar="SECONDS",
            help="Seconds calls get to finish on SIGTERM/SIGINT before the server exits.",
        ),
    ] = ServerConfig.grace,
    log_level: Annotated[
        LogLevel, typer.Option(case_sensitive=False, help="Server log verbosity.")
    ] = LogLevel.info,
) -> None:
    """Serve the currency, chat and game services (--services), gRPC health and reflection on
    one port.

    Logs one line per RPC. SIGINT (Ctrl-C) or SIGTERM drains it: new calls are refused,
    running ones finish, chat and game sessions are told to reconnect, within --grace
    seconds; a second signal stops it at once.
    """
    who = f"{worker_name} " if worker_name else ""
    logging.basicConfig(
        level=log_level.upper(), format=f"%(asctime)s %(levelname)s {who}%(name)s: %(message)s"
    )
    # grpclib's INFO lines ("Request was cancelled") repeat what tp3's access log says, one
    # by one, unbounded; its warnings and errors stay. hpack and h2 log every header at
    # DEBUG, tokens included: never more than their warnings.
    quieter = max(logging.WARNING, logging.getLevelName(log_level.upper()))
    for library in ("grpclib", "hpack", "h2"):
        logging.getLogger(library).setLevel(quieter)
    if (tls_cert is None) != (tls_key is None):
        fail("--tls-cert and --tls-key go together", code=2)
    if tls_client_ca is not None and tls_cert is None:
        fail("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS)", code=2)
    tls = None
    if tls_cert is not None and tls_key is not None:
        tls = ServerTls(tls_cert, tls_key, client_ca=tls_client_ca)
        try:
            tls.context()  # unusable files: say so now, not at the first connection
        except TlsError as error:
            fail(str(error), code=2)
    if backend != "memory" and not backend.startswith(("redis://", "rediss://", "unix://")):
        fail(f"--backend: expected memory or a redis:// URL, got {backend!r}", code=2)
    chosen = frozenset(name.strip() for name in services.split(",") if name.strip())
    if not chosen or not chosen <= SERVICES:
        fail(
            f"--services: expected some of currency, chat, game (comma-separated), "
            f"got {services!r}",
            code=2,
        )
    if workers > 1 and backend == "memory" and chosen != {"currency"}:
        fail(
            f"--workers {workers} needs --backend redis://…: with rooms and games in memory, "
            "each worker would hold its own, and members of one room could not meet "
            "(or serve the currency service alone: --services currency)",
            code=2,
        )
    if workers > 1:
        try:
            raise typer.Exit(run_workers(workers, host, port, sys.argv[1:]))
        except OSError as error:
            fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
    tokens = None
    if auth_tokens is not None:
        try:
            tokens = Tokens.load(auth_tokens)
        except TokenFileError as error:
            fail(str(error), code=2)
    config = ServerConfig(
        host=host,
        port=port,
        rates_file=rates,
        seed=seed,
        chat=ChatLimits(
            history_size=chat_history,
            join_history=min(ChatLimits.join_history, chat_history),
            mailbox_size=chat_buffer,
            messages_per_second=chat_rate,
            client_messages_per_second=chat_client_rate,
        ),
        game=GameLimits(
            pause=game_pause,
            guesses_per_second=game_rate,
            client_guesses_per_second=game_client_rate,
        ),
        limits=RpcLimits(
            max_message_size=max_message_size,
            max_streams_per_connection=max_streams_per_connection,
            max_connections_per_client=max_connections_per_client,
            max_streams_per_client=max_streams_per_client,
            max_client_streams=max_client_streams,
            handshake_timeout=handshake_timeout,
            idle_timeout=idle_timeout or None,
        ),
        client_quotes_per_second=quote_client_rate,
        keepalive=keepalive or None,
        keepalive_timeout=keepalive_timeout,
        heartbeat=heartbeat or None,
        tls=tls,
        auth_tokens=tokens,
        grace=grace,
        backend=None if backend == "memory" else backend,
        reuse_port=reuse_port,
        services=chosen,
        lab_compat=lab_compat,
        lab_quote_interval=lab_quote_interval,
    )
    try:
        asyncio.run(serve(config))
    except Unavailable as error:
        fail(f"cannot start: {error}")
    except ForcedStop:
        fail("stopped at once by a second signal: calls still running were cut off")
    except RateTableError as error:
        fail(f"cannot use the rates file: {error}", code=2)
    except OSError as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror or error}")
