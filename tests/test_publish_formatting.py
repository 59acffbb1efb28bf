"""Numbers the way the committee reads them, and the one guard against spreadsheet formulas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from thads.publish.formatting import (
    exact_rate,
    format_bool,
    format_date,
    format_decimal,
    format_int,
    format_money,
    format_pct,
    format_rate,
    money_unit_for,
    neutralise_formula,
    same_day_last_year,
    statistical_year,
    statistical_year_start,
)
from thads.publish.xlsx import write_csv


@pytest.mark.parametrize("value, vi, en", [
    (0, "0", "0"),
    (7, "7", "7"),
    (999, "999", "999"),
    (1000, "1.000", "1,000"),
    (1234567, "1.234.567", "1,234,567"),
    (-1234567, "-1.234.567", "-1,234,567"),
    (843_102, "843.102", "843,102"),
    (10**15, "1.000.000.000.000.000", "1,000,000,000,000,000"),
    (2.5, "3", "3"),            # half up, not banker's rounding
    (None, "—", "—"),
    (float("nan"), "—", "—"),
])
def test_integers(value, vi, en):
    assert format_int(value) == vi
    assert format_int(value, "en") == en


@pytest.mark.parametrize("value, vi, en", [
    (75.81, "75,81 %", "75.81 %"),
    (12.125, "12,13 %", "12.13 %"),      # exactly half: up
    (Decimal("12.125"), "12,13 %", "12.13 %"),
    ("12.125", "12,13 %", "12.13 %"),
    (12.124999, "12,12 %", "12.12 %"),
    (0.005, "0,01 %", "0.01 %"),         # half of the last place: up
    (0.004999, "0,00 %", "0.00 %"),
    (1.005, "1,01 %", "1.01 %"),         # the decimal 1.005 (binary 1.00499999...) still rounds up
    (2.675, "2,68 %", "2.68 %"),         # Python's round(2.675, 2) gives 2.67
    (-12.125, "-12,13 %", "-12.13 %"),   # half away from zero on the negative side
    (-0.001, "0,00 %", "0.00 %"),        # no "-0,00"
    (100, "100,00 %", "100.00 %"),
    (1234.5, "1.234,50 %", "1,234.50 %"),
    (None, "—", "—"),
])
def test_percentages_round_half_up_on_the_exact_decimal(value, vi, en):
    assert format_pct(value) == vi
    assert format_pct(value, "en") == en


def test_the_published_national_figures_reproduce():
    # metrics.md: 493,971 completed of 651,563 with conditions = 75.81 %; 45,705 of 147,216 bn = 31.05 %
    assert format_rate(493_971, 651_563) == "75,81 %"
    assert format_rate(45_705, 147_216) == "31,05 %"
    assert format_int(843_102 - 493_971) == "349.131"


def test_exact_rates_from_counts():
    # 97 of 800 = 12.125 % exactly: the float 97/800*100 is 12.125000000000002 by luck, a count never is
    assert exact_rate(97, 800) == Decimal("12.125")
    assert format_rate(97, 800) == "12,13 %"
    assert format_rate(1, 8) == "12,50 %"
    assert format_rate(1, 3) == "33,33 %"
    assert format_rate(2, 3) == "66,67 %"
    assert exact_rate(5, 0) is None and format_rate(5, 0) == "—"   # an empty divisor gives no rate
    assert exact_rate(None, 5) is None


@pytest.mark.parametrize("value, vi, en", [
    (1_234_567_890_000, "1.234,57 tỷ đồng", "1,234.57 billion VND"),
    (12_345_678, "12,35 triệu đồng", "12.35 million VND"),
    (999_999_999, "1.000,00 triệu đồng", "1,000.00 million VND"),  # under a billion stays in millions
    (1_000_000_000, "1,00 tỷ đồng", "1.00 billion VND"),
    (12_345_000, "12,35 triệu đồng", "12.35 million VND"),          # 12.345 -> half up
    (500_000, "0,50 triệu đồng", "0.50 million VND"),
    (0, "0,00 triệu đồng", "0.00 million VND"),
    (-2_500_000_000, "-2,50 tỷ đồng", "-2.50 billion VND"),
    (147_216 * 10**9, "147.216,00 tỷ đồng", "147,216.00 billion VND"),
    (9 * 10**18, "9.000.000.000,00 tỷ đồng", "9,000,000,000.00 billion VND"),  # near BIGINT's limit, exact
    (None, "—", "—"),
])
def test_money(value, vi, en):
    assert format_money(value) == vi
    assert format_money(value, "en") == en


def test_money_in_a_fixed_unit():
    assert format_money(5_000_000_000, unit="trieu") == "5.000,00 triệu đồng"
    assert format_money(5_000_000, unit="ty") == "0,01 tỷ đồng"
    assert money_unit_for([1, 2_000_000_000, None]) == "ty"
    assert money_unit_for([1, 2_000_000]) == "trieu"


def test_dates_and_other_values():
    assert format_date(date(2026, 6, 30)) == "30/06/2026"
    assert format_date(date(2026, 1, 5)) == "05/01/2026"
    assert format_date(date(2026, 1, 5), "en") == "5 Jan 2026"
    assert format_date("2025-10-01") == "01/10/2025"
    assert format_date(None) == "—"
    assert format_decimal(130, 1) == "130,0"
    assert format_decimal(52.45, 1, "en") == "52.5"
    assert format_bool(True) == "có" and format_bool(False, "en") == "no" and format_bool(None) == "—"
    with pytest.raises(ValueError):
        format_int(1, "fr")


def test_statistical_year():
    assert statistical_year(date(2026, 6, 30)) == 2026
    assert statistical_year(date(2025, 10, 1)) == 2026
    assert statistical_year(date(2025, 9, 30)) == 2025
    assert statistical_year_start(date(2026, 6, 30)) == date(2025, 10, 1)
    assert same_day_last_year(date(2024, 2, 29)) == date(2023, 2, 28)


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"),
    ("+84 912 345 678", "'+84 912 345 678"),
    ("-5", "'-5"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("\t=1", "'\t=1"),
    ("Ngân hàng =1", "Ngân hàng =1"),   # only a leading sign is a formula
    ("NA01", "NA01"),
    ("", ""),
    (-5, -5),                            # numbers stay numbers
    (None, None),
])
def test_formula_neutralisation(value, expected):
    assert neutralise_formula(value) == expected


def test_csv_export_neutralises_text_cells(tmp_path):
    df = pl.DataFrame({"office_code": ["NA01", "=cmd|' /C calc'!A0"], "reason": ["@x", "ok"], "rows": [-3, 4]})
    path = write_csv(df, tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads UTF-8
    text = raw.decode("utf-8-sig").splitlines()
    assert text[0] == "office_code,reason,rows"
    assert text[1] == "NA01,'@x,-3"          # a negative number is a number, not text
    assert text[2].startswith("'=cmd|")
