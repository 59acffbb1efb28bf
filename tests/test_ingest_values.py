"""Property-based tests of the value parsers, header matching and text detection: any input in,
either a typed value or a reason out, never an exception; and round trips."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_ingest_support import to_cp1258
from thads.contract import ENUMS, RECORD_TYPES, fold
from transforms.ingest import detect
from transforms.ingest.headers import canonical, clean_header, map_headers
from transforms.ingest.values import (
    MONEY_STYLES, format_money, parse_bool, parse_date, parse_enum, parse_int, parse_kind,
    parse_money,
)

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
texts = st.lists(st.one_of(st.none(), st.text(max_size=30)), max_size=20)
numberish = st.lists(
    st.one_of(st.none(), st.text(alphabet="0123456789.,-+ /:Tđ", max_size=24)), max_size=20)
dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))


# Unicode White_Space (what the parsers trim); Python's str.strip() also strips \x1c-\x1f.
UNICODE_WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + \
    "\u2028\u2029\u202f\u205f\u3000"


def _check_shape(values, p, dtype):
    """Every cell is exactly one of: empty, a typed value, a reason (invalid)."""
    assert p.values.dtype == dtype
    assert len(p.values) == len(values) == len(p.invalid) == len(p.empty)
    for v, out, bad, empty in zip(values, p.values.to_list(), p.invalid.to_list(), p.empty.to_list()):
        blank = v is None or v.strip(UNICODE_WHITE_SPACE) == ""
        assert empty == blank
        if blank:
            assert out is None and not bad
        else:
            assert (out is not None) != bad


# ---------------------------------------------------------------------------------------------
# never an exception, always a value or a reason
# ---------------------------------------------------------------------------------------------

@SETTINGS
@given(st.one_of(texts, numberish))
def test_date_total(values):
    p = parse_date(pl.Series("d", values, dtype=pl.String))
    _check_shape(values, p, pl.Date)
    for out in p.values.drop_nulls().to_list():
        assert 1950 <= out.year <= 2100


@SETTINGS
@given(st.one_of(texts, numberish))
def test_money_total(values):
    p = parse_money(pl.Series("m", values, dtype=pl.String))
    _check_shape(values, p, pl.Int64)


@SETTINGS
@given(texts)
def test_bool_total(values):
    p = parse_bool(pl.Series("b", values, dtype=pl.String))
    assert p.values.dtype == pl.Boolean
    for v, out, bad in zip(values, p.values.to_list(), p.invalid.to_list()):
        if v is None or v.strip(UNICODE_WHITE_SPACE) == "":
            assert out is False and not bad  # empty is false, never missing
        else:
            assert (out is None) == bad


@SETTINGS
@given(st.one_of(texts, numberish))
def test_int_total(values):
    p = parse_int(pl.Series("i", values, dtype=pl.String))
    _check_shape(values, p, pl.Int32)


@SETTINGS
@given(texts, st.sampled_from(sorted(ENUMS)))
def test_enum_total(values, enum):
    p = parse_enum(pl.Series("e", values, dtype=pl.String), enum)
    _check_shape(values, p, pl.String)
    assert set(p.values.drop_nulls().to_list()) <= set(ENUMS[enum])


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.integers(-(2**40), 2**40)), max_size=10),
       st.sampled_from(["date", "money", "bool", "int", "str"]))
def test_typed_integer_input_total(values, kind):
    p = parse_kind(pl.Series("x", values, dtype=pl.Int64), kind)
    assert len(p.values) == len(values)


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=10),
       st.sampled_from(["date", "money", "bool", "int", "str"]))
def test_typed_float_input_total(values, kind):
    p = parse_kind(pl.Series("x", values, dtype=pl.Float64), kind)
    assert len(p.values) == len(values)


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------

def _excel_serial(d: date) -> int:
    return (d - date(1899, 12, 30)).days


@SETTINGS
@given(dates, st.sampled_from(["iso", "dmy", "dmy-", "serial", "iso_time", "iso_t", "dmy_time"]),
       st.integers(0, 23), st.integers(0, 59))
def test_date_round_trip(d, form, hh, mm):
    text = {
        "iso": d.isoformat(),
        "dmy": f"{d.day:02d}/{d.month:02d}/{d.year}",
        "dmy-": f"{d.day}-{d.month}-{d.year}",
        "serial": str(_excel_serial(d)),
        "iso_time": f"{d.isoformat()} {hh:02d}:{mm:02d}:00",
        "iso_t": f"{d.isoformat()}T{hh:02d}:{mm:02d}",
        "dmy_time": f"{d.day:02d}/{d.month:02d}/{d.year} {hh:02d}:{mm:02d}",
    }[form]
    assert parse_date(pl.Series([text])).values.to_list() == [d]


@SETTINGS
@given(st.integers(1, 28), st.integers(1, 12), st.one_of(st.integers(1000, 1949),
                                                         st.integers(2101, 9999)))
def test_dates_outside_1950_2100_are_invalid(day, month, year):
    p = parse_date(pl.Series([f"{year}-{month:02d}-{day:02d}", f"{day:02d}/{month:02d}/{year}"]))
    assert p.invalid.to_list() == [True, True]


@SETTINGS
@given(st.integers(1950, 2100), st.sampled_from([(2, 30), (2, 31), (4, 31), (6, 31), (9, 31),
                                                 (11, 31), (13, 1), (0, 5), (5, 0), (5, 32)]))
def test_impossible_dates_are_invalid(year, md):
    month, day = md
    p = parse_date(pl.Series([f"{day:02d}/{month:02d}/{year}", f"{year}-{month:02d}-{day:02d}"]))
    assert p.invalid.to_list() == [True, True]


@SETTINGS
@given(st.integers(-(10**15), 10**15), st.sampled_from(MONEY_STYLES))
def test_money_round_trip(n, style):
    text = format_money(n, style)
    assert parse_money(pl.Series([text])).values.to_list() == [n], text


def test_money_round_trip_examples():
    # by hand: 1234567 written the ways offices write it
    assert format_money(1234567, "dots_dong") == "1.234.567 đ"
    assert format_money(1234567, "commas_zero_fraction") == "1,234,567.00"
    assert format_money(-5000, "dots_zero_fraction") == "-5.000,00"


@SETTINGS
@given(st.integers(0, 10**12), st.integers(1, 99))
def test_money_nonzero_fraction_is_invalid(n, cents):
    dots = f"{n:,}".replace(",", ".")
    texts_ = [f"{dots},{cents:02d}", f"{n:,}.{cents:02d}", f"{n},{cents}"
              if len(str(cents)) != 3 else "x"]
    p = parse_money(pl.Series(texts_))
    assert p.invalid.to_list() == [True, True, True], texts_


@SETTINGS
@given(st.integers(1, 999), st.lists(st.integers(0, 999), min_size=1, max_size=4),
       st.integers(0, 1))
def test_money_bad_grouping_is_invalid(head, groups, bad_at):
    # a group of 2 digits after a separator is never a thousands group (nor, unless it is "00" at
    # the end, a zero fraction): 1.23.456 and 1.234.56 are invalid
    parts = [f"{g:03d}" for g in groups]
    i = bad_at % len(parts)
    parts[i] = f"{groups[i] % 99 + 1:02d}"
    text = str(head) + "." + ".".join(parts)
    assert parse_money(pl.Series([text])).invalid.to_list() == [True], text


@SETTINGS
@given(st.integers(-(2**31), 2**31 - 1), st.booleans())
def test_int_round_trip(n, as_float):
    text = f"{n}.0" if as_float else str(n)
    assert parse_int(pl.Series([text])).values.to_list() == [n]


def _vary(text: str, data) -> str:
    """Random case, surrounding spaces and (maybe) no diacritics: what offices type."""
    if data.draw(st.booleans()):
        text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
        text = text.replace("đ", "d").replace("Đ", "D")
    text = "".join(c.upper() if data.draw(st.booleans()) else c.lower() for c in text)
    return " " * data.draw(st.integers(0, 2)) + text + " " * data.draw(st.integers(0, 2))


_ALL_LABELS = [(enum, code, label) for enum, codes in ENUMS.items()
               for code, labels in codes.items() for label in (code, *labels)]


@SETTINGS
@given(st.sampled_from(_ALL_LABELS), st.data())
def test_enum_code_or_label_any_case_or_diacritics(item, data):
    enum, code, label = item
    text = _vary(label, data)
    assert parse_enum(pl.Series([text]), enum).values.to_list() == [code], text


@SETTINGS
@given(st.sampled_from(["true", "1", "có", "x", "yes", "false", "0", "không", "no"]), st.data())
def test_bool_words_any_case_or_diacritics(word, data):
    expected = word in ("true", "1", "có", "x", "yes")
    text = _vary(word, data)
    assert parse_bool(pl.Series([text])).values.to_list() == [expected], text


# ---------------------------------------------------------------------------------------------
# headers
# ---------------------------------------------------------------------------------------------

_ALL_HEADERS = [(rt.name, c.name, h) for rt in RECORD_TYPES.values() for c in rt.columns
                for h in (c.name, c.label)]


@SETTINGS
@given(st.sampled_from(_ALL_HEADERS), st.data(), st.sampled_from(["", " (*)", "*", ":"]))
def test_header_name_or_label_matches(item, data, decoration):
    record_type, column, header = item
    assert canonical(_vary(header, data) + decoration, record_type) == column


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text(max_size=20), st.integers()), max_size=25),
       st.sampled_from(sorted(RECORD_TYPES)))
def test_map_headers_total(cells, record_type):
    hm = map_headers(cells, record_type, safe_extra_columns=("ghi chu",))
    positions = set(hm.columns) | set(hm.extras)
    assert len(positions) == len(hm.columns) + len(hm.extras)
    assert len(set(hm.columns.values())) == len(hm.columns)  # one position per column
    for name in hm.dropped:
        assert name == clean_header(name) or name == fold(name)


# ---------------------------------------------------------------------------------------------
# encodings
# ---------------------------------------------------------------------------------------------

vietnamese = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩị"
                              "òóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ĐÂ,;0123456789", min_size=1, max_size=80)


@SETTINGS
@given(st.binary(max_size=400))
def test_detection_total_on_any_bytes(data):
    fmt = detect.sniff_format(data)
    assert fmt in {"empty", "xlsx", "zip", "parquet", "xls", "binary", "text"}
    dec = detect.decode_text(data)
    assert (dec.text is None) == (dec.encoding is None)
    if dec.text is not None:
        assert detect.legacy_encoding(dec.text) in (None, "TCVN3", "VNI")


@SETTINGS
@given(vietnamese)
def test_utf8_and_cp1258_round_trip(text):
    nfc = unicodedata.normalize("NFC", text)
    assert detect.decode_text(nfc.encode("utf-8")).text == nfc
    dec = detect.decode_text(to_cp1258(nfc))
    if dec.encoding == "cp1258":
        assert dec.text == nfc
    else:  # pure ASCII (or a byte string that happens to be valid UTF-8): same text anyway
        assert unicodedata.normalize("NFC", dec.text) == nfc or dec.encoding == "utf-8"
    assert detect.legacy_encoding(nfc) is None  # real Vietnamese never looks legacy


def test_legacy_detection_examples():
    # by hand: "Nguyễn Văn Ân, Ngày thụ lý" in TCVN3 shown as Latin-1, and in VNI
    assert detect.legacy_encoding("NguyÔn V¨n ¢n, Ngµy thô lý, §ang thi hµnh") == "TCVN3"
    assert detect.legacy_encoding("Nguyeãn Vaên AÂn, Ngaøy thuï lyù, Vieät Nam") == "VNI"
    assert detect.legacy_encoding("Công ty Müller GmbH, Nguyễn Văn Ân") is None
    assert detect.legacy_encoding("plain ASCII only") is None


@SETTINGS
@given(st.lists(st.text(alphabet="abc xyz", min_size=1, max_size=6), min_size=1, max_size=8),
       st.sampled_from([",", ";"]))
def test_delimiter_sniffed(cells, sep):
    line = sep.join(cells)
    if len(cells) > 1:
        assert detect.sniff_delimiter(line) == sep


def test_dates_before_and_after_excel_leap_bug_are_offset_right():
    # serial 60 is Excel's fake 1900-02-29; our plausible range starts far later, at 1950-01-01
    assert _excel_serial(date(1950, 1, 1)) == 18264
    p = parse_date(pl.Series(["18264", "18263", "73415", "73416"]))
    assert p.values.to_list() == [date(1950, 1, 1), None, date(2100, 12, 31), None]
    assert date(1950, 1, 1) + timedelta(days=73415 - 18264) == date(2100, 12, 31)


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text(max_size=20), vietnamese), max_size=20))
def test_fold_series_equals_contract_fold(values):
    from transforms.ingest.values import fold_series

    got = fold_series(pl.Series(values, dtype=pl.String)).to_list()
    assert got == [None if v is None else fold(v) for v in values]
