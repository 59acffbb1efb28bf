"""Numbers, money, dates and labels the way the committee reads them.

Vietnamese style (the default): thousands with a dot, decimals with a comma (`1.234.567`, `75,81 %`),
money in million or billion đồng with the unit written out (`12,35 triệu đồng`, `1.234,57 tỷ đồng`),
dates `dd/mm/yyyy`. English variants (`lang="en"`) use `1,234,567`, `75.81 %`, `12.35 million VND`,
`30 Jun 2026`. A missing value (None, NaN) is an em dash `—` in both.

Rounding is HALF UP on the exact decimal value, with `decimal.Decimal`, never with float rounding:
`12.125` gives `12,13 %`. A float is taken as the decimal it prints as (`repr`), so `1.005` is 1.005 and
rounds to `1,01`; when the numerator and denominator are known, `exact_rate` gives the rate as an exact
Decimal and nothing is lost to binary fractions at all.

`neutralise_formula` is the one guard for spreadsheet and CSV text cells (formula injection).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

MISSING = "—"
LANGS = ("vi", "en")

_BILLION = Decimal(1_000_000_000)
_MILLION = Decimal(1_000_000)
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, not {lang!r}")
    return lang


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def to_decimal(value: Any) -> Decimal:
    """The exact decimal a value stands for (a float as the decimal it prints as)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number to format")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if math.isinf(value):
            raise ValueError("cannot format an infinite number")
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    # numpy scalars and the like
    return Decimal(repr(float(value)))


def round_half_up(value: Any, places: int = 2) -> Decimal:
    """Round HALF UP (away from zero at exactly half) on the exact decimal value."""
    quantum = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = 60
        return to_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def exact_rate(numerator: Any, denominator: Any) -> Decimal | None:
    """numerator ÷ denominator × 100 as a Decimal (60 significant digits); None when the divisor is 0."""
    if is_missing(numerator) or is_missing(denominator):
        return None
    den = to_decimal(denominator)
    if den == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        return to_decimal(numerator) * 100 / den


def _group(digits: str, sep: str) -> str:
    out = []
    while len(digits) > 3:
        out.insert(0, digits[-3:])
        digits = digits[:-3]
    out.insert(0, digits)
    return sep.join(out)


def format_decimal(value: Any, places: int = 2, lang: str = "vi") -> str:
    """`1234.5` -> `1.234,50` (vi) / `1,234.50` (en); rounded half up."""
    _check_lang(lang)
    if is_missing(value):
        return MISSING
    d = round_half_up(value, places)
    sign = "-" if d < 0 else ""
    text = f"{abs(d):f}"
    whole, _, frac = text.partition(".")
    thousands, point = (".", ",") if lang == "vi" else (",", ".")
    return sign + _group(whole, thousands) + (point + frac if places > 0 else "")


def format_int(value: Any, lang: str = "vi") -> str:
    """`1234567` -> `1.234.567` (vi) / `1,234,567` (en); a fraction is rounded half up."""
    return format_decimal(value, 0, lang)


def format_pct(value: Any, lang: str = "vi", places: int = 2) -> str:
    """A rate already in percent: `75.8129` -> `75,81 %`; `12.125` -> `12,13 %`; None -> `—`."""
    if is_missing(value):
        return MISSING
    return f"{format_decimal(value, places, lang)} %"


def format_rate(numerator: Any, denominator: Any, lang: str = "vi") -> str:
    """The rate numerator ÷ denominator as a percentage, computed exactly; `—` when the divisor is 0."""
    return format_pct(exact_rate(numerator, denominator), lang)


MONEY_UNITS = {
    # unit: (divisor, Vietnamese, English)
    "ty": (_BILLION, "tỷ đồng", "billion VND"),
    "trieu": (_MILLION, "triệu đồng", "million VND"),
}


def money_unit_for(values: Any) -> str:
    """`ty` when the largest absolute amount reaches one billion đồng, else `trieu`."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    largest = max((abs(to_decimal(v)) for v in values if not is_missing(v)), default=Decimal(0))
    return "ty" if largest >= _BILLION else "trieu"


def money_unit_label(unit: str, lang: str = "vi") -> str:
    _check_lang(lang)
    _, vi, en = MONEY_UNITS[unit]
    return vi if lang == "vi" else en


def money_in_unit(value: Any, unit: str) -> float | None:
    """An amount in đồng expressed in the unit, as a float for plotting (None stays None)."""
    if is_missing(value):
        return None
    return float(to_decimal(value) / MONEY_UNITS[unit][0])


def format_money(value: Any, lang: str = "vi", unit: str | None = None) -> str:
    """Đồng in billions or millions with the unit: `1.234,57 tỷ đồng`, `12,35 triệu đồng`.

    `unit` (`ty`/`trieu`) forces a unit, e.g. to keep one unit down a table column; otherwise an amount
    of one billion or more is shown in billions.
    """
    _check_lang(lang)
    if is_missing(value):
        return MISSING
    unit = unit or money_unit_for(value)
    divisor = MONEY_UNITS[unit][0]
    with localcontext() as ctx:
        ctx.prec = 60
        scaled = to_decimal(value) / divisor
    return f"{format_decimal(scaled, 2, lang)} {money_unit_label(unit, lang)}"


def format_date(value: date | datetime | str | None, lang: str = "vi") -> str:
    """`30/06/2026` (vi) / `30 Jun 2026` (en)."""
    _check_lang(lang)
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if lang == "vi":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year:04d}"


def format_bool(value: Any, lang: str = "vi") -> str:
    _check_lang(lang)
    if is_missing(value):
        return MISSING
    return ("có" if value else "không") if lang == "vi" else ("yes" if value else "no")


# ---------------------------------------------------------------------------------------------------
# Spreadsheet safety
# ---------------------------------------------------------------------------------------------------

# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection"); tab and
# carriage return are in OWASP's list too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading `'`; other values pass.

    The one helper for every text cell written to Excel or CSV by this package.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# ---------------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------------

def statistical_year(d: date) -> int:
    """Statistical year N runs from 1 October N-1 to 30 September N."""
    return d.year + 1 if d.month >= 10 else d.year


def statistical_year_start(d: date) -> date:
    return date(statistical_year(d) - 1, 10, 1)


def same_day_last_year(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)
