"""BankService, the lab's four call models, on tp3's converter and simulated market."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

from tp3.currency.converter import Batch, Converter
from tp3.currency.market import Market, quote_pair
from tp3.currency.money import format_decimal
from tp3.generated import BankServiceBase, ConvertCurrencyRequest, ConvertCurrencyResponse
from tp3.lab.money import DEFAULT_PAIR, LabMoney, Pair

__all__ = ["QUOTES", "LabBankService"]

QUOTES = 20
"""Quotes a getCurrencyStream sends, as the original does (one a second there)."""


def _response(pair: Pair, amount: Decimal, result: Decimal) -> ConvertCurrencyResponse:
    return ConvertCurrencyResponse(
        currency_from=pair.from_code,
        currency_to=pair.to_code,
        amount=float(amount),
        result=float(result),
    )


class LabBankService(BankServiceBase):
    def __init__(self, converter: Converter, market: Market, *, quote_interval: float) -> None:
        """`quote_interval`: seconds between getCurrencyStream's quotes."""
        self._converter = converter
        self._money = LabMoney(converter)
        self._market = market
        self._quote_interval = quote_interval

    async def convert(self, message: ConvertCurrencyRequest) -> ConvertCurrencyResponse:
        pair = self._money.pair(message.currency_from, message.currency_to, DEFAULT_PAIR)
        conversion = self._money.convert(message.amount, pair)
        return _response(pair, conversion.amount, conversion.converted_amount)

    async def get_currency_stream(
        self, message: ConvertCurrencyRequest
    ) -> AsyncIterator[ConvertCurrencyResponse]:
        """The amount at the pair's simulated rate, QUOTES times, on a fixed schedule."""
        pair = self._money.pair(message.currency_from, message.currency_to, DEFAULT_PAIR)
        quote_pair(pair.from_code, pair.to_code, "currencyTo")
        amount = self._money.amount(message.amount, pair.from_code)
        reference = self._converter.rate(pair.from_code, pair.to_code)
        rates = self._market.rates(pair.from_code, pair.to_code, reference)
        loop = asyncio.get_running_loop()
        tick = loop.time()
        for n in range(QUOTES):
            if n:
                tick += self._quote_interval
                await asyncio.sleep(tick - loop.time())
            yield _response(pair, amount, self._money.at_rate(message.amount, pair, next(rates)))

    async def perform_stream(
        self, messages: AsyncIterator[ConvertCurrencyRequest]
    ) -> ConvertCurrencyResponse:
        """The total of every amount, each converted and rounded on its own. The first
        request's pair (MAD to USD for what it leaves empty) is every later one's default;
        the answer names the pair converted."""
        batch = Batch(self._converter)
        first: Pair | None = None
        async for request in messages:
            pair = self._money.pair(
                request.currency_from, request.currency_to, first or DEFAULT_PAIR
            )
            first = first or pair
            amount = self._money.amount(request.amount, pair.from_code)
            batch.add(format_decimal(amount), pair.from_code, pair.to_code)
        summary = batch.summary()  # refuses an empty stream
        sources = {s.from_currency for s in summary.subtotals}
        assert first is not None  # the summary has items
        from_code = first.from_code if sources == {first.from_code} else ""  # mixed: no one
        amount = sum((s.amount for s in summary.subtotals), Decimal(0)) if from_code else Decimal(0)
        return _response(Pair(from_code, summary.to_currency), amount, summary.total)

    async def full_currency_stream(
        self, messages: AsyncIterator[ConvertCurrencyRequest]
    ) -> AsyncIterator[ConvertCurrencyResponse]:
        """Each request converted as it comes; one that leaves a currency empty takes the
        previous request's (MAD to USD for the first)."""
        last = DEFAULT_PAIR
        async for request in messages:
            last = self._money.pair(request.currency_from, request.currency_to, last)
            conversion = self._money.convert(request.amount, last)
            yield _response(last, conversion.amount, conversion.converted_amount)
