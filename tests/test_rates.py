from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tp3.currency.iso4217 import ISO_4217
from tp3.currency.rates import RateTableError, default_table, load_table, parse_eurofxref

ECB_DAILY = """Date, USD, JPY, BGN, CZK, \n22 November 2024, 1.0412, 160.82, 1.9558, 25.244, \n"""
ECB_HIST = """Date,USD,JPY,CYP,BGN,
2024-11-22,1.0412,160.82,N/A,1.9558,
2024-11-21,1.0493,162.52,N/A,1.9558,
"""
ECB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01"
    xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">
  <gesmes:subject>Reference rates</gesmes:subject>
  <Cube>
    <Cube time="2024-11-21"><Cube currency="USD" rate="1.0493"/></Cube>
    <Cube time="2024-11-22">
      <Cube currency="USD" rate="1.0412"/>
      <Cube currency="JPY" rate="160.82"/>
    </Cube>
  </Cube>
</gesmes:Envelope>
"""


def test_embedded_table_is_the_ecb_day_plus_mad() -> None:
    table = default_table()
    assert table.base_currency == "EUR"
    assert table.rate_date == date(2026, 2, 20)
    assert table.rates["EUR"] == 1
    assert table.rates["USD"] == Decimal("1.1767")
    assert table.rates["JPY"] == Decimal("182.63")
    assert table.rates["MAD"] == Decimal("10.7926")
    # the ECB's 29 currencies of that day (no BGN since Bulgaria joined the euro), EUR and MAD
    assert len(table.rates) == 31
    assert "ECB" in table.source
    assert "Bank Al-Maghrib" in table.source
    assert all(code in ISO_4217 for code in table.rates)


def test_reads_the_ecb_one_day_layout() -> None:
    table = parse_eurofxref(ECB_DAILY, origin="test")
    assert table.rate_date == date(2024, 11, 22)
    assert table.rates == {
        "EUR": 1,
        "USD": Decimal("1.0412"),
        "JPY": Decimal("160.82"),
        "BGN": Decimal("1.9558"),
        "CZK": Decimal("25.244"),
    }


def test_reads_the_newest_row_of_the_history_layout_and_skips_na() -> None:
    table = parse_eurofxref(ECB_HIST, origin="test")
    assert table.rate_date == date(2024, 11, 22)
    assert table.rates["USD"] == Decimal("1.0412")
    assert "CYP" not in table.rates


def test_a_source_comment_names_the_origin() -> None:
    table = parse_eurofxref("# Source: my bank\n" + ECB_DAILY, origin="x.csv")
    assert table.source == "my bank"
    assert "x.csv" in parse_eurofxref(ECB_DAILY, origin="x.csv").source


def test_load_table_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "eurofxref.csv"
    path.write_text(ECB_DAILY)
    assert load_table(path).rates["CZK"] == Decimal("25.244")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "expected a 'Date, USD, ...' header"),
        ("Date, USD,\n", "expected a 'Date, USD, ...' header"),
        ("Day, USD,\n1 May 2024, 1.1,\n", "must start with 'Date'"),
        ("Date, ZZZ,\n1 May 2024, 1.1,\n", "unknown currency 'ZZZ'"),
        ("Date, USD,\n1 May 2024, one,\n", "is not a number"),
        ("Date, USD,\n1 May 2024, -1.1,\n", "must be a positive number"),
        ("Date, USD,\n1 May 2024, 0,\n", "must be a positive number"),
        ("Date, USD,\nyesterday, 1.1,\n", "is not a date"),
        ("Date, USD,\n1 May 2024, N/A,\n", "no rates found"),
    ],
)
def test_bad_files_are_rejected_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(RateTableError, match=problem):
        parse_eurofxref(text, origin="bad.csv")


def test_reads_the_newest_day_of_the_ecb_xml_layouts() -> None:
    table = parse_eurofxref(ECB_XML, origin="eurofxref-hist.xml")
    assert table.rate_date == date(2024, 11, 22)
    assert table.rates == {"EUR": 1, "USD": Decimal("1.0412"), "JPY": Decimal("160.82")}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<Cube>", "not well-formed XML"),
        ("<Envelope><Cube/></Envelope>", "expected the ECB's <Cube time='...'>"),
        ('<Cube><Cube time="2024-11-22"/></Cube>', "no rates found"),
        ('<Cube time="soon"><Cube currency="USD" rate="1"/></Cube>', "is not a date"),
        ('<Cube time="2024-11-22"><Cube currency="USD" rate="x"/></Cube>', "is not a number"),
    ],
)
def test_bad_xml_files_are_rejected_with_the_reason(text: str, problem: str) -> None:
    with pytest.raises(RateTableError, match=problem):
        parse_eurofxref(text, origin="bad.xml")


@pytest.mark.parametrize(("name", "text"), [("eurofxref.csv", ECB_DAILY), ("daily.xml", ECB_XML)])
def test_an_ecb_file_keeps_the_embedded_mad(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    table = load_table(path)
    embedded = default_table()
    assert table.rate_date == date(2024, 11, 22)
    assert table.rates["MAD"] == embedded.rates["MAD"] == Decimal("10.7926")
    assert [(b.code, b.rate_date) for b in table.borrowed] == [("MAD", embedded.rate_date)]
    assert table.source.endswith(
        "; MAD: tp3's embedded Bank Al-Maghrib EUR/MAD mid transfer rate of 2026-02-20"
    )
    assert table.summary().startswith(f"rates of 2024-11-22 from {path}, ")
    assert "; MAD (not in that file): tp3's embedded Bank Al-Maghrib" in table.summary()


def test_a_file_with_mad_uses_its_own(tmp_path: Path) -> None:
    path = tmp_path / "with-mad.csv"
    path.write_text("Date, USD, MAD, \n10 March 2026, 1.15, 10.9, \n")
    table = load_table(path)
    assert table.rates["MAD"] == Decimal("10.9")
    assert table.borrowed == ()
    assert "MAD" not in table.summary()


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RateTableError, match="cannot read rates file"):
        load_table(tmp_path / "missing.csv")
