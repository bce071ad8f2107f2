"""Typed access to CurrencyService: Decimal money in, domain models out.

`AsyncCurrencyClient` does the I/O; `CurrencyClient` is its blocking facade for code without
an event loop (the lab's "synchronous unary"), driving the same coroutines on a private loop.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Generator, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple, TypeVar

from grpclib.client import Channel
from grpclib.const import Status

from tp3.client.errors import rpc_errors
from tp3.client.streams import closing_stream
from tp3.currency import wire
from tp3.currency.market import DEFAULT_COUNT, DEFAULT_INTERVAL
from tp3.currency.models import BatchSummary, Conversion, CurrencyListing, Quote
from tp3.currency.money import format_decimal
from tp3.generated.tp3.currency import v1 as pb

__all__ = [
    "AsyncCurrencyClient",
    "BatchItem",
    "ConversionRejected",
    "ConversionRequest",
    "CurrencyClient",
    "StreamReply",
]

Amount = Decimal | int | str
T = TypeVar("T")


class ConversionRequest(NamedTuple):
    amount: Amount
    from_currency: str
    to_currency: str


class BatchItem(NamedTuple):
    amount: Amount
    from_currency: str


@dataclass(frozen=True)
class ConversionRejected:
    """A request of a conversion stream the server answered with an error, in-band."""

    status: Status
    message: str


@dataclass(frozen=True)
class StreamReply:
    sequence: int
    """1-based position of the request answered."""
    outcome: Conversion | ConversionRejected


def _amount_text(amount: Amount) -> str:
    if isinstance(amount, float):
        raise TypeError("amounts are exact: pass a Decimal, an int or a decimal string")
    return format_decimal(amount) if isinstance(amount, Decimal) else str(amount)


async def _each(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


class AsyncCurrencyClient:
    def __init__(self, channel: Channel, target: str, timeout: float) -> None:
        self._stub = pb.CurrencyServiceStub(channel)
        self._target = target
        self.timeout = timeout
        """Deadline of unary calls, in seconds; streams paced by the caller have none."""

    async def convert(self, amount: Amount, from_currency: str, to_currency: str) -> Conversion:
        request = pb.ConvertRequest(
            from_currency=from_currency, to_currency=to_currency, amount=_amount_text(amount)
        )
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.convert(request, timeout=self.timeout)
        return wire.conversion_from_proto(response)

    async def quotes(
        self,
        base_currency: str,
        quote_currency: str,
        *,
        count: int | None = None,
        interval: timedelta | None = None,
    ) -> AsyncGenerator[Quote, None]:
        """Live simulated quotes, as they arrive. Leave early with `contextlib.aclosing`."""
        request = pb.StreamQuotesRequest(
            base_currency=base_currency,
            quote_currency=quote_currency,
            interval=interval,
            count=count,
        )
        expected = (count or DEFAULT_COUNT) * (interval or DEFAULT_INTERVAL).total_seconds()
        timeout = expected + self.timeout
        with rpc_errors(self._target, timeout):
            async with closing_stream(self._stub.stream_quotes(request, timeout=timeout)) as ticks:
                async for tick in ticks:
                    yield wire.quote_from_proto(tick)

    async def convert_batch(
        self,
        items: Iterable[BatchItem] | AsyncIterable[BatchItem],
        to_currency: str,
        *,
        timeout: float | None = None,
    ) -> BatchSummary:
        """Stream `items` (amount, from_currency) and get their total in `to_currency`."""

        async def requests() -> AsyncIterator[pb.ConvertBatchRequest]:
            async for amount, from_currency in _each(items):
                yield pb.ConvertBatchRequest(
                    to_currency=to_currency,
                    from_currency=from_currency,
                    amount=_amount_text(amount),
                )

        with rpc_errors(self._target, timeout):
            response = await self._stub.convert_batch(requests(), timeout=timeout)
        return wire.summary_from_proto(response)

    async def convert_stream(
        self,
        requests: Iterable[ConversionRequest] | AsyncIterable[ConversionRequest],
        *,
        timeout: float | None = None,
    ) -> AsyncGenerator[StreamReply, None]:
        """Convert each request as it is sent; replies come in order, bad requests in-band."""

        async def messages() -> AsyncIterator[pb.ConvertStreamRequest]:
            async for amount, from_currency, to_currency in _each(requests):
                yield pb.ConvertStreamRequest(
                    from_currency=from_currency,
                    to_currency=to_currency,
                    amount=_amount_text(amount),
                )

        with rpc_errors(self._target, timeout):
            async with closing_stream(
                self._stub.convert_stream(messages(), timeout=timeout)
            ) as replies:
                async for reply in replies:
                    yield _stream_reply(reply)

    async def list_currencies(self) -> CurrencyListing:
        with rpc_errors(self._target, self.timeout):
            response = await self._stub.list_currencies(timeout=self.timeout)
        return wire.listing_from_proto(response)


def _stream_reply(reply: pb.ConvertStreamResponse) -> StreamReply:
    if reply.conversion is not None:
        return StreamReply(reply.sequence, wire.conversion_from_proto(reply.conversion))
    error = reply.error or pb.ConversionError(code=Status.UNKNOWN.value, message="no result")
    return StreamReply(reply.sequence, ConversionRejected(Status(error.code), error.message))


class CurrencyClient:
    """Blocking twin of `AsyncCurrencyClient` (same arguments, same results)."""

    def __init__(self, runner: asyncio.Runner, client: AsyncCurrencyClient) -> None:
        self._runner = runner
        self._async = client

    def convert(self, amount: Amount, from_currency: str, to_currency: str) -> Conversion:
        return self._runner.run(self._async.convert(amount, from_currency, to_currency))

    def quotes(
        self,
        base_currency: str,
        quote_currency: str,
        *,
        count: int | None = None,
        interval: timedelta | None = None,
    ) -> Generator[Quote, None, None]:
        """The quotes as they come; `close()` it (or `with contextlib.closing(...)`) to end
        the stream before its `count`."""
        ticks = self._async.quotes(base_currency, quote_currency, count=count, interval=interval)
        return self._iterate(ticks)

    def convert_batch(
        self, items: Iterable[BatchItem], to_currency: str, *, timeout: float | None = None
    ) -> BatchSummary:
        return self._runner.run(self._async.convert_batch(items, to_currency, timeout=timeout))

    def convert_stream(
        self, requests: Iterable[ConversionRequest], *, timeout: float | None = None
    ) -> Generator[StreamReply, None, None]:
        return self._iterate(self._async.convert_stream(requests, timeout=timeout))

    def list_currencies(self) -> CurrencyListing:
        return self._runner.run(self._async.list_currencies())

    def _iterate(self, stream: AsyncGenerator[T, None]) -> Generator[T, None, None]:
        try:
            while True:
                try:
                    yield self._runner.run(anext(stream))
                except StopAsyncIteration:
                    return
        finally:
            self._runner.run(stream.aclose())
