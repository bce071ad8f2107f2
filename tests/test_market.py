from datetime import timedelta
from decimal import Decimal
from itertools import islice

import pytest

from tp3.currency.market import MAX_COUNT, Market, quote_schedule
from tp3.errors import InvalidArgument

REFERENCE = Decimal("1.1767")


def test_schedule_defaults_to_ten_ticks_a_second_apart() -> None:
    assert quote_schedule(None, None) == (timedelta(seconds=1), 10)


@pytest.mark.parametrize(
    ("interval", "count", "field"),
    [
        (timedelta(0), 5, "interval"),
        (timedelta(milliseconds=9), 5, "interval"),
        (timedelta(seconds=-1), 5, "interval"),
        (timedelta(seconds=61), 5, "interval"),
        (timedelta(seconds=1), 0, "count"),
        (timedelta(seconds=1), MAX_COUNT + 1, "count"),
    ],
)
def test_schedule_bounds(interval: timedelta, count: int, field: str) -> None:
    with pytest.raises(InvalidArgument) as caught:
        quote_schedule(interval, count)
    assert caught.value.field == field
    assert "must be between" in caught.value.problem


def test_seeded_markets_replay_the_same_walk() -> None:
    first = list(islice(Market(seed=7).rates("EUR", "USD", REFERENCE), 50))
    again = list(islice(Market(seed=7).rates("EUR", "USD", REFERENCE), 50))
    other_seed = list(islice(Market(seed=8).rates("EUR", "USD", REFERENCE), 50))
    other_pair = list(islice(Market(seed=7).rates("EUR", "GBP", REFERENCE), 50))
    assert first == again
    assert first != other_seed
    assert first != other_pair


def test_unseeded_streams_differ() -> None:
    market = Market()
    assert list(islice(market.rates("EUR", "USD", REFERENCE), 20)) != list(
        islice(market.rates("EUR", "USD", REFERENCE), 20)
    )


def test_rates_move_but_stay_near_the_reference() -> None:
    rates = list(islice(Market(seed=1).rates("EUR", "USD", REFERENCE), 10_000))
    assert len(set(rates)) > 100  # it moves
    assert all(abs(rate / REFERENCE - 1) < Decimal("0.02") for rate in rates)  # mean-reverting
    assert all(len(rate.as_tuple().digits) <= 6 for rate in rates)
