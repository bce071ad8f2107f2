"""The lab's doubles and currency spellings, made into tp3's exact money and ISO codes.

The lab chose `double` for amounts; tp3 converts decimals. An amount arrives as the shortest
decimal that reads back as the same double (repr: 0.1 is "0.1"), is rounded half-even to its
currency's minor units (the lab's clients send Math.random() * 7000), converted exactly, and
the result, rounded to the target's minor units, goes back as the nearest double.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from tp3.currency.converter import Converter
from tp3.currency.iso4217 import ISO_4217
from tp3.currency.models import Conversion
from tp3.currency.money import ARITHMETIC, MAX_AMOUNT, format_decimal, round_to_minor_units
from tp3.errors import InvalidArgument

__all__ = ["DEFAULT_PAIR", "LabMoney", "Pair"]

_SPELLINGS = {"DH": "MAD"}
"""What the lab's clients write for a currency, beside ISO codes: DH, the dirham's local
abbreviation, is what the original's clients send."""


@dataclass(frozen=True)
class Pair:
    from_code: str
    to_code: str


DEFAULT_PAIR = Pair("MAD", "USD")
"""The lab's headline conversion: what a request naming no currency converts."""


class LabMoney:
    def __init__(self, converter: Converter) -> None:
        self._converter = converter

    def code(self, text: str, field: str) -> str:
        """The ISO code `text` names (DH is MAD); InvalidArgument naming the lab's `field`."""
        spelled = text.strip().upper()
        return self._converter.currency(_SPELLINGS.get(spelled, spelled), field)

    def pair(self, currency_from: str, currency_to: str, default: Pair) -> Pair:
        """The request's pair; a currency it leaves empty is `default`'s."""
        return Pair(
            self.code(currency_from, "currencyFrom")
            if currency_from.strip()
            else default.from_code,
            self.code(currency_to, "currencyTo") if currency_to.strip() else default.to_code,
        )

    def amount(self, value: float, code: str) -> Decimal:
        """`value` rounded to `code`'s minor units, if an amount tp3 converts."""
        if not math.isfinite(value):
            raise InvalidArgument("amount", f"must be a finite number, not {value!r}")
        if value < 0:
            raise InvalidArgument("amount", f"must not be negative, got {value!r}")
        if value >= MAX_AMOUNT:
            raise InvalidArgument("amount", f"must be less than 10^15, got {value!r}")
        exact = Decimal(repr(value)).copy_abs()  # -0.0 is 0
        return round_to_minor_units(exact, ISO_4217[code].minor_units)

    def convert(self, value: float, pair: Pair) -> Conversion:
        amount = self.amount(value, pair.from_code)
        return self._converter.convert(format_decimal(amount), pair.from_code, pair.to_code)

    def at_rate(self, value: float, pair: Pair, rate: Decimal) -> Decimal:
        """`value` at a simulated `rate` (a quote), to the target's minor units."""
        amount = ARITHMETIC.multiply(self.amount(value, pair.from_code), rate)
        return round_to_minor_units(amount, ISO_4217[pair.to_code].minor_units)
