"""The converter's rules, checked against exact rational arithmetic."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tp3.currency.converter import MAX_BATCH_ITEMS, Batch, Converter
from tp3.currency.iso4217 import ISO_4217
from tp3.currency.rates import default_table, parse_eurofxref
from tp3.errors import InvalidArgument, ResourceExhausted

TABLE = default_table()
CONVERTER = Converter(TABLE)
CODES = st.sampled_from(TABLE.codes)
AMOUNTS = st.decimals(min_value=0, max_value=Decimal("1e12"), places=2, allow_nan=False)
# Small enough that the converted amount is still a valid amount (< 10^15) in any currency.
ROUND_TRIP_AMOUNTS = st.decimals(min_value=0, max_value=Decimal("1e9"), places=2, allow_nan=False)

# A table with a 3-minor-unit currency; the KWD figure is a test fixture, not reference data.
KWD_CONVERTER = Converter(
    parse_eurofxref("Date, USD, JPY, KWD,\n20 February 2026, 1.1767, 182.63, 0.3612,\n", origin="t")
)


def exact_rate(from_code: str, to_code: str) -> Fraction:
    return Fraction(TABLE.rates[to_code]) / Fraction(TABLE.rates[from_code])


def half_even(value: Fraction, minor_units: int) -> Fraction:
    """Reference rounding on exact rationals."""
    scaled = value * 10**minor_units
    floor = scaled.numerator // scaled.denominator
    remainder = scaled - floor
    if remainder > Fraction(1, 2) or (remainder == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Fraction(floor, 10**minor_units)


def unit(code: str) -> Fraction:
    return Fraction(1, 10 ** ISO_4217[code].minor_units)


def test_the_labs_example_6500_mad_to_usd() -> None:
    conversion = CONVERTER.convert("6500", "MAD", "USD")
    # 6500 x 1.1767 / 10.7926 = 708.6800...
    assert conversion.converted_amount == Decimal("708.68")
    assert conversion.rate == Decimal("0.1090284084")
    assert conversion.rate_date == TABLE.rate_date
    assert (conversion.from_currency, conversion.to_currency) == ("MAD", "USD")


@pytest.mark.parametrize(
    ("amount", "from_code", "to_code", "expected"),
    [
        ("1", "EUR", "JPY", "183"),  # 182.63 -> 0 minor units
        ("100", "EUR", "USD", "117.67"),
        ("100", "EUR", "KWD", "36.120"),  # 3 minor units, trailing zero kept
        ("1000", "JPY", "KWD", "1.978"),  # 1000 x 0.3612 / 182.63 = 1.97777...
        ("0", "USD", "JPY", "0"),
    ],
)
def test_results_have_exactly_the_targets_minor_units(
    amount: str, from_code: str, to_code: str, expected: str
) -> None:
    converted = KWD_CONVERTER.convert(amount, from_code, to_code).converted_amount
    assert str(converted) == expected


def test_codes_are_case_insensitive() -> None:
    assert CONVERTER.convert("1", " eur ", "usd").to_currency == "USD"


@pytest.mark.parametrize(
    ("from_code", "to_code", "field", "problem"),
    [
        ("XXX", "USD", "from_currency", "XXX is not supported"),
        ("EUR", "KWD", "to_currency", "KWD is not supported"),
        ("US", "EUR", "from_currency", "is not a currency code"),
        ("EUR", "US$", "to_currency", "is not a currency code"),
        ("", "USD", "from_currency", "is required"),
    ],
)
def test_bad_codes_name_the_field(from_code: str, to_code: str, field: str, problem: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        CONVERTER.convert("1", from_code, to_code)
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_unsupported_code_lists_the_supported_ones() -> None:
    with pytest.raises(InvalidArgument, match=r"supported: AUD, BRL, .*MAD.*USD"):
        CONVERTER.currency("XXX", "to_currency")


@given(CODES, CODES, AMOUNTS)
def test_conversion_is_the_exact_value_rounded_half_even(
    from_code: str, to_code: str, amount: Decimal
) -> None:
    conversion = CONVERTER.convert(str(amount), from_code, to_code)
    exact = Fraction(amount) * exact_rate(from_code, to_code)
    expected = half_even(exact, ISO_4217[to_code].minor_units)
    assert Fraction(conversion.converted_amount) == expected
    exponent = conversion.converted_amount.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite amount, not NaN or infinity
    assert -exponent == ISO_4217[to_code].minor_units


@given(CODES, CODES, ROUND_TRIP_AMOUNTS)
def test_a_round_trip_loses_at_most_the_two_roundings(a: str, b: str, amount: Decimal) -> None:
    """A -> B -> A is off by at most half a unit of A plus half a unit of B (in A)."""
    there = CONVERTER.convert(str(amount), a, b).converted_amount
    back = CONVERTER.convert(str(there), b, a).converted_amount
    bound = unit(a) / 2 + unit(b) / 2 / exact_rate(a, b)
    assert abs(Fraction(back) - Fraction(amount)) <= bound


# Pairs whose minor unit is worth about the same: a round trip stays within one minor unit.
@given(
    st.sampled_from(["EUR", "USD", "GBP", "CHF", "MAD", "CAD"]),
    st.sampled_from(["EUR", "USD", "GBP", "CHF", "MAD", "CAD"]),
    ROUND_TRIP_AMOUNTS,
)
def test_a_round_trip_stays_within_one_minor_unit(a: str, b: str, amount: Decimal) -> None:
    if unit(b) / exact_rate(a, b) > unit(a):  # b's minor unit worth more than a's
        a, b = b, a
    there = CONVERTER.convert(str(amount), a, b).converted_amount
    back = CONVERTER.convert(str(there), b, a).converted_amount
    assert abs(back - amount) <= unit_decimal(a)


def unit_decimal(code: str) -> Decimal:
    return Decimal(1).scaleb(-ISO_4217[code].minor_units)


@given(st.lists(st.tuples(AMOUNTS, CODES), min_size=1, max_size=30), CODES)
def test_a_batch_total_is_the_sum_of_its_rounded_parts(
    items: list[tuple[Decimal, str]], to_code: str
) -> None:
    batch = Batch(CONVERTER)
    parts = [batch.add(str(amount), code, to_code).converted_amount for amount, code in items]
    summary = batch.summary()
    assert summary.total == sum(parts)
    assert summary.item_count == len(items)
    assert summary.total == sum(s.converted_amount for s in summary.subtotals)
    assert [s.from_currency for s in summary.subtotals] == sorted({c for _, c in items})
    for subtotal in summary.subtotals:
        mine = [amount for amount, code in items if code == subtotal.from_currency]
        assert subtotal.item_count == len(mine)
        assert subtotal.amount == sum(mine)


def test_a_batch_names_its_target_once() -> None:
    batch = Batch(CONVERTER)
    batch.add("1", "EUR", "usd")
    batch.add("2", "EUR")  # may leave it empty
    batch.add("3", "EUR", "USD")  # or repeat it
    with pytest.raises(InvalidArgument, match="the batch converts to USD"):
        batch.add("4", "EUR", "GBP")
    assert batch.summary().item_count == 3


def test_the_first_batch_item_must_name_the_target() -> None:
    with pytest.raises(InvalidArgument, match="to_currency: is required"):
        Batch(CONVERTER).add("1", "EUR")


def test_a_bad_batch_item_says_which_one() -> None:
    batch = Batch(CONVERTER)
    batch.add("1", "EUR", "USD")
    with pytest.raises(InvalidArgument, match=r"^item 2: amount: must not be negative"):
        batch.add("-1", "EUR")


def test_an_empty_batch_is_invalid() -> None:
    with pytest.raises(InvalidArgument, match="the batch is empty"):
        Batch(CONVERTER).summary()


def test_a_batch_has_a_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = Batch(CONVERTER)
    batch.add("1", "EUR", "USD")
    batch.item_count = MAX_BATCH_ITEMS  # as if full
    with pytest.raises(ResourceExhausted, match=f"at most {MAX_BATCH_ITEMS} items"):
        batch.add("1", "EUR")


def test_listing_has_names_minor_units_and_rates() -> None:
    listing = CONVERTER.listing()
    by_code = {c.code: c for c in listing.currencies}
    assert [c.code for c in listing.currencies] == sorted(by_code)
    assert by_code["MAD"].name == "Moroccan dirham"
    assert by_code["JPY"].minor_units == 0
    assert by_code["USD"].rate == Decimal("1.1767")
    assert listing.rate_date == TABLE.rate_date
