"""Result types of the currency domain, shared by the service and the typed client.

Plain frozen dataclasses with `Decimal` money: no protobuf, no gRPC (`wire` converts).
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

__all__ = [
    "BatchSubtotal",
    "BatchSummary",
    "Conversion",
    "CurrencyInfo",
    "CurrencyListing",
    "Quote",
]


@dataclass(frozen=True)
class Conversion:
    from_currency: str
    to_currency: str
    amount: Decimal
    converted_amount: Decimal
    """Rounded half-even to the target currency's minor units."""
    rate: Decimal
    """Units of `to_currency` per unit of `from_currency`, to 10 significant digits."""
    rate_date: date


@dataclass(frozen=True)
class Quote:
    sequence: int
    time: datetime
    base_currency: str
    quote_currency: str
    rate: Decimal
    reference_rate: Decimal


@dataclass(frozen=True)
class BatchSubtotal:
    from_currency: str
    item_count: int
    amount: Decimal
    """Exact sum of the items' amounts, in `from_currency`."""
    converted_amount: Decimal
    """Sum of the items' conversions, each rounded on its own, in the batch's target."""


@dataclass(frozen=True)
class BatchSummary:
    to_currency: str
    total: Decimal
    """Sum of every item converted and rounded on its own: the sum of the subtotals."""
    item_count: int
    subtotals: tuple[BatchSubtotal, ...]
    rate_date: date


@dataclass(frozen=True)
class CurrencyInfo:
    code: str
    name: str
    minor_units: int
    rate: Decimal
    """Units of this currency per unit of the table's base currency."""


@dataclass(frozen=True)
class CurrencyListing:
    base_currency: str
    rate_date: date
    source: str
    currencies: tuple[CurrencyInfo, ...]
