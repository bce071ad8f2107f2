"""Typed Python client for a tp3 server.

    from tp3.client import Tp3Client
    with Tp3Client("127.0.0.1:50051") as tp3:
        print(tp3.currency.convert("6500", "MAD", "USD").converted_amount)

`AsyncTp3Client` is the asyncio original (`async with AsyncTp3Client() as tp3: await ...`);
`Tp3Client` is its blocking facade for the currency service (a chat session is asynchronous by
nature: `tp3.chat.join(...)` on the async client). Every failure is a `Tp3RpcError`.
"""

import asyncio
import contextlib
from types import TracebackType
from typing import Any, Self

from grpclib.client import Channel
from grpclib.config import Configuration
from grpclib.events import SendRequest, listen

from tp3.chat.events import (
    ChatEvent,
    LeaveReason,
    MemberInfo,
    MemberJoined,
    MemberLeft,
    PrivateMessage,
    Resume,
    RoomJoined,
    RoomMessage,
    RoomSummary,
)
from tp3.client.chat import AsyncChatClient, ChatSession
from tp3.client.currency import (
    AsyncCurrencyClient,
    BatchItem,
    ConversionRejected,
    ConversionRequest,
    CurrencyClient,
    StreamReply,
)
from tp3.client.errors import Tp3RpcError
from tp3.client.game import AsyncGameClient, GameSession
from tp3.client.reconnect import Reconnect, Reconnected
from tp3.client.target import DEFAULT_TARGET, TARGET_ENV, Target, default_target, parse_target
from tp3.currency.models import (
    BatchSubtotal,
    BatchSummary,
    Conversion,
    CurrencyInfo,
    CurrencyListing,
    Quote,
)
from tp3.game.events import (
    GameEvent,
    GameJoined,
    GameOver,
    Hint,
    PlayerScore,
    RoundInfo,
    RoundResult,
    RoundStarted,
    Scoreboard,
    ScoreboardChanged,
    Verdict,
    Watching,
)
from tp3.notice import Notice
from tp3.rpc.codec import MessageCodec
from tp3.tls import ClientTls

__all__ = [
    "DEFAULT_TARGET",
    "DEFAULT_TIMEOUT",
    "TARGET_ENV",
    "AsyncChatClient",
    "AsyncCurrencyClient",
    "AsyncGameClient",
    "AsyncTp3Client",
    "BatchItem",
    "BatchSubtotal",
    "BatchSummary",
    "ChatEvent",
    "ChatSession",
    "ClientTls",
    "Conversion",
    "ConversionRejected",
    "ConversionRequest",
    "CurrencyClient",
    "CurrencyInfo",
    "CurrencyListing",
    "GameEvent",
    "GameJoined",
    "GameOver",
    "GameSession",
    "Hint",
    "LeaveReason",
    "MemberInfo",
    "MemberJoined",
    "MemberLeft",
    "Notice",
    "PlayerScore",
    "PrivateMessage",
    "Quote",
    "Reconnect",
    "Reconnected",
    "Resume",
    "RoomJoined",
    "RoomMessage",
    "RoomSummary",
    "RoundInfo",
    "RoundResult",
    "RoundStarted",
    "Scoreboard",
    "ScoreboardChanged",
    "StreamReply",
    "Target",
    "Tp3Client",
    "Tp3RpcError",
    "Verdict",
    "Watching",
    "default_target",
    "parse_target",
]

DEFAULT_TIMEOUT = 10.0
"""Seconds a unary call may take before it fails with DEADLINE_EXCEEDED."""


class AsyncTp3Client:
    """One connection to a tp3 server; `currency`, `chat` and `game` hold the services'
    calls."""

    def __init__(
        self,
        target: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls: ClientTls | None = None,
        token: str | None = None,
        config: Configuration | None = None,
    ) -> None:
        """`tls` connects over TLS (`ClientTls()` trusts the system's CAs; `ca=` names the
        server's, `cert=` and `key=` present a client certificate for mutual TLS); `token` is
        sent with every call (`authorization: Bearer TOKEN`) to a server that asks for one;
        `config` tunes grpclib's channel (keepalive, HTTP/2 window sizes). `target` is
        host:port, http://, https:// (TLS) or dns:/// host:port (`tp3.client.target`)."""
        self.target = target or default_target()
        where = parse_target(self.target)
        tls = where.client_tls(tls)  # https:// without TLS options: the system's CAs
        self.tls = tls is not None
        """Whether the connection is over TLS."""
        self._channel = Channel(
            where.host,
            where.port,
            ssl=tls.context() if tls else None,
            config=config,
            codec=MessageCodec(),
        )
        if token is not None:
            _send_token(self._channel, token)
        self.currency = AsyncCurrencyClient(self._channel, self.target, timeout)
        self.chat = AsyncChatClient(self._channel, self.target, timeout)
        self.game = AsyncGameClient(self._channel, self.target, timeout)

    def close(self) -> None:
        self._channel.close()

    async def aclose(self) -> None:
        """Close, and wait (a second at most) until the connection is gone: over TLS that
        takes a few turns of the event loop, which a loop about to close must give it."""
        protocol = self._channel._protocol  # grpclib keeps no other handle on the connection
        if protocol is None or getattr(protocol.handler, "connection_lost", True):  # gone already
            self.close()
            for _ in range(10):  # a failed TLS handshake: a few turns let asyncio close it
                await asyncio.sleep(0)
            return
        # grpclib marks its handler lost as soon as it starts closing; asyncio tells the
        # protocol once the transport (TLS shutdown included) is really gone.
        gone = asyncio.Event()
        lost = protocol.connection_lost

        def connection_lost(exc: BaseException | None) -> None:
            lost(exc)
            gone.set()

        protocol.connection_lost = connection_lost  # type: ignore[method-assign]
        self.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1):
                await gone.wait()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class Tp3Client:
    """Blocking facade of `AsyncTp3Client`, for programs that run no event loop."""

    def __init__(
        self,
        target: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls: ClientTls | None = None,
        token: str | None = None,
    ) -> None:
        self._runner = asyncio.Runner()
        self._async = self._runner.run(_connect(target, timeout=timeout, tls=tls, token=token))
        self.target = self._async.target
        self.currency = CurrencyClient(self._runner, self._async.currency)

    def close(self) -> None:
        self._runner.run(self._async.aclose())
        self._runner.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


async def _connect(target: str | None, **options: Any) -> AsyncTp3Client:
    return AsyncTp3Client(target, **options)  # the channel binds to this loop


def _send_token(channel: Channel, token: str) -> None:
    token = token.strip()
    if not token or any(char in token for char in "\r\n"):
        raise ValueError("a token is one line of text, not empty")
    header = f"Bearer {token}"

    async def add_header(event: SendRequest) -> None:
        event.metadata["authorization"] = header

    listen(channel, SendRequest, add_header)
