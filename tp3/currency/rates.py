"""Rate tables: EUR-based reference rates, loaded from ECB `eurofxref` files.

The ECB publishes its reference rates as CSV, `eurofxref.csv` (one day) and
`eurofxref-hist.csv` (every day, newest first), with a `Date, USD, JPY, ...` header and rows of
units per 1 EUR; and as XML, `eurofxref-daily.xml` and `eurofxref-hist.xml`, one
`<Cube time="...">` of `<Cube currency="USD" rate="..."/>` per day. tp3 reads all four (the
newest day is used, "N/A" cells are skipped); CSV files may have `#` comment lines, where a
`# Source: ...` line names the origin of the figures. The embedded default table is such a file.

The ECB publishes no Moroccan dirham, the lab's headline currency: a rates file without MAD
keeps the embedded Bank Al-Maghrib figure (`RateTable.borrowed` says so), and a file with a MAD
column or Cube uses its own.
"""

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from tp3.currency.iso4217 import ISO_4217

__all__ = [
    "DEFAULT_RATES_FILE",
    "EMBEDDED_ONLY",
    "Borrowed",
    "RateTable",
    "RateTableError",
    "default_table",
    "load_table",
    "parse_eurofxref",
]

BASE_CURRENCY = "EUR"
DEFAULT_RATES_FILE = "eurofxref-default.csv"
EMBEDDED_ONLY: Mapping[str, str] = {"MAD": "Bank Al-Maghrib EUR/MAD mid transfer rate"}
"""Currencies of the embedded table that the ECB does not publish, and whose figures they are."""
_SOURCE_PREFIX = "# source:"


class RateTableError(ValueError):
    """A rates file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Borrowed:
    """A rate that a rates file lacked, taken from the embedded table."""

    code: str
    rate: Decimal
    rate_date: date
    source: str


@dataclass(frozen=True)
class RateTable:
    base_currency: str
    rate_date: date
    source: str
    rates: Mapping[str, Decimal]
    """Units of each currency per 1 unit of `base_currency` (which maps to 1)."""
    origin: str = ""
    """Where the table was read: a file's path, or the embedded file."""
    borrowed: tuple[Borrowed, ...] = ()
    """Rates the file lacked, taken from the embedded table (with their own date)."""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(sorted(self.rates))

    def summary(self) -> str:
        """One line for the server's start: which rates, of when, from where."""
        line = f"rates of {self.rate_date} from {self.origin}, {len(self.rates)} currencies"
        for b in self.borrowed:
            line += (
                f"; {b.code} (not in that file): tp3's embedded {b.source} "
                f"of {b.rate_date}, {b.rate}"
            )
        return line


def default_table() -> RateTable:
    """The table shipped inside the package."""
    text = resources.files("tp3.currency").joinpath("data", DEFAULT_RATES_FILE).read_text()
    return parse_eurofxref(text, origin=f"the embedded {DEFAULT_RATES_FILE}")


def load_table(path: Path) -> RateTable:
    """Load an ECB eurofxref file, CSV or XML (`tp3 serve --rates FILE`), completed with the
    embedded figures of `EMBEDDED_ONLY` currencies it lacks."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RateTableError(f"cannot read rates file {path}: {error}") from None
    return _borrow_missing(parse_eurofxref(text, origin=str(path)), default_table())


def _borrow_missing(table: RateTable, embedded: RateTable) -> RateTable:
    """Without MAD, the lab's conversions (6500 MAD to USD) would fail on any ECB file."""
    borrowed = tuple(
        Borrowed(code, embedded.rates[code], embedded.rate_date, source)
        for code, source in EMBEDDED_ONLY.items()
        if code not in table.rates and code in embedded.rates
    )
    if not borrowed:
        return table
    notes = "; ".join(f"{b.code}: tp3's embedded {b.source} of {b.rate_date}" for b in borrowed)
    return replace(
        table,
        source=f"{table.source}; {notes}",
        rates={**table.rates, **{b.code: b.rate for b in borrowed}},
        borrowed=borrowed,
    )


def parse_eurofxref(text: str, *, origin: str) -> RateTable:
    """A table from the text of an ECB file: XML if it starts with '<', else CSV."""
    if text.lstrip().startswith("<"):
        return _parse_xml(text, origin)
    source = None
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
    cells = zip(header[1:], row[1:], strict=False)
    return _table(_parse_date(row[0], where), cells, where, origin, source)


def _parse_xml(text: str, origin: str) -> RateTable:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise RateTableError(f"{origin}: not well-formed XML: {error}") from None
    days = [e for e in root.iter() if _local(e.tag) == "Cube" and e.get("time") is not None]
    if not days:
        raise RateTableError(f"{origin}: expected the ECB's <Cube time='...'> of rates")
    dated = [(_parse_date(day.get("time", ""), f"{origin}, Cube time"), day) for day in days]
    newest, day = max(dated, key=lambda pair: pair[0])
    cells = [(cube.get("currency", ""), cube.get("rate", "")) for cube in day]
    where = f"{origin}, Cube time={newest.isoformat()!r}"
    return _table(newest, cells, where, origin)


def _local(tag: str) -> str:
    """A tag without its namespace: the ECB's Cubes are in one, its envelope in another."""
    return tag.rpartition("}")[2]


def _table(
    day: date,
    cells: Iterable[tuple[str, str]],
    where: str,
    origin: str,
    source: str | None = None,
) -> RateTable:
    """The table of one day's `cells`; `source` names the figures' origin if the file did."""
    rates = {BASE_CURRENCY: Decimal(1)}
    for code, cell in cells:
        if not code or cell.upper() in ("", "N/A"):
            continue
        rates[_known_code(code, where)] = _positive_rate(code, cell, where)
    if len(rates) < 2:
        raise RateTableError(f"{where}: no rates found")
    source = source or f"ECB euro foreign exchange reference rates ({origin})"
    return RateTable(BASE_CURRENCY, day, source, rates, origin)


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
    for layout in ("%d %B %Y", "%Y-%m-%d"):  # eurofxref.csv; eurofxref-hist.csv and the XML
        try:
            return datetime.strptime(cell, layout).date()
        except ValueError:
            pass
    raise RateTableError(f"{where}: {cell!r} is not a date like '22 November 2024' or 2024-11-22")
