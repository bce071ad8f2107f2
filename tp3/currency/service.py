"""The grpclib CurrencyService: requests in, domain calls, responses out. No business rules.

Domain errors (`tp3.errors`) raised here become gRPC statuses in the RPC pipeline (`tp3.rpc`); only
ConvertStream catches them itself, to answer a bad request in-band and keep the stream open.
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from tp3.currency import wire
from tp3.currency.converter import Batch, Converter
from tp3.currency.market import Market, quote_pair, quote_schedule
from tp3.currency.models import Quote
from tp3.errors import Tp3Error
from tp3.generated.tp3.currency import v1 as pb
from tp3.ratelimit import RateLimiter
from tp3.rpc.context import current_rpc
from tp3.rpc.status import status_for

__all__ = ["CurrencyService"]


class CurrencyService(pb.CurrencyServiceBase):
    def __init__(
        self, converter: Converter, market: Market, *, client_quotes_per_second: float = 1000.0
    ) -> None:
        """`client_quotes_per_second`: quotes one client address gets per second, all its
        streams together; a client asking for more gets them later, not refused."""
        self._converter = converter
        self._market = market
        self._quote_budget = RateLimiter(client_quotes_per_second)
        self.active_quote_streams = 0
        """Quote streams being served now (observable proof that cancelled streams stop)."""

    async def convert(self, message: pb.ConvertRequest) -> pb.ConvertResponse:
        conversion = self._converter.convert(
            message.amount, message.from_currency, message.to_currency
        )
        return wire.conversion_to_proto(conversion)

    async def stream_quotes(
        self, message: pb.StreamQuotesRequest
    ) -> AsyncIterator[pb.StreamQuotesResponse]:
        base = self._converter.currency(message.base_currency, "base_currency")
        quote = self._converter.currency(message.quote_currency, "quote_currency")
        quote_pair(base, quote)
        interval, count = quote_schedule(message.interval, message.count)
        reference = self._converter.rate(base, quote)
        rates = self._market.rates(base, quote, reference)
        loop = asyncio.get_running_loop()
        address = current_rpc().client_host
        next_tick = loop.time()
        self.active_quote_streams += 1
        try:
            for sequence in range(1, count + 1):
                if sequence > 1:  # ticks on a fixed schedule: a slow send doesn't add drift
                    next_tick += interval.total_seconds()
                    await asyncio.sleep(next_tick - loop.time())
                # 100 streams at 10 ms took most of a core: an address's streams share a
                # budget, and wait for it
                await asyncio.sleep(self._quote_budget.reserve(address))
                tick = Quote(sequence, datetime.now(UTC), base, quote, next(rates), reference)
                yield wire.quote_to_proto(tick)
        finally:
            self.active_quote_streams -= 1

    async def convert_batch(
        self, messages: AsyncIterator[pb.ConvertBatchRequest]
    ) -> pb.ConvertBatchResponse:
        batch = Batch(self._converter)
        async for item in messages:
            batch.add(item.amount, item.from_currency, item.to_currency)
        return wire.summary_to_proto(batch.summary())

    async def convert_stream(
        self, messages: AsyncIterator[pb.ConvertStreamRequest]
    ) -> AsyncIterator[pb.ConvertStreamResponse]:
        sequence = 0
        async for request in messages:
            sequence += 1
            try:
                conversion = self._converter.convert(
                    request.amount, request.from_currency, request.to_currency
                )
            except Tp3Error as error:
                rejected = pb.ConversionError(code=status_for(error).value, message=str(error))
                yield pb.ConvertStreamResponse(sequence=sequence, error=rejected)
            else:
                converted = wire.conversion_to_proto(conversion)
                yield pb.ConvertStreamResponse(sequence=sequence, conversion=converted)

    async def list_currencies(self, message: pb.ListCurrenciesRequest) -> pb.ListCurrenciesResponse:
        return wire.listing_to_proto(self._converter.listing())
