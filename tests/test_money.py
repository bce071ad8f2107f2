from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tp3.currency.money import format_decimal, parse_amount, round_to_minor_units
from tp3.errors import InvalidArgument


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6500", Decimal("6500")),
        (" 12.50 ", Decimal("12.50")),
        ("0", Decimal("0")),
        ("-0", Decimal("0")),
        ("1E+3", Decimal("1000")),
        ("999999999999999.9999999999", Decimal("999999999999999.9999999999")),
    ],
)
def test_parse_amount_accepts_plain_decimals(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected
    assert not parse_amount(text).is_signed()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is required"),
        ("   ", "is required"),
        ("abc", "is not a decimal number"),
        ("1,5", "is not a decimal number"),
        ("-5", "must not be negative"),
        ("-0.01", "must not be negative"),
        ("NaN", "must be a finite number"),
        ("-Infinity", "must be a finite number"),
        ("inf", "must be a finite number"),
        ("1000000000000000", "must be less than 10^15"),
        ("1e20", "must be less than 10^15"),
        ("0.00000000001", "more than 10 decimal places"),
        ("1" * 65, "is too long"),
        ("0E-50000000", "exponent out of range"),
        ("1E-1000000000000", "exponent out of range"),
        ("0E+65", "exponent out of range"),
    ],
)
def test_parse_amount_rejects_with_the_field_and_the_rule(text: str, problem: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        parse_amount(text, field="amount")
    assert caught.value.field == "amount"
    assert problem in str(caught.value)
    assert str(caught.value).startswith("amount: ")


def test_trailing_zeros_do_not_count_as_precision() -> None:
    assert parse_amount("1.50000000000000") == Decimal("1.5")


@pytest.mark.parametrize("text", ["0E-64", "0.000000000000000000", "1.5000000000000000000000"])
def test_an_amount_is_echoed_with_at_most_ten_places(text: str) -> None:
    """A 23-byte amount once came back as a 50 MB reply: its zeros, written out in full."""
    assert len(format_decimal(parse_amount(text))) <= len("1.5000000000")


@pytest.mark.parametrize(
    ("value", "minor_units", "expected"),
    [
        ("0.125", 2, "0.12"),  # half-even: ties go to the even neighbour
        ("0.135", 2, "0.14"),
        ("0.1250001", 2, "0.13"),
        ("2.5", 0, "2"),
        ("3.5", 0, "4"),
        ("1.0005", 3, "1.000"),
        ("1.0015", 3, "1.002"),
    ],
)
def test_rounding_is_half_even_to_minor_units(value: str, minor_units: int, expected: str) -> None:
    rounded = round_to_minor_units(Decimal(value), minor_units)
    assert format_decimal(rounded) == expected


def test_format_never_uses_an_exponent() -> None:
    assert format_decimal(Decimal("1E+3")) == "1000"
    assert format_decimal(Decimal("1E-7")) == "0.0000001"


@given(st.decimals(min_value=0, max_value=Decimal("1e15") - 1, places=10, allow_nan=False))
def test_every_in_range_amount_round_trips_through_text(value: Decimal) -> None:
    assert parse_amount(format_decimal(value)) == value
