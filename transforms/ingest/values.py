"""Pure, vectorised value parsers: one per contract kind, on a polars Series.

Each parser takes a Series (normally String, as read from CSV/xlsx; Parquet may bring typed columns)
and returns ``Parsed(values, invalid, empty)``:

- ``values``: the typed result (null where the input was empty or invalid);
- ``invalid``: Boolean, True where a non-empty input is not an accepted form (-> ``REASONS[kind]``);
- ``empty``: Boolean, True where the input was null or only spaces (the caller decides whether that
  is ``missing_required``).

No parser raises on any input, and none loops over cells in Python, except the enum and boolean
parsers, which map the (few) *distinct* values through ``thads.contract.fold``.

Accepted forms (docs/ingest.md has the same list):

- date: ISO ``2025-03-14`` (also ``2025-3-4``); day first ``14/03/2025``, ``14-03-2025``,
  ``14.03.2025`` (4-digit year, same separator twice); either followed by a time (``08:30``,
  ``08:30:00``, ``T08:30:00.123Z``, ``+07:00``, ``AM/PM``) which is dropped; an Excel serial day
  number (``45730``, ``45730.75``) when it falls in 1950..2100. Impossible calendar dates and years
  outside 1950..2100 are invalid. Two-digit years are invalid (ambiguous century).
- money: an optional ``-``, then digits either plain (``1234567``) or grouped by threes with ``.``
  (``1.234.567``) or ``,`` (``1,234,567``); optionally a zero fraction of one or two zeros with the
  other separator (``1.234.567,00``, ``1,234,567.00``, ``1234567.0``); optionally a currency word
  (``đ``, ``₫``, ``đồng``, ``dong``, ``VND``, ``VNĐ``; any case, with or without a space). Anything
  else (``1,5``, ``12.000.000,50``, ``12tr``, ``1.23.456``, ``1 234 567``) is invalid. Result: Int64.
- bool: ``true/false``, ``1/0``, ``có/không``, ``x``, ``yes/no`` (any case and diacritics); empty is
  false (never missing).
- int: ``3``, ``-3``, ``+3``, and ``3.0`` (a spreadsheet's rendering of a whole number); ``3.5``,
  ``1.000`` are invalid. Result: Int32 (out of range: invalid).
- enum: the code or any Vietnamese label of ``thads.contract.ENUMS`` (case, spaces and diacritics
  ignored; a code may be written with spaces or hyphens for underscores). Result: the code.
- str: trimmed; empty -> null.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from thads.contract import ENUMS, enum_lookup, fold

REASONS = {
    "date": "invalid_date",
    "money": "invalid_money",
    "bool": "invalid_bool",
    "int": "invalid_int",
    "enum": "invalid_enum",
}

MIN_YEAR, MAX_YEAR = 1950, 2100
_EXCEL_EPOCH_OFFSET = 25569  # Excel serial of 1970-01-01 (1900 date system, 1899-12-30 epoch)
MIN_SERIAL = (date(MIN_YEAR, 1, 1) - date(1899, 12, 30)).days  # 18264
MAX_SERIAL = (date(MAX_YEAR, 12, 31) - date(1899, 12, 30)).days  # 73415

TRUE_WORDS = frozenset({"true", "1", "co", "x", "yes"})
FALSE_WORDS = frozenset({"false", "0", "khong", "no"})

_TIME = (
    r"(?:[T ]\s*(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:[.,]\d{1,9})?)?"
    r"(?:\s?(?:[AaPp][Mm]))?(?:Z|[+-](?:[01]\d):?[0-5]\d)?)?"
)
_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + r"$"
_DMY = r"^(\d{1,2})([/.-])(\d{1,2})([/.-])(\d{4})" + _TIME + r"$"
_SERIAL = r"^(\d{1,7})(?:\.\d+)?$"
# Currency suffix: đ, ₫, đồng (NFC or NFD), dong, vnd, vnđ; after lower-casing.
_CURRENCY = r"\s*(?:đồng|đô\u0300ng|đo\u0302\u0300ng|dong|vnđ|vnd|đ|₫)\.?$"
_MONEY = (
    r"^([-+])?(?:(\d+)|(\d{1,3}(?:\.\d{3})+)|(\d{1,3}(?:,\d{3})+))"  # plain | 1.234.567 | 1,234,567
    r"(?:([.,])(0{1,2}))?$"  # zero fraction
)
_INT = r"^([-+]?\d{1,12})(?:\.0)?$"


@dataclass(frozen=True)
class Parsed:
    values: pl.Series
    invalid: pl.Series
    empty: pl.Series


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------

def _strip(s: pl.Series) -> pl.Series:
    """String form of any Series, trimmed (Unicode spaces included), blanks as null."""
    if s.dtype != pl.String:
        s = to_text(s)
    t = s.str.strip_chars()
    return pl.select(pl.when(t == "").then(None).otherwise(t).alias(s.name)).to_series()


def to_text(s: pl.Series) -> pl.Series:
    """Any typed Series as text the parsers accept (whole floats without '.0', dates in ISO)."""
    dt = s.dtype
    if dt == pl.String:
        return s
    if dt == pl.Null:
        return s.cast(pl.String)
    if dt.is_float():
        return _float_text(s)
    if dt == pl.Boolean:
        return s.cast(pl.String)
    if dt == pl.Date or isinstance(dt, pl.Datetime):
        return _temporal_text(s)
    try:
        return s.cast(pl.String, strict=False)
    except Exception:  # noqa: BLE001 - nested / binary types have no text form
        return pl.Series(s.name, [None] * len(s), dtype=pl.String)


def _temporal_text(s: pl.Series) -> pl.Series:
    """Dates in ISO, date-times as `YYYY-MM-DD HH:MM:SS`. A value outside the calendar polars can
    print (a damaged or hostile Parquet file: day 2**31) would make `strftime` panic, so it is shown
    as its raw number instead (and the date parser calls it invalid)."""
    fmt = "%Y-%m-%d" if s.dtype == pl.Date else "%Y-%m-%d %H:%M:%S"
    # Years 0001..9999 (a day's margin for time zones), told from the physical integer: even asking
    # a time-zone-aware value for its year panics when it is out of range.
    if s.dtype == pl.Date:
        lo, hi = -719_162 + 1, 2_932_896 - 1
    else:
        per_second = {"ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[s.dtype.time_unit]
        day = 86_400 * per_second
        lo = max(-62_135_596_800 * per_second, -(2**63)) + day
        hi = min(253_402_300_799 * per_second, 2**63 - 1) - day
    printable = s.to_physical().is_between(lo, hi).fill_null(True)
    if bool(printable.all()) or s.len() == 0:
        return s.dt.strftime(fmt)
    safe = pl.select(pl.when(printable).then(pl.lit(s))).to_series().dt.strftime(fmt)
    raw = s.to_physical().cast(pl.String)
    return pl.select(
        pl.when(printable).then(safe)
        .when(pl.lit(s).is_not_null()).then(pl.concat_str(pl.lit("out-of-range "), raw))
        .alias(s.name)
    ).to_series()


def _float_text(s: pl.Series) -> pl.Series:
    whole = s.is_finite() & (s == s.floor()) & (s.abs() < 2**53)
    return pl.select(
        pl.when(whole.fill_null(False))
        .then(s.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(s.cast(pl.String))
        .alias(s.name)
    ).to_series()


def _result(name: str, values: pl.Series, empty: pl.Series) -> Parsed:
    values = values.alias(name)
    invalid = (values.is_null() & ~empty).fill_null(True).alias(name)
    return Parsed(values, invalid, empty.alias(name))


# --------------------------------------------------------------------------------------------------
# fold, vectorised
# --------------------------------------------------------------------------------------------------

_FOLD_TABLE: tuple[list[str], list[str], str] | None = None


def _fold_table() -> tuple[list[str], list[str], str]:
    """Every Latin letter with diacritics whose ``fold`` is one ASCII letter (Vietnamese included),
    with that letter; and a regex character class of the texts the fast path folds exactly."""
    global _FOLD_TABLE
    if _FOLD_TABLE is None:
        src, dst = [], []
        for cp in range(0xC0, 0x2000):
            ch = chr(cp)
            f = fold(ch)
            if len(f) == 1 and "a" <= f <= "z" and ch.isalpha() and not ch.isascii():
                src.append(ch)
                dst.append(f)
        safe = "[^\t\x20-\x7e" + "".join(src) + "]"
        _FOLD_TABLE = (src, dst, safe)
    return _FOLD_TABLE


def fold_series(s: pl.Series) -> pl.Series:
    """``thads.contract.fold`` of every value, exactly, without a Python loop for the usual texts
    (printable ASCII, tabs and accented Latin letters such as all of Vietnamese's); other values
    (NFD text, control characters, other scripts) are folded in Python."""
    src, dst, unsafe = _fold_table()
    s = s.cast(pl.String)
    fast = (s.str.replace_many(src, dst).str.to_lowercase()
            .str.replace_all(r"[ \t]+", " ").str.strip_chars(" \t"))
    odd = s.str.contains(unsafe).fill_null(False)
    if odd.any():
        slow_vals = s.filter(odd).unique()
        table = pl.DataFrame({"v": slow_vals,
                              "f": pl.Series([fold(v) for v in slow_vals.to_list()], dtype=pl.String)})
        slow = s.alias("v").to_frame().join(table, on="v", how="left", maintain_order="left")
        fast = pl.select(pl.when(odd).then(slow.get_column("f")).otherwise(fast)).to_series()
    return fast.alias(s.name)


# --------------------------------------------------------------------------------------------------
# str
# --------------------------------------------------------------------------------------------------

def parse_str(s: pl.Series) -> Parsed:
    t = _strip(s)
    empty = t.is_null()
    return Parsed(t, pl.Series(s.name, [False] * len(s), dtype=pl.Boolean), empty)


# --------------------------------------------------------------------------------------------------
# date
# --------------------------------------------------------------------------------------------------

def _in_years(d: pl.Expr) -> pl.Expr:
    return pl.when(d.dt.year().is_between(MIN_YEAR, MAX_YEAR)).then(d)


def parse_date(s: pl.Series) -> Parsed:
    name = s.name
    dt = s.dtype
    if dt == pl.Date or isinstance(dt, pl.Datetime):
        d = s if dt == pl.Date else s.dt.date()
        empty = s.is_null()
        values = pl.select(_in_years(pl.lit(d))).to_series()
        return _result(name, values, empty)
    if dt.is_numeric():
        empty = s.is_null()
        serial = s.cast(pl.Float64, strict=False)
        values = pl.select(_serial_to_date(pl.lit(serial))).to_series()
        return _result(name, values, empty)

    t = _strip(s)
    empty = t.is_null()
    out = (
        pl.DataFrame({"t": t})
        .lazy()
        .with_columns(
            pl.col("t").str.extract_groups(_ISO).alias("iso"),
            pl.col("t").str.extract_groups(_DMY).alias("dmy"),
        )
        .select(
            pl.coalesce(
                _ymd(_field("iso", 1), _field("iso", 2), _field("iso", 3)),
                pl.when(_field("dmy", 2) == _field("dmy", 4)).then(
                    _ymd(_field("dmy", 5), _field("dmy", 3), _field("dmy", 1))
                ),
                pl.when(pl.col("t").str.contains(_SERIAL)).then(
                    _serial_to_date(pl.col("t").cast(pl.Float64, strict=False))
                ),
            ).alias(name)
        )
        .collect()
    )
    values = pl.select(_in_years(pl.lit(out.to_series()))).to_series()
    return _result(name, values, empty)


def _field(struct: str, i: int) -> pl.Expr:
    return pl.col(struct).struct.field(str(i))


def _ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
    text = pl.concat_str([y, pl.lit("-"), m.str.zfill(2), pl.lit("-"), d.str.zfill(2)])
    return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _serial_to_date(serial: pl.Expr) -> pl.Expr:
    ok = serial.is_finite() & serial.is_between(MIN_SERIAL, MAX_SERIAL + 0.999999)
    days = serial.floor().cast(pl.Int64, strict=False) - _EXCEL_EPOCH_OFFSET
    return pl.when(ok).then(days.cast(pl.Int32, strict=False).cast(pl.Date))


# --------------------------------------------------------------------------------------------------
# money
# --------------------------------------------------------------------------------------------------

def parse_money(s: pl.Series) -> Parsed:
    name = s.name
    dt = s.dtype
    if dt.is_integer():
        return _result(name, s.cast(pl.Int64, strict=False), s.is_null())
    if dt.is_float() or dt.is_decimal():
        f = s.cast(pl.Float64, strict=False)
        whole = (f.is_finite() & (f == f.floor()) & (f.abs() < 2**53)).fill_null(False)
        values = pl.select(pl.when(whole).then(f.cast(pl.Int64, strict=False))).to_series()
        return _result(name, values, s.is_null())

    t = _strip(s)
    empty = t.is_null()
    lower = t.str.to_lowercase().str.replace(_CURRENCY, "")
    df = pl.DataFrame({"t": lower})
    g = pl.col("t").str.extract_groups(_MONEY)
    out = df.lazy().select(
        g.struct.field("1").alias("sign"),
        g.struct.field("2").alias("plain"),
        g.struct.field("3").alias("dots"),
        g.struct.field("4").alias("commas"),
        g.struct.field("5").alias("fsep"),
    ).select(
        pl.when(
            # the fraction separator must differ from the grouping separator
            (pl.col("dots").is_not_null() & (pl.col("fsep") == "."))
            | (pl.col("commas").is_not_null() & (pl.col("fsep") == ","))
        )
        .then(None)
        .otherwise(
            pl.coalesce(pl.col("plain"), pl.col("dots"), pl.col("commas"))
            .str.replace_all(r"[.,]", "")
            .str.strip_chars_start("0")
        )
        .alias("digits"),
        pl.col("sign"),
    ).select(
        pl.when(pl.col("digits").str.len_chars() > 18)
        .then(None)
        .when(pl.col("digits") == "")
        .then(pl.lit(0, dtype=pl.Int64))
        .otherwise(
            pl.col("digits").str.to_integer(strict=False).cast(pl.Int64, strict=False)
            * pl.when(pl.col("sign") == "-").then(-1).otherwise(1)
        )
        .alias(name)
    ).collect()
    return _result(name, out.to_series(), empty)


def format_money(value: int, style: str = "dots_dong") -> str:
    """Write an integer the way offices do (used by tests and by anyone making sample files)."""
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,}"
    if style == "plain":
        return f"{sign}{abs(value)}"
    if style == "commas":
        return sign + digits
    dots = digits.replace(",", ".")
    return {
        "dots": sign + dots,
        "dots_dong": f"{sign}{dots} đ",
        "dots_dong_word": f"{sign}{dots} đồng",
        "dots_zero_fraction": f"{sign}{dots},00",
        "commas_zero_fraction": f"{sign}{digits}.00",
        "vnd": f"{sign}{dots} VND",
        "vnd_dong": f"{sign}{dots}vnđ",
    }[style]


MONEY_STYLES = ("plain", "commas", "dots", "dots_dong", "dots_dong_word", "dots_zero_fraction",
                "commas_zero_fraction", "vnd", "vnd_dong")


# --------------------------------------------------------------------------------------------------
# int
# --------------------------------------------------------------------------------------------------

def parse_int(s: pl.Series) -> Parsed:
    name = s.name
    dt = s.dtype
    if dt.is_integer() or dt.is_float() or dt.is_decimal():
        if dt.is_integer():
            v = s.cast(pl.Int32, strict=False)
        else:
            f = s.cast(pl.Float64, strict=False)
            whole = (f.is_finite() & (f == f.floor())).fill_null(False)
            v = pl.select(pl.when(whole).then(f.cast(pl.Int32, strict=False))).to_series()
        return _result(name, v, s.is_null())
    t = _strip(s)
    empty = t.is_null()
    digits = t.str.extract(_INT, 1).str.strip_prefix("+")
    values = digits.str.to_integer(strict=False).cast(pl.Int32, strict=False)
    return _result(name, values, empty)


# --------------------------------------------------------------------------------------------------
# bool and enum: map the distinct values
# --------------------------------------------------------------------------------------------------

def _map_distinct(t: pl.Series, mapping_for, dtype) -> pl.Series:
    """Map each distinct non-null value through ``mapping_for(value) -> result | None``."""
    distinct = t.drop_nulls().unique()
    mapping = {}
    for v in distinct.to_list():
        r = mapping_for(v)
        if r is not None:
            mapping[v] = r
    if not mapping:
        return pl.Series(t.name, [None] * len(t), dtype=dtype)
    return t.replace_strict(mapping, default=None, return_dtype=dtype)


def _bool_word(v: str) -> bool | None:
    f = fold(v)
    if f in TRUE_WORDS:
        return True
    if f in FALSE_WORDS:
        return False
    return None


def parse_bool(s: pl.Series) -> Parsed:
    """Empty is false, so ``empty`` is always reported as all False (a boolean is never missing)."""
    name = s.name
    no = pl.Series(name, [False] * len(s), dtype=pl.Boolean)
    if s.dtype == pl.Boolean:
        return Parsed(s.fill_null(False).alias(name), no, no)
    if s.dtype.is_integer() or s.dtype.is_float():
        v = pl.select(
            pl.when(pl.lit(s).is_null()).then(False)
            .when(pl.lit(s) == 1).then(True)
            .when(pl.lit(s) == 0).then(False)
        ).to_series().alias(name)
        return Parsed(v, v.is_null().alias(name), no)
    t = _strip(s)
    empty = t.is_null()
    mapped = _map_distinct(t, _bool_word, pl.Boolean)
    invalid = (mapped.is_null() & ~empty).alias(name)
    values = pl.select(pl.when(empty).then(False).otherwise(mapped)).to_series().alias(name)
    return Parsed(values, invalid, no)


_ENUM_CACHE: dict[str, dict[str, str]] = {}


def enum_codes(enum: str) -> dict[str, str]:
    """Folded code or label -> code, with codes also accepted with spaces or hyphens."""
    if enum not in _ENUM_CACHE:
        table = dict(enum_lookup(enum))
        for code in ENUMS[enum]:
            table.setdefault(code.replace("_", " "), code)
            table.setdefault(code.replace("_", "-"), code)
        _ENUM_CACHE[enum] = table
    return _ENUM_CACHE[enum]


def parse_enum(s: pl.Series, enum: str) -> Parsed:
    table = enum_codes(enum)
    t = _strip(s)
    empty = t.is_null()
    mapped = _map_distinct(t, lambda v: table.get(fold(v)), pl.String)
    return _result(s.name, mapped, empty)


# --------------------------------------------------------------------------------------------------

def parse_kind(s: pl.Series, kind: str, enum: str | None = None) -> Parsed:
    """Dispatch on a contract kind: str, date, money, bool, int, enum."""
    if kind == "str":
        return parse_str(s)
    if kind == "date":
        return parse_date(s)
    if kind == "money":
        return parse_money(s)
    if kind == "bool":
        return parse_bool(s)
    if kind == "int":
        return parse_int(s)
    if kind == "enum":
        if enum is None:
            raise ValueError("an enum column needs its enum name")
        return parse_enum(s, enum)
    raise ValueError(f"unknown kind {kind!r}")


DTYPES = {
    "str": pl.String,
    "date": pl.Date,
    "money": pl.Int64,
    "bool": pl.Boolean,
    "int": pl.Int32,
    "enum": pl.String,
}

