"""Mapping between the currency domain's models and the generated protobuf messages.

The one place that knows both sides: the service maps results out, the client maps them back.
"""

from datetime import date
from decimal import Decimal

from tp3.currency.models import (
    BatchSubtotal,
    BatchSummary,
    Conversion,
    CurrencyInfo,
    CurrencyListing,
    Quote,
)
from tp3.currency.money import format_decimal
from tp3.generated.tp3.currency import v1 as pb

__all__ = [
    "conversion_from_proto",
    "conversion_to_proto",
    "listing_from_proto",
    "listing_to_proto",
    "quote_from_proto",
    "quote_to_proto",
    "summary_from_proto",
    "summary_to_proto",
]


def conversion_to_proto(c: Conversion) -> pb.ConvertResponse:
    return pb.ConvertResponse(
        from_currency=c.from_currency,
        to_currency=c.to_currency,
        amount=format_decimal(c.amount),
        converted_amount=format_decimal(c.converted_amount),
        rate=format_decimal(c.rate),
        rate_date=c.rate_date.isoformat(),
    )


def conversion_from_proto(m: pb.ConvertResponse) -> Conversion:
    return Conversion(
        from_currency=m.from_currency,
        to_currency=m.to_currency,
        amount=Decimal(m.amount),
        converted_amount=Decimal(m.converted_amount),
        rate=Decimal(m.rate),
        rate_date=date.fromisoformat(m.rate_date),
    )


def quote_to_proto(q: Quote) -> pb.StreamQuotesResponse:
    return pb.StreamQuotesResponse(
        sequence=q.sequence,
        time=q.time,
        base_currency=q.base_currency,
        quote_currency=q.quote_currency,
        rate=format_decimal(q.rate),
        reference_rate=format_decimal(q.reference_rate),
    )


def quote_from_proto(m: pb.StreamQuotesResponse) -> Quote:
    assert m.time is not None, "the server always stamps a quote"
    return Quote(
        sequence=m.sequence,
        time=m.time,
        base_currency=m.base_currency,
        quote_currency=m.quote_currency,
        rate=Decimal(m.rate),
        reference_rate=Decimal(m.reference_rate),
    )


def summary_to_proto(s: BatchSummary) -> pb.ConvertBatchResponse:
    return pb.ConvertBatchResponse(
        to_currency=s.to_currency,
        total=format_decimal(s.total),
        item_count=s.item_count,
        subtotals=[
            pb.BatchSubtotal(
                from_currency=t.from_currency,
                item_count=t.item_count,
                amount=format_decimal(t.amount),
                converted_amount=format_decimal(t.converted_amount),
            )
            for t in s.subtotals
        ],
        rate_date=s.rate_date.isoformat(),
    )


def summary_from_proto(m: pb.ConvertBatchResponse) -> BatchSummary:
    return BatchSummary(
        to_currency=m.to_currency,
        total=Decimal(m.total),
        item_count=m.item_count,
        subtotals=tuple(
            BatchSubtotal(
                from_currency=t.from_currency,
                item_count=t.item_count,
                amount=Decimal(t.amount),
                converted_amount=Decimal(t.converted_amount),
            )
            for t in m.subtotals
        ),
        rate_date=date.fromisoformat(m.rate_date),
    )


def listing_to_proto(listing: CurrencyListing) -> pb.ListCurrenciesResponse:
    return pb.ListCurrenciesResponse(
        currencies=[
            pb.Currency(
                code=c.code, name=c.name, minor_units=c.minor_units, rate=format_decimal(c.rate)
            )
            for c in listing.currencies
        ],
        base_currency=listing.base_currency,
        rate_date=listing.rate_date.isoformat(),
        source=listing.source,
    )


def listing_from_proto(m: pb.ListCurrenciesResponse) -> CurrencyListing:
    return CurrencyListing(
        base_currency=m.base_currency,
        rate_date=date.fromisoformat(m.rate_date),
        source=m.source,
        currencies=tuple(
            CurrencyInfo(c.code, c.name, c.minor_units, Decimal(c.rate)) for c in m.currencies
        ),
    )
