"""Exact decimal money: parsing user amounts, arithmetic, rounding, formatting.

Every amount is a `decimal.Decimal`; floats never touch money.
"""

from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

from tp3.errors import InvalidArgument

__all__ = [
    "ARITHMETIC",
    "MAX_AMOUNT",
    "MAX_FRACTION_DIGITS",
    "format_decimal",
    "parse_amount",
    "round_to_minor_units",
]

# An amount must stay below 10^15 (a quadrillion) and have at most 10 decimal places: ample
# for money, and it keeps every product exact in ARITHMETIC's 60 digits.
MAX_AMOUNT = Decimal(10) ** 15
MAX_FRACTION_DIGITS = 10
_MAX_TEXT_LENGTH = 64

# 60 significant digits: amount (<= 25 digits) x rate (<= ~12 digits) is exact, and a quotient
# by a rate of <= 12 digits is either exact or further than 10^-40 from any rounding tie, so
# rounding the 60-digit quotient once gives the correctly rounded result.
ARITHMETIC = Context(prec=60, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])


def parse_amount(text: str, field: str = "amount") -> Decimal:
    """Parse a non-negative decimal amount, naming `field` in the error if it is not one."""
    raw = text.strip()
    if not raw:
        raise InvalidArgument(field, "is required: give a decimal number such as 6500 or 12.50")
    if len(raw) > _MAX_TEXT_LENGTH:
        raise InvalidArgument(field, f"is too long ({len(raw)} characters, at most 64)")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidArgument(
            field, f"{raw!r} is not a decimal number (write it like 6500 or 12.50)"
        ) from None
    if not value.is_finite():
        raise InvalidArgument(field, f"must be a finite number, not {raw!r}")
    if value < 0:
        raise InvalidArgument(field, f"must not be negative, got {raw}")
    if value >= MAX_AMOUNT:
        raise InvalidArgument(field, f"must be less than 10^15, got {raw}")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    # Before any arithmetic: "0E-50000000" is 11 characters, and written out in full (as a
    # reply echoes it) it is 50 MB. 64 places either way covers any amount of 64 characters.
    if abs(exponent) > _MAX_TEXT_LENGTH:
        raise InvalidArgument(
            field, f"exponent out of range: {raw} (write the amount out, like 6500 or 12.50)"
        )
    normalized = value.normalize()
    places = -normalized.as_tuple().exponent  # type: ignore[operator]  # finite
    if places > MAX_FRACTION_DIGITS:
        raise InvalidArgument(field, f"has more than {MAX_FRACTION_DIGITS} decimal places: {raw}")
    if -exponent > MAX_FRACTION_DIGITS:  # only zeros past the 10th place: drop them
        value = normalized
    return value.copy_abs()  # turns -0 into 0


def round_to_minor_units(value: Decimal, minor_units: int) -> Decimal:
    """Round half-even to `minor_units` decimal places (JPY 0, USD 2, KWD 3)."""
    return value.quantize(Decimal(1).scaleb(-minor_units), context=ARITHMETIC)


def format_decimal(value: Decimal) -> str:
    """Plain notation, never an exponent: 1E+3 -> "1000", keeping the value's scale."""
    return format(value, "f")
