"""How each office writes its files: format, encoding, headers, and the form of dates, money, enums.

Offices differ, deterministically by their position in the sorted office list (NA01 → style 0, …): some
write UTF-8 CSV with canonical headers and ISO dates; some CSV with a BOM, `;`, Vietnamese labels,
`dd/mm/yyyy` and `1.234.567 đ`; exactly one writes Windows-1258; some Excel with title rows above the
header and real date cells; some Parquet. Every form written here is one the data contract accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from thads.contract import ENUMS, RECORD_TYPES, Column


@dataclass(frozen=True)
class Style:
    kind: str  # csv | xlsx | parquet
    encoding: str = "utf-8"  # utf-8 | utf-8-sig (with BOM) | cp1258
    delimiter: str = ","
    headers: str = "names"  # names (canonical) | labels (Vietnamese)
    dates: str = "iso"  # iso | vn (dd/mm/yyyy) | iso_time (date-time)
    money: str = "plain"  # plain | dot | comma | dot_dong | dot_dong_full | dot_zero
    enums: str = "codes"  # codes | labels
    bools: str = "truefalse"  # truefalse | 10 | x | cokhong
    title_rows: tuple[int, ...] = (0,)  # Excel: rows above the header, by record type (cycled)

    @property
    def ext(self) -> str:
        return {"csv": "csv", "xlsx": "xlsx", "parquet": "parquet"}[self.kind]

    @property
    def holds_text(self) -> bool:
        """Can a cell hold any text (a malformed date, `12tr`)? Not in typed Parquet columns."""
        return self.kind != "parquet"

    def csv_fallback(self) -> "Style":
        """What an Excel office writes when a sheet would exceed Excel's row limit."""
        return replace(self, kind="csv", encoding="utf-8-sig", delimiter=",", dates="vn", money="plain")


STYLES: tuple[Style, ...] = (
    Style("csv"),
    Style("xlsx", headers="labels", enums="labels", bools="x", title_rows=(2,)),
    Style("csv", "utf-8-sig", ";", "labels", "vn", "dot_dong", "labels", "cokhong"),
    Style("parquet"),
    Style("csv", "utf-8", ",", "names", "iso", "comma", "codes", "10"),
    Style("csv", "cp1258", ",", "labels", "vn", "dot", "labels", "cokhong"),
    Style("xlsx", headers="names", enums="codes", bools="truefalse", title_rows=(1, 2, 3)),
    Style("csv", "utf-8-sig", ";", "labels", "vn", "dot_zero", "labels", "x"),
    Style("parquet"),
    Style("csv", "utf-8-sig", ",", "labels", "iso_time", "dot_dong_full", "labels", "truefalse"),
)


def style_for(office_position: int) -> Style:
    return STYLES[office_position % len(STYLES)]


def header(col: Column, style: Style) -> str:
    return col.label if style.headers == "labels" else col.name


def money_text(expr: pl.Expr, style: Style) -> pl.Expr:
    """Integer đồng as the office writes them; the sign (negative amounts are defects) stays in front."""
    digits = expr.abs().cast(pl.String)
    sep = {"dot": ".", "dot_dong": ".", "dot_dong_full": ".", "dot_zero": ".", "comma": ","}.get(style.money)
    if sep:
        digits = digits.str.reverse().str.extract_all(r"\d{1,3}").list.join(sep).str.reverse()
    suffix = {"dot_dong": " đ", "dot_dong_full": " đồng", "dot_zero": ",00"}.get(style.money, "")
    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, digits, pl.lit(suffix))


def date_text(expr: pl.Expr, style: Style) -> pl.Expr:
    if style.dates == "vn":
        return expr.dt.strftime("%d/%m/%Y")
    if style.dates == "iso_time":
        return expr.dt.strftime("%Y-%m-%d") + pl.lit(" 00:00:00")
    return expr.dt.strftime("%Y-%m-%d")


BOOL_TEXT = {"truefalse": ("true", "false"), "10": ("1", "0"), "x": ("x", ""), "cokhong": ("có", "không")}


def bool_text(expr: pl.Expr, style: Style) -> pl.Expr:
    yes, no = BOOL_TEXT[style.bools]
    return pl.when(expr).then(pl.lit(yes)).otherwise(pl.lit(no) if no else pl.lit(None, pl.String))


def enum_label(expr: pl.Expr, enum: str) -> pl.Expr:
    codes = list(ENUMS[enum])
    return expr.replace_strict(codes, [ENUMS[enum][c][0] for c in codes], default=expr)


def as_text(df: pl.DataFrame, record_type: str, style: Style) -> pl.DataFrame:
    """Every column as the text a CSV of this office holds (nulls stay null: written empty)."""
    exprs = []
    for col in RECORD_TYPES[record_type].columns:
        e = pl.col(col.name)
        if col.kind == "date":
            e = date_text(e, style)
        elif col.kind == "money":
            e = money_text(e, style)
        elif col.kind == "bool":
            e = bool_text(e, style)
        elif col.kind == "int":
            e = e.cast(pl.String)
        elif col.kind == "enum" and style.enums == "labels":
            e = enum_label(e, col.enum)
        exprs.append(e.alias(col.name))
    return df.select(exprs)


def as_cells(df: pl.DataFrame, record_type: str, style: Style) -> pl.DataFrame:
    """Values for Excel cells: dates and money stay typed, enums and booleans per the office."""
    exprs = []
    for col in RECORD_TYPES[record_type].columns:
        e = pl.col(col.name)
        if col.kind == "enum" and style.enums == "labels":
            e = enum_label(e, col.enum)
        elif col.kind == "bool" and style.bools != "truefalse":
            e = bool_text(e, style)
        exprs.append(e.alias(col.name))
    return df.select(exprs)
