"""The tp3 server: every service, gRPC health and server reflection behind one port.

`Tp3Server` assembles and runs it (tests use it directly, on port 0); `serve` is what
`tp3 serve` runs: start, wait for SIGINT/SIGTERM, drain (`Tp3Server.stop`), exit.
"""

import asyncio
import gc
import ipaddress
import logging
import os
import signal
import socket
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from grpclib.config import Configuration
from grpclib.health.check import ServiceStatus
from grpclib.health.service import Health
from grpclib.reflection.service import ServerReflection

from tp3.chat.backend import ChatBackend, ChatLimits, InMemoryChatBackend
from tp3.chat.service import ChatService
from tp3.currency.converter import Converter
from tp3.currency.market import Market
from tp3.currency.rates import default_table, load_table
from tp3.currency.service import CurrencyService
from tp3.game.backend import GameBackend, GameLimits, InMemoryGameBackend
from tp3.game.service import GameService
from tp3.lab.bank import LabBankService
from tp3.lab.chat import LabChatService
from tp3.lab.jeu import LabJeuService
from tp3.names import load_confusables
from tp3.rpc.access_log import AccessLog
from tp3.rpc.auth import Authenticator, Tokens
from tp3.rpc.codec import ServerCodec
from tp3.rpc.drain import Drain, within
from tp3.rpc.limits import RpcLimits
from tp3.rpc.pipeline import RpcPipeline, Stage, StreamQuota, streaming_methods
from tp3.rpc.reflection import ReflectionPool
from tp3.rpc.transport import GuardedServer
from tp3.tls import ServerTls

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "SERVICES",
    "ForcedStop",
    "ServerConfig",
    "Tp3Server",
    "bound_socket",
    "serve",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 50051
log = logging.getLogger("tp3.server")
BACKEND_CHECK_INTERVAL = 0.5
"""Seconds between two looks at the backends' health."""
SERVICES = frozenset({"currency", "chat", "game"})
HEALTH_WATCH_MOMENT = 0.1
"""Seconds a drain waits between turning health NOT_SERVING and ending the streams."""
_HEALTH_WATCH = "/grpc.health.v1.Health/Watch"


@dataclass(frozen=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    rates_file: Path | None = None
    """An ECB eurofxref file (CSV or XML); None uses the embedded table."""
    seed: int | None = None
    """Makes the simulated quote streams reproducible."""
    chat: ChatLimits = field(default_factory=ChatLimits)
    game: GameLimits = field(default_factory=GameLimits)
    client_quotes_per_second: float = 1000.0
    """Quotes one client address gets per second, all its quote streams together."""
    tls: ServerTls | None = None
    """Certificate and key to serve TLS with (and a client CA for mutual TLS)."""
    auth_tokens: Tokens | None = None
    """With them, every call but health and reflection needs one of these bearer tokens, and
    chat and game names are bound to the token's name."""
    limits: RpcLimits = field(default_factory=RpcLimits)
    """Message size, streams, connections and timeouts every client is held to."""
    keepalive: float | None = 30.0
    """Seconds between HTTP/2 pings on connections with open streams; a peer that does not
    answer within `keepalive_timeout` is dropped, so a member whose network vanished (no FIN,
    no RST) is removed from its room. None turns pings off."""
    keepalive_timeout: float = 10.0
    backend: str | None = None
    """Where rooms and games live: None in this process; a redis:// URL shares them with
    every replica using the same Redis database."""
    heartbeat: float | None = 15.0
    """Seconds of quiet after which a chat or game session is sent a heartbeat (None: never),
    so that proxies cutting idle streams (nginx's grpc_read_timeout) leave it alone."""
    reuse_port: bool = False
    """Share the port with other processes (tp3 serve --workers)."""
    grace: float = 10.0
    """Seconds a stopping server gives its calls to finish (see `Tp3Server.stop`)."""
    services: frozenset[str] = SERVICES
    """Which of SERVICES to serve (health and reflection always are)."""
    lab_compat: bool = True
    """Also serve the lab's own contract (BankService, Chat, Jeu: tp3.lab) on the services
    chosen, for the course's clients."""
    lab_quote_interval: float = 1.0
    """Seconds between the quotes of the lab's getCurrencyStream (the original's: 1)."""

    def __post_init__(self) -> None:
        if not self.services or not self.services <= SERVICES:
            raise ValueError(f"services: some of {', '.join(sorted(SERVICES))}")


class Tp3Server:
    def __init__(
        self,
        config: ServerConfig,
        *,
        chat_backend: ChatBackend | None = None,
        game_backend: GameBackend | None = None,
    ) -> None:
        """The backends default to in-memory ones made from `config`; given, they replace
        them (tests inject a known secret source) and the server closes them when it stops."""
        self.config = config
        self.rates = load_table(config.rates_file) if config.rates_file else default_table()
        converter, market = Converter(self.rates), Market(config.seed)
        self.currency = CurrencyService(
            converter, market, client_quotes_per_second=config.client_quotes_per_second
        )
        self.chat_backend = chat_backend or _chat_backend(config)
        self.chat = ChatService(self.chat_backend, heartbeat=config.heartbeat)
        self.game_backend = game_backend or _game_backend(config)
        self.game = GameService(self.game_backend, heartbeat=config.heartbeat)
        every: dict[str, list[Any]] = {
            "currency": [self.currency],
            "chat": [self.chat],
            "game": [self.game],
        }
        if config.lab_compat:  # the lab's contract on the same converter, room and game
            bank = LabBankService(converter, market, quote_interval=config.lab_quote_interval)
            every["currency"].append(bank)
            every["chat"].append(LabChatService(self.chat_backend))
            every["game"].append(LabJeuService(self.game_backend))
        services = [s for name, group in every.items() if name in config.services for s in group]
        self._serving = ServiceStatus()
        health = Health({service: [self._serving] for service in services})
        pool = ReflectionPool()
        handlers = ServerReflection.extend([*services, health], pool=pool)
        streaming = streaming_methods(handlers)  # health's Watch and reflection's too
        self.drain = Drain()
        stages: list[Stage] = [self.drain]
        certificates = config.tls is not None and config.tls.client_ca is not None
        if config.auth_tokens is not None or certificates:
            stages.append(Authenticator(config.auth_tokens, certificates=certificates))
        stages.append(StreamQuota(config.limits.max_client_streams, streaming))
        self.pipeline = RpcPipeline(stages, AccessLog(), streaming)
        self._server = GuardedServer(
            handlers,
            codec=ServerCodec(),
            config=_http2_config(config),
            limits=config.limits,
            access_log=self.pipeline.access_log,
            live=self.pipeline.live,
        )
        self.pipeline.install(self._server)
        self.port: int | None = None
        self._health: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Connect the backends, then listen on the configured address; returns the bound
        port (useful with port 0). Unavailable if a shared backend can't be reached."""
        await self.chat_backend.start()
        await self.game_backend.start()
        sock = _listening_socket(self.config.host, self.config.port, self.config.reuse_port)
        self.port = sock.getsockname()[1]
        tls = self.config.tls.context() if self.config.tls is not None else None
        await self._server.start(sock=sock, ssl=tls)
        self._serving.set(True)
        self._health = asyncio.create_task(self._follow_backends(), name="tp3-health")
        return self.port

    async def _follow_backends(self) -> None:
        """Health says NOT_SERVING while a backend can't serve (Redis unreachable), and
        SERVING again once it can."""
        while True:
            await asyncio.sleep(BACKEND_CHECK_INTERVAL)
            if not self.drain.closing:
                self._serving.set(self.chat_backend.healthy and self.game_backend.healthy)

    async def stop(self) -> None:
        """Drain, then close, within `config.grace` seconds.

        Health turns NOT_SERVING, listening stops, and new calls are refused at once; the
        calls running end each their own way (tp3.rpc.drain) until none is left, or the
        grace is nearly over; then every connection gets GOAWAY and is closed. The grace's
        last quarter (a second at most) is kept for ending what is left and closing."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.grace
        reserve = min(1.0, self.config.grace / 4)
        self.drain.closing = True
        self._serving.set(False)
        self._server.stop_listening()
        # Health watchers (grpclib's Watch, with no hook of ours) take a few turns of the loop
        # to send NOT_SERVING: give them a moment before their stream ends with the others.
        if any(call.method == _HEALTH_WATCH for call in self.pipeline.live.calls()):
            await asyncio.sleep(HEALTH_WATCH_MOMENT)
        await self.drain.end_calls(self.pipeline.live, deadline - reserve)
        if self._health is not None:
            self._health.cancel()
        await self.chat_backend.close()
        await self.game_backend.close()
        self._server.go_away()
        if not await within(self._server.wait_closed(), deadline):
            log.warning("connections still open after %.1fs; stopping anyway", self.config.grace)

    def abort(self) -> None:
        """Close every connection now, cancelling the calls on them (no drain)."""
        if self._health is not None:
            self._health.cancel()
        self._serving.set(False)
        self.drain.closing = True
        self._server.stop_listening()
        self._server.go_away()

    def stats(self) -> dict[str, int]:
        """What the server holds now: a gauge for operators (SIGUSR1) and the fault suite."""
        return {
            "connections": self._server.open_connections(),
            "streams": self._server.open_streams(),
            "calls": len(self.pipeline.live),
            "tasks": len(asyncio.all_tasks()),
            "rss_kib": _rss_kib(),
            "fds": _open_fds(),
        }

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


class ForcedStop(Exception):
    """A second SIGINT or SIGTERM came during the drain: stop at once."""


async def serve(config: ServerConfig) -> None:
    """Run until SIGINT or SIGTERM, then drain; a second signal stops at once (ForcedStop)."""
    server = Tp3Server(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    assert main is not None

    def on_signal() -> None:
        if not stop.is_set():
            stop.set()
        else:
            main.cancel("second signal")

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    loop.add_signal_handler(signal.SIGUSR1, lambda: log.info("stats %s", _stats_line(server)))
    try:
        async with server:
            if config.services != {"currency"}:
                load_confusables()  # the names' table: made now, frozen with the rest
            _tune_the_collector()
            if "currency" in config.services:
                log.info("%s", server.rates.summary())
            log.info("tp3 serving on %s:%d (%s)", config.host, server.port, _security(config))
            if not _loopback(config.host):
                _warn_if_exposed(config)
            await stop.wait()
            log.info(
                "draining: up to %gs for calls to finish (signal again to stop now)", config.grace
            )
    except asyncio.CancelledError:
        server.abort()
        raise ForcedStop from None
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            loop.remove_signal_handler(sig)
    log.info("stopped")


YOUNG_COLLECTION_EVERY = 10_000
"""Allocations between two young collections (CPython's default: 700)."""


def _tune_the_collector() -> None:
    """What start-up made (modules, rate tables, the ~1 MB confusables map) is never garbage:
    frozen, the collector's full passes stop walking it (40,000 Converts spent 895 ms in the
    collector before, 302 ms after). And a young collection every 700 allocations catches
    whatever is in flight (a chat message's 1,000 copies on their way), promotes it, and so
    brings on full collections that walk every member's state: 86-90 ms pauses in the middle
    of a fan-out to 1,000 members. Every 10,000 allocations, none came in a whole run."""
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, old)


def _security(config: ServerConfig) -> str:
    """How the server is protected, as its start line says it: "TLS, tokens"."""
    parts = ["plaintext" if config.tls is None else "TLS"]
    if config.tls is not None and config.tls.client_ca is not None:
        parts = ["mutual TLS"]
    if config.auth_tokens is not None:
        count = len(config.auth_tokens)
        parts.append(f"{count} token{'' if count == 1 else 's'}")
    if config.backend is not None:
        parts.append(f"rooms and games in {config.backend}")
    return ", ".join(parts)


def _warn_if_exposed(config: ServerConfig) -> None:
    """Listening beyond loopback: say what anyone on the network could do."""
    if config.tls is None and config.auth_tokens is None:
        log.warning(
            "listening on %s in plaintext with no auth: anyone on the network can read "
            "everything and use any name; serve TLS (--tls-cert, --tls-key) and tokens "
            "(--auth-tokens)",
            config.host,
        )
    elif config.tls is None:
        log.warning(
            "listening on %s in plaintext: tokens and messages cross the network in clear; "
            "serve TLS with --tls-cert and --tls-key",
            config.host,
        )


def _chat_backend(config: ServerConfig) -> ChatBackend:
    if config.backend is None:
        return InMemoryChatBackend(config.chat)
    from tp3.chat.redis_backend import RedisChatBackend

    return RedisChatBackend(config.backend, config.chat)


def _game_backend(config: ServerConfig) -> GameBackend:
    if config.backend is None:
        return InMemoryGameBackend(config.game)
    from tp3.game.redis_backend import RedisGameBackend

    return RedisGameBackend(config.backend, config.game)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _stats_line(server: Tp3Server) -> str:
    return " ".join(f"{name}={value}" for name, value in server.stats().items())


def _rss_kib() -> int:
    """Resident memory now (Linux; -1 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return -1


def _open_fds() -> int:
    try:
        return sum(1 for _ in Path("/proc/self/fd").iterdir())
    except OSError:
        return -1


def _http2_config(config: ServerConfig) -> Configuration:
    if config.keepalive is None:
        return Configuration()
    return Configuration(
        _keepalive_time=config.keepalive,
        _keepalive_timeout=config.keepalive_timeout,
        # ping as often as keepalive says, however long the connection has been quiet
        _http2_max_pings_without_data=0,
        _http2_min_sent_ping_interval_without_data=config.keepalive,
    )


def _listening_socket(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    """Bound here rather than by grpclib, to know the port when it is 0."""
    sock = bound_socket(host, port, reuse_port=reuse_port)
    try:
        sock.listen(100)
    except OSError:
        sock.close()
        raise
    return sock


def bound_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A TCP socket bound to (host, port), not yet listening. The protocol must be
    IPPROTO_TCP (as getaddrinfo says), not 0: asyncio only sets TCP_NODELAY on accepted
    sockets that say so, and without it every unary call waits ~40 ms (Nagle + delayed ACK).
    `reuse_port`: other processes may bind the same port (tp3 serve --workers)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock
