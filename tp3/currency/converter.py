"""Conversions and batches on a rate table: the business rules of the converter.

A cross rate goes through the table's base: amount x rate[to] / rate[from], computed exactly
(see `money.ARITHMETIC`) and rounded once, half-even, to the target's minor units.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal

from tp3.currency.iso4217 import ISO_4217
from tp3.currency.models import (
    BatchSubtotal,
    BatchSummary,
    Conversion,
    CurrencyInfo,
    CurrencyListing,
)
from tp3.currency.money import ARITHMETIC, parse_amount, round_to_minor_units
from tp3.currency.rates import RateTable
from tp3.errors import InvalidArgument, ResourceExhausted, quote

__all__ = ["MAX_BATCH_ITEMS", "Batch", "Converter"]

MAX_BATCH_ITEMS = 100_000
_CODE = re.compile(r"[A-Z]{3}")
_DISPLAY_RATE = Context(prec=10, rounding=ROUND_HALF_EVEN)


class Converter:
    def __init__(self, table: RateTable) -> None:
        self.table = table

    def currency(self, text: str, field: str) -> str:
        """The supported currency code `text` names (case-insensitive), or InvalidArgument."""
        code = text.strip().upper()
        if not code:
            raise InvalidArgument(field, "is required: give a currency code such as USD")
        if not _CODE.fullmatch(code):
            raise InvalidArgument(
                field, f"{quote(text.strip())} is not a currency code: use 3 letters such as USD"
            )
        if code not in self.table.rates:
            raise InvalidArgument(
                field, f"{code} is not supported; supported: {', '.join(self.table.codes)}"
            )
        return code

    def rate(self, from_code: str, to_code: str) -> Decimal:
        """Cross rate for display, to 10 significant digits: units of `to_code` per unit of
        `from_code`. Conversions don't use it: they divide once, at full precision."""
        rates = self.table.rates
        return _DISPLAY_RATE.divide(rates[to_code], rates[from_code])

    def convert(self, amount: str, from_currency: str, to_currency: str) -> Conversion:
        """Validate and convert one request; fields are named as in the API."""
        from_code = self.currency(from_currency, "from_currency")
        to_code = self.currency(to_currency, "to_currency")
        value = parse_amount(amount)
        rates = self.table.rates
        exact = ARITHMETIC.divide(ARITHMETIC.multiply(value, rates[to_code]), rates[from_code])
        return Conversion(
            from_currency=from_code,
            to_currency=to_code,
            amount=value,
            converted_amount=round_to_minor_units(exact, ISO_4217[to_code].minor_units),
            rate=self.rate(from_code, to_code),
            rate_date=self.table.rate_date,
        )

    def listing(self) -> CurrencyListing:
        table = self.table
        return CurrencyListing(
            base_currency=table.base_currency,
            rate_date=table.rate_date,
            source=table.source,
            currencies=tuple(
                CurrencyInfo(code, ISO_4217[code].name, ISO_4217[code].minor_units, rate)
                for code, rate in sorted(table.rates.items())
            ),
        )


@dataclass
class _Subtotal:
    item_count: int = 0
    amount: Decimal = Decimal(0)
    converted_amount: Decimal = Decimal(0)


class Batch:
    """A client-streamed batch: every item is converted and rounded on its own, so the total
    is exactly the sum of the rounded parts (what an itemised statement would show)."""

    def __init__(self, converter: Converter) -> None:
        self._converter = converter
        self._to_currency: str | None = None
        self._subtotals: dict[str, _Subtotal] = {}
        self.item_count = 0

    def add(self, amount: str, from_currency: str, to_currency: str = "") -> Conversion:
        """Add one item. The first item must name the target currency; later items may leave
        it empty or repeat it."""
        position = self.item_count + 1
        if position > MAX_BATCH_ITEMS:
            raise ResourceExhausted(f"a batch holds at most {MAX_BATCH_ITEMS} items")
        try:
            target = self._target(to_currency)
            conversion = self._converter.convert(amount, from_currency, target)
        except InvalidArgument as error:
            raise InvalidArgument(f"item {position}: {error.field}", error.problem) from None
        self._to_currency = target
        subtotal = self._subtotals.setdefault(conversion.from_currency, _Subtotal())
        subtotal.item_count += 1
        subtotal.amount += conversion.amount
        subtotal.converted_amount += conversion.converted_amount
        self.item_count = position
        return conversion

    def _target(self, to_currency: str) -> str:
        if self._to_currency is None:
            return self._converter.currency(to_currency, "to_currency")
        if to_currency.strip() and to_currency.strip().upper() != self._to_currency:
            raise InvalidArgument(
                "to_currency",
                f"the batch converts to {self._to_currency}; "
                f"leave it empty or repeat {self._to_currency}, got {quote(to_currency.strip())}",
            )
        return self._to_currency

    def summary(self) -> BatchSummary:
        if self._to_currency is None:
            raise InvalidArgument("items", "the batch is empty: send at least one item")
        subtotals = tuple(self._finished_subtotals())
        return BatchSummary(
            to_currency=self._to_currency,
            total=sum((s.converted_amount for s in subtotals), Decimal(0)),
            item_count=self.item_count,
            subtotals=subtotals,
            rate_date=self._converter.table.rate_date,
        )

    def _finished_subtotals(self) -> Iterator[BatchSubtotal]:
        for code, subtotal in sorted(self._subtotals.items()):
            yield BatchSubtotal(
                code, subtotal.item_count, subtotal.amount, subtotal.converted_amount
            )
