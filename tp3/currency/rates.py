"""Rate tables: EUR-based reference rates, loaded from ECB `eurofxref` CSV files.

The ECB publishes `eurofxref.csv` (one day) and `eurofxref-hist.csv` (every day, newest
first); both have a `Date, USD, JPY, ...` header and rows of units per 1 EUR. tp3 reads either
(the newest row is used, "N/A" cells are skipped) and also accepts `#` comment lines, where a
`# Source: ...` line names the origin of the figures. The embedded default table is such a file.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from tp3.currency.iso4217 import ISO_4217

__all__ = ["DEFAULT_RATES_FILE", "RateTable", "RateTableError", "default_table", "load_table"]

BASE_CURRENCY = "EUR"
DEFAULT_RATES_FILE = "eurofxref-default.csv"
_SOURCE_PREFIX = "# source:"


class RateTableError(ValueError):
    """A rates file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class RateTable:
    base_currency: str
    rate_date: date
    source: str
    rates: Mapping[str, Decimal]
    """Units of each currency per 1 unit of `base_currency` (which maps to 1)."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.rates))


def default_table() -> RateTable:
    """The table shipped inside the package."""
    text = resources.files("tp3.currency").joinpath("data", DEFAULT_RATES_FILE).read_text()
    return parse_eurofxref(text, origin=f"embedded {DEFAULT_RATES_FILE}")


def load_table(path: Path) -> RateTable:
    """Load an ECB eurofxref CSV file (`tp3 serve --rates FILE`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RateTableError(f"cannot read rates file {path}: {error}") from None
    return parse_eurofxref(text, origin=str(path))


def parse_eurofxref(text: str, *, origin: str) -> RateTable:
    source = f"ECB euro foreign exchange reference rates ({origin})"
    rows: list[tuple[int, list[str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.lower().startswith(_SOURCE_PREFIX):
            source = stripped[len(_SOURCE_PREFIX) :].strip()
        elif stripped and not stripped.startswith("#"):
            rows.append((number, [cell.strip() for cell in stripped.split(",")]))
    if len(rows) < 2:
        raise RateTableError(f"{origin}: expected a 'Date, USD, ...' header and a row of rates")
    (_, header), (row_number, row) = rows[0], rows[1]
    if header[0].lower() != "date":
        raise RateTableError(f"{origin}: the header must start with 'Date', got {header[0]!r}")
    where = f"{origin}, line {row_number}"
    rates = {BASE_CURRENCY: Decimal(1)}
    for code, cell in zip(header[1:], row[1:], strict=False):
        if not code or cell.upper() in ("", "N/A"):
            continue
        rates[_known_code(code, where)] = _positive_rate(code, cell, where)
    if len(rates) < 2:
        raise RateTableError(f"{where}: no rates found")
    return RateTable(BASE_CURRENCY, _parse_date(row[0], where), source, rates)


def _known_code(code: str, where: str) -> str:
    if code not in ISO_4217:
        raise RateTableError(f"{where}: unknown currency {code!r} (no ISO 4217 minor units known)")
    return code


def _positive_rate(code: str, cell: str, where: str) -> Decimal:
    try:
        rate = Decimal(cell)
    except InvalidOperation:
        raise RateTableError(f"{where}: the {code} rate {cell!r} is not a number") from None
    if not rate.is_finite() or rate <= 0:
        raise RateTableError(f"{where}: the {code} rate must be a positive number, got {cell}")
    return rate


def _parse_date(cell: str, where: str) -> date:
    for layout in ("%d %B %Y", "%Y-%m-%d"):  # eurofxref.csv, eurofxref-hist.csv
        try:
            return datetime.strptime(cell, layout).date()
        except ValueError:
            pass
    raise RateTableError(f"{where}: {cell!r} is not a date like '22 November 2024' or 2024-11-22")
