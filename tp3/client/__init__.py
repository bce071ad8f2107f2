"""Typed Python client for a tp3 server.

    from tp3.client import Tp3Client
    with Tp3Client("127.0.0.1:50051") as tp3:
        print(tp3.currency.convert("6500", "MAD", "USD").converted_amount)

`AsyncTp3Client` is the asyncio original (`async with AsyncTp3Client() as tp3: await ...`);
`Tp3Client` is its blocking facade for the currency service (a chat session is asynchronous by
nature: `tp3.chat.join(...)` on the async client). Every failure is a `Tp3RpcError`.
"""

import asyncio
from types import TracebackType
from typing import Self

from grpclib.client import Channel
from grpclib.config import Configuration

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
from tp3.client.target import DEFAULT_TARGET, TARGET_ENV, default_target, parse_target

__all__ = [
    "DEFAULT_TARGET",
    "DEFAULT_TIMEOUT",
    "TARGET_ENV",
    "AsyncChatClient",
    "AsyncCurrencyClient",
    "AsyncGameClient",
    "AsyncTp3Client",
    "BatchItem",
    "ChatSession",
    "ConversionRejected",
    "ConversionRequest",
    "CurrencyClient",
    "GameSession",
    "StreamReply",
    "Tp3Client",
    "Tp3RpcError",
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
        config: Configuration | None = None,
    ) -> None:
        """`config` tunes grpclib's channel (keepalive, HTTP/2 window sizes)."""
        self.target = target or default_target()
        host, port = parse_target(self.target)
        self._channel = Channel(host, port, config=config)
        self.currency = AsyncCurrencyClient(self._channel, self.target, timeout)
        self.chat = AsyncChatClient(self._channel, self.target, timeout)
        self.game = AsyncGameClient(self._channel, self.target, timeout)

    def close(self) -> None:
        self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Tp3Client:
    """Blocking facade of `AsyncTp3Client`, for programs that run no event loop."""

    def __init__(self, target: str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self._runner = asyncio.Runner()
        self._async = self._runner.run(_connect(target, timeout))
        self.target = self._async.target
        self.currency = CurrencyClient(self._runner, self._async.currency)

    def close(self) -> None:
        self._async.close()
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


async def _connect(target: str | None, timeout: float) -> AsyncTp3Client:
    return AsyncTp3Client(target, timeout=timeout)  # the channel binds to the running loop
