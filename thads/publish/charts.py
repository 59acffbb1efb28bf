"""The committee's charts, one function a figure, each reading a READ-ONLY warehouse connection.

Every chart is `chart_<name>(con, as_of, lang="vi") -> plotly.graph_objects.Figure`, so notebooks call
them on `transforms.build.open_warehouse()` exactly as the report does. `CHARTS` lists them in report
order. Data helpers (`load_*`) return plain rows for the report's headline sentences and tables, so a
figure and the sentence beside it read the same query.

Conventions: Vietnamese titles and labels by default (`lang="en"` for the English page); the layout's
`separators` give a decimal comma and a thousands dot in hover and tick labels (`,.`); money is plotted
in billions (tỷ đồng) or millions (triệu đồng), named in the axis title; percentages carry their exact
half-up rounded text from `formatting`, never plotly's float rounding. A mart that is absent, or has no
row for the as-of date, gives a figure that says "Không có dữ liệu" instead of failing the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from thads.publish import labels as L
from thads.publish.formatting import (
    exact_rate,
    format_date,
    format_decimal,
    format_int,
    format_money,
    format_pct,
    is_missing,
    money_in_unit,
    money_unit_for,
    money_unit_label,
    same_day_last_year,
    statistical_year,
    statistical_year_start,
)

# Okabe-Ito: readable by colour-blind readers and distinct when printed in grey.
BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY, BLACK = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#999999", "#000000")
COLORWAY = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY]
CLASS_COLORS = {"with": BLUE, "without": ORANGE, "separate": GREY}
# age buckets: light to dark, older is darker
BUCKET_COLORS = {"0-6m": "#c6dbef", "6-12m": "#9ecae1", "1-2y": "#6baed6", "2-5y": "#3182bd",
                 "5-10y": "#08519c", "10y+": "#08306b"}
RULE_COLORS = dict(zip(L.RULES, [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, GREY]))

FONT_FAMILY = '"DejaVu Sans", "Noto Sans", "Liberation Sans", Arial, sans-serif'

THEME = go.layout.Template(layout=dict(
    font=dict(family=FONT_FAMILY, size=12, color="#222"),
    paper_bgcolor="white", plot_bgcolor="white", colorway=COLORWAY,
    xaxis=dict(gridcolor="#e6e6e6", linecolor="#888", zerolinecolor="#bbb", automargin=True),
    yaxis=dict(gridcolor="#e6e6e6", linecolor="#888", zerolinecolor="#bbb", automargin=True),
    legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.01, xanchor="left", x=0),
    hoverlabel=dict(font=dict(family=FONT_FAMILY)),
    margin=dict(l=60, r=20, t=60, b=70),
    title=dict(x=0.01, xanchor="left", font=dict(size=15)),
))


# Rates run 0-100 %: room above 100 for the labels over the bars, ticks only up to 100.
RATE_AXIS = dict(range=[0, 112], tickvals=[0, 20, 40, 60, 80, 100], ticktext=[f"{v} %" for v in range(0, 101, 20)])
# Money axes in tỷ or triệu: as many decimals as a tick needs, no more (0,5 / 1 / 1,5 ...).
MONEY_TICKS = ",~f"


def t(vi: str, en: str, lang: str) -> str:
    return vi if lang == "vi" else en


# ---------------------------------------------------------------------------------------------------
# Warehouse access
# ---------------------------------------------------------------------------------------------------

def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return scalar(con, "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                  [schema, name]) > 0


def columns_of(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    schema, name = qualified.split(".")
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, name]).fetchall()]


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """A query as a polars frame; integer decimals (DuckDB's HUGEINT sums) become Int64, others Float64."""
    df = con.sql(sql, params=params or None).pl()
    casts = {}
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Decimal):
            casts[name] = pl.Int64 if (dtype.scale or 0) == 0 else pl.Float64
        elif dtype == pl.Int128:
            casts[name] = pl.Int64
    return df.cast(casts) if casts else df


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> Any:
    """The first column of the first row (every row fetched: DuckDB 2.0 refuses the next query while a
    result is unfinished)."""
    result = con.execute(sql, params or []).fetchall()
    return result[0][0] if result else None


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    return query(con, sql, params).to_dicts()


class NoData(Exception):
    """The mart a chart reads is absent or has no row for the as-of date."""


def require(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    missing = [x for x in tables if not table_exists(con, x)]
    if missing:
        raise NoData(", ".join(missing))


def office_names(con: duckdb.DuckDBPyConnection, *, short: bool = False) -> dict[str, str]:
    """office_code -> name from `ref.agencies` (as the build loads the reference CSV); {} without it.
    `short` writes "Thi hành án dân sự" as THADS: "Phòng THADS khu vực 1 - Nghệ An"."""
    if not table_exists(con, "ref.agencies"):
        return {}
    names = {r["office_code"]: r["office_name"] for r in rows(
        con, "select office_code, office_name from ref.agencies where office_code is not null")}
    if short:
        names = {k: (v or k).replace("Thi hành án dân sự", "THADS") for k, v in names.items()}
    return names


def province_frame(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list,
                   keys: list[str], sums: list[str], *, keep: list[str] = ()) -> pl.DataFrame:
    """The province's rows of a mart: its `office_code = 'ALL'` rows when it has them for `where`,
    else the sums of its office rows (then `keep` columns, which cannot be summed, come back NULL)."""
    has_all = scalar(con, f"select count(*) from {table} where office_code = 'ALL' and ({where})", params) > 0
    if has_all:
        cols = ", ".join(keys + sums + list(keep))
        return query(con, f"select {cols} from {table} where office_code = 'ALL' and ({where})", params)
    summed = ", ".join(f"sum({c})::bigint as {c}" for c in sums)
    nulls = "".join(f", null as {c}" for c in keep)
    key_list = ", ".join(keys)
    return query(con, f"select {key_list}, {summed}{nulls} from {table} where office_code <> 'ALL' "
                      f"and ({where}) group by {key_list}", params)


# ---------------------------------------------------------------------------------------------------
# Figure helpers
# ---------------------------------------------------------------------------------------------------

def base_figure(fig: go.Figure, title: str, lang: str, *, height: int = 420, name: str = "") -> go.Figure:
    fig.update_layout(
        template=THEME, title=dict(text=title), height=height,
        separators=",." if lang == "vi" else ".,",
        uniformtext=dict(minsize=9, mode="hide"),
        meta=dict(chart=name, lang=lang),
    )
    return fig


def no_data_figure(name: str, title: str, lang: str, detail: str = "") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=t("Không có dữ liệu", "No data", lang) + (f"<br><sub>{detail}</sub>" if detail else ""),
                       x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False, font=dict(size=16, color=GREY))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    base_figure(fig, title, lang, height=220, name=name)
    fig.update_layout(meta=dict(chart=name, lang=lang, no_data=True))
    return fig


def is_no_data(fig: go.Figure) -> bool:
    meta = fig.layout.meta
    return bool(isinstance(meta, dict) and meta.get("no_data"))


def pct_texts(values: list, lang: str) -> list[str]:
    return [format_pct(v, lang) if not is_missing(v) else "" for v in values]


def money_texts(values: list, lang: str, unit: str) -> list[str]:
    return [format_money(v, lang, unit) for v in values]


def number_texts(values: list, lang: str, unit: str) -> list[str]:
    """Amounts in the unit without its name (for bar labels; the axis title names the unit)."""
    return [format_decimal(money_in_unit(v, unit), 2, lang) if not is_missing(v) else "" for v in values]


def int_texts(values: list, lang: str) -> list[str]:
    return [format_int(v, lang) for v in values]


def count_axis(values) -> dict:
    """Axis settings for counts: thousands-separated integers, and a step of 1 for small counts (so a
    maximum of 2 does not give ticks 0, 0.5, 1, 1.5, 2 printed as 0, 1, 1, 2, 2)."""
    top = max((v for v in values if not is_missing(v)), default=0)
    return dict(tickformat=",d", dtick=1, tick0=0) if top <= 6 else dict(tickformat=",d")


def legend_line(fig: go.Figure, name: str, color: str, dash: str = "dot") -> None:
    """A legend entry for a reference line drawn as a shape (shapes have no legend of their own)."""
    fig.add_scatter(x=[None], y=[None], mode="lines", name=name, line=dict(color=color, dash=dash, width=1.5),
                    hoverinfo="skip")


# ---------------------------------------------------------------------------------------------------
# 1. Completion rates (kpi_period)
# ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class KpiSnapshot:
    """The province's year-to-date row at the as-of date and at the same day last year."""

    current: dict[str, Any] | None
    last_year: dict[str, Any] | None
    series: list[dict[str, Any]]  # the cumulative month-end series of the running year, by period_end


def load_kpi(con: duckdb.DuckDBPyConnection, as_of: date, scope: str = "all",
             office_code: str = "ALL") -> KpiSnapshot:
    require(con, "marts.kpi_period")
    base = ("select * from marts.kpi_period where period_kind = 'ytd' and scope = ? and office_code = ? "
            "and period_end = ?")
    cur = rows(con, base, [scope, office_code, as_of])
    ly = rows(con, base, [scope, office_code, same_day_last_year(as_of)])
    series = rows(con, "select * from marts.kpi_period where period_kind = 'ytd' and scope = ? and office_code = ? "
                       "and period_start = ? and period_end <= ? order by period_end",
                  [scope, office_code, statistical_year_start(as_of), as_of])
    return KpiSnapshot(cur[0] if cur else None, ly[0] if ly else None, series)


def rate_of(row: dict | None, what: str):
    """The exact rate (Decimal) of a kpi row from its counts: `cases` or `money`; None when undefined."""
    if not row:
        return None
    if what == "cases":
        return exact_rate(row.get("completed"), row.get("with_conditions"))
    return exact_rate(row.get("money_completed"), row.get("money_with_conditions"))


def target_met(row: dict | None, what: str) -> bool | None:
    """Whether the year-end projection reaches the target: `what` = `cases` or `money` compares that
    projected rate with its target; `both` is the mart's own `target_met_projected` (both rates reach
    their targets). None when a figure is missing."""
    if not row:
        return None
    if what == "both":
        value = row.get("target_met_projected")
        return None if value is None else bool(value)
    proj, target = row.get(f"projected_rate_{what}"), row.get(f"target_rate_{what}")
    if is_missing(proj) or is_missing(target):
        return None
    return proj >= target


def _completion(con, as_of: date, lang: str, scope: str, name: str) -> go.Figure:
    year = statistical_year(as_of)
    scope_vi, scope_en = ("", "") if scope == "all" else (" – án tín dụng, ngân hàng", " – credit and banking cases")
    title = t(f"Tỷ lệ thi hành xong năm {year}{scope_vi}", f"Completion rate, statistical year {year}{scope_en}", lang)
    try:
        snap = load_kpi(con, as_of, scope)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if snap.current is None:
        return no_data_figure(name, title, lang)
    cur, ly = snap.current, snap.last_year
    groups = [t("Về việc", "By cases", lang), t("Về tiền", "By money", lang)]
    fig = go.Figure()
    bars = [
        (t(f"Cùng kỳ năm trước ({format_date(same_day_last_year(as_of), lang)})",
           f"Same date last year ({format_date(same_day_last_year(as_of), lang)})", lang),
         [ly and ly.get("rate_cases"), ly and ly.get("rate_money")],
         [rate_of(ly, "cases"), rate_of(ly, "money")], GREY, ""),
        (t(f"Lũy kế đến {format_date(as_of, lang)}", f"Year to date ({format_date(as_of, lang)})", lang),
         [cur.get("rate_cases"), cur.get("rate_money")], [rate_of(cur, "cases"), rate_of(cur, "money")], BLUE, ""),
        (t(f"Dự báo cả năm {year}", f"Year-end projection {year}", lang),
         [cur.get("projected_rate_cases"), cur.get("projected_rate_money")],
         [cur.get("projected_rate_cases"), cur.get("projected_rate_money")], SKY, "/"),
    ]
    target_year = cur.get("target_year")
    if not is_missing(cur.get("target_rate_cases")) or not is_missing(cur.get("target_rate_money")):
        bars.append((t(f"Chỉ tiêu (năm {target_year})", f"Target (year {target_year})", lang),
                     [cur.get("target_rate_cases"), cur.get("target_rate_money")],
                     [cur.get("target_rate_cases"), cur.get("target_rate_money")], ORANGE, ""))
    for label_, values, exact, color, pattern in bars:
        fig.add_bar(name=label_, x=groups, y=[None if is_missing(v) else float(v) for v in values],
                    text=pct_texts(exact, lang), textposition="outside", cliponaxis=False,
                    marker=dict(color=color, pattern=dict(shape=pattern)),
                    hovertemplate="%{x}: %{text}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(title_text=t("Tỷ lệ (%)", "Rate (%)", lang), **RATE_AXIS)
    return base_figure(fig, title, lang, name=name)


def chart_completion(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Completion rate by cases and by money, year to date, beside last year, the projection, the target."""
    return _completion(con, as_of, lang, "all", "completion")


def chart_completion_credit(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """The same for credit and banking cases."""
    return _completion(con, as_of, lang, "credit", "completion_credit")


def _completion_trend(con, as_of: date, lang: str, scope: str, name: str) -> go.Figure:
    year = statistical_year(as_of)
    scope_vi, scope_en = ("", "") if scope == "all" else (" – án tín dụng, ngân hàng", " – credit and banking")
    title = t(f"Tỷ lệ lũy kế theo tháng, năm {year}{scope_vi}", f"Cumulative rate by month, {year}{scope_en}", lang)
    try:
        snap = load_kpi(con, as_of, scope)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if not snap.series:
        return no_data_figure(name, title, lang)
    # one category per month of the statistical year (October to September), so the projection sits at
    # September; a month-end point is labelled by its month, the as-of point by its date when mid-month
    months = [date(year - 1 + (m < 10), m, 1) for m in (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)]
    cats = [f"{m.month:02d}/{m.year}" for m in months]

    def cat(d: date) -> str:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        month_end = (nxt - d).days == 1
        return f"{d.month:02d}/{d.year}" if month_end else format_date(d, lang)

    x = [cat(r["period_end"]) for r in snap.series]
    if x and x[-1] not in cats:  # a mid-month as-of date goes before its month's category
        month_cat = x[-1][3:]
        cats.insert(cats.index(month_cat), x[-1]) if month_cat in cats else cats.append(x[-1])
    ends = [format_date(r["period_end"], lang) for r in snap.series]
    fig = go.Figure()
    for what, col, color, vi, en in (("cases", "rate_cases", BLUE, "Về việc", "By cases"),
                                     ("money", "rate_money", VERMILION, "Về tiền", "By money")):
        exact = [rate_of(r, what) for r in snap.series]
        fig.add_scatter(x=x, y=[None if is_missing(r[col]) else float(r[col]) for r in snap.series],
                        name=t(vi, en, lang), mode="lines+markers", line=dict(color=color, width=2.5),
                        text=pct_texts(exact, lang), customdata=ends,
                        hovertemplate="%{customdata}: %{text}<extra>%{fullData.name}</extra>")
        cur = snap.current or {}
        target = cur.get(f"target_rate_{what}")
        if not is_missing(target):
            fig.add_scatter(x=[cats[0], cats[-1]], y=[float(target)] * 2, mode="lines",
                            line=dict(color=color, dash="dash", width=1.5),
                            name=t(f"Chỉ tiêu {vi.lower()} (năm {cur.get('target_year')}): {format_pct(target, lang)}",
                                   f"Target {en.lower()} ({cur.get('target_year')}): {format_pct(target, lang)}", lang),
                            hoverinfo="skip")
        proj = cur.get(f"projected_rate_{what}")
        if not is_missing(proj):
            fig.add_scatter(x=[cats[-1]], y=[float(proj)], mode="markers+text", cliponaxis=False,
                            marker=dict(color=color, symbol="diamond-open", size=12, line=dict(width=2)),
                            text=[format_pct(proj, lang)], textposition="middle left",
                            name=t(f"Dự báo 30/09/{year} {vi.lower()}", f"Projection {en.lower()} at 30 Sep {year}", lang),
                            hovertemplate="%{text}<extra>%{fullData.name}</extra>")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=cats, range=[-0.5, len(cats) - 0.5])
    fig.update_yaxes(title_text=t("Tỷ lệ lũy kế (%)", "Cumulative rate (%)", lang), **RATE_AXIS)
    return base_figure(fig, title, lang, height=440, name=name)


def chart_completion_trend(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """The cumulative monthly series of the year (rates by cases and money), with targets and projection."""
    return _completion_trend(con, as_of, lang, "all", "completion_trend")


def chart_completion_trend_credit(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    return _completion_trend(con, as_of, lang, "credit", "completion_trend_credit")


# ---------------------------------------------------------------------------------------------------
# 2. Case flow of the year as a waterfall (kpi_period)
# ---------------------------------------------------------------------------------------------------

WATERFALL_STEPS = (
    # column, measure, sign, vi, en
    ("carried_over", "absolute", 1, "Năm trước chuyển sang", "Carried over"),
    ("new_cases", "relative", 1, "Thụ lý mới", "New cases"),
    ("handled", "total", 1, "Tổng số thụ lý", "Total handled"),
    ("entrusted", "relative", -1, "Ủy thác", "Entrusted"),
    ("withdrawn", "relative", -1, "Thu hồi, hủy quyết định", "Withdrawn"),
    ("moved_to_separate", "relative", -1, "Chuyển sổ theo dõi riêng", "Moved to separate register"),
    ("to_enforce", "total", 1, "Phải thi hành", "To enforce"),
    ("completed", "relative", -1, "Thi hành xong", "Completed"),
    ("carried_forward", "total", 1, "Chuyển kỳ sau", "Carried forward"),
)


def chart_waterfall(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Cases of the year to date: carried over + new − entrusted − withdrawn − moved to the separate register
    − completed = carried forward (the cases without conditions stay in it)."""
    year = statistical_year(as_of)
    name = "waterfall"
    title = t(f"Luồng việc năm {year} (đến {format_date(as_of, lang)})",
              f"Case flow, statistical year {year} (to {format_date(as_of, lang)})", lang)
    try:
        row = load_kpi(con, as_of, "all").current
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if row is None:
        return no_data_figure(name, title, lang)
    x, y, measure, text = [], [], [], []
    for col, meas, sign, vi, en in WATERFALL_STEPS:
        value = int(row[col] or 0)
        x.append(t(vi, en, lang))
        measure.append(meas)
        y.append(0 if meas == "total" else sign * value)
        text.append(("−" if sign < 0 else ("+" if meas == "relative" else "")) + format_int(value, lang))
    fig = go.Figure(go.Waterfall(
        x=x, y=y, measure=measure, text=text, textposition="outside", cliponaxis=False,
        increasing=dict(marker=dict(color=BLUE)), decreasing=dict(marker=dict(color=ORANGE)),
        totals=dict(marker=dict(color=GREY)), connector=dict(line=dict(color="#bbb", width=1)),
        hovertemplate="%{x}: %{text}<extra></extra>", showlegend=False))
    fig.update_yaxes(title_text=t("Số việc", "Cases", lang), tickformat=",d")
    fig.update_xaxes(tickangle=-30)
    return base_figure(fig, title, lang, height=460, name=name)


# ---------------------------------------------------------------------------------------------------
# 3. Backlog ageing (backlog_ageing)
# ---------------------------------------------------------------------------------------------------

def load_backlog(con: duckdb.DuckDBPyConnection, as_of: date, scope: str = "all") -> pl.DataFrame:
    """Office rows of the backlog on the as-of date (office, class, bucket, cases, money)."""
    require(con, "marts.backlog_ageing")
    return query(con, """
        select office_code, condition_class, age_bucket, sum(cases)::bigint as cases,
               sum(money_outstanding)::bigint as money_outstanding
        from marts.backlog_ageing
        where as_of = ? and scope = ? and office_code <> 'ALL'
        group by all order by all""", [as_of, scope])


def backlog_with_over_one_year(con: duckdb.DuckDBPyConnection, as_of: date) -> int | None:
    """The headline: pending cases with conditions older than one year (365 days)."""
    df = load_backlog(con, as_of)
    if df.is_empty():
        return None
    return int(df.filter(pl.col("condition_class") == "with", pl.col("age_bucket").is_in(L.OVER_ONE_YEAR))
               ["cases"].sum())


def chart_backlog_ageing(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Province: pending cases and money by age bucket, stacked by condition class."""
    name = "backlog_ageing"
    title = t(f"Việc tồn theo thời gian tồn đọng, ngày {format_date(as_of, lang)}",
              f"Pending cases by age, {format_date(as_of, lang)}", lang)
    try:
        df = load_backlog(con, as_of)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if df.is_empty():
        return no_data_figure(name, title, lang)
    prov = df.group_by("condition_class", "age_bucket").agg(pl.col("cases").sum(), pl.col("money_outstanding").sum())
    unit = money_unit_for(prov["money_outstanding"].to_list())
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        t("Số việc", "Cases", lang), t(f"Số tiền ({money_unit_label(unit, lang)})", f"Money ({money_unit_label(unit, lang)})", lang)))
    buckets = list(L.AGE_BUCKETS)
    x = [L.label(L.AGE_BUCKETS, b, lang) for b in buckets]
    for cls in L.CONDITION_CLASSES:
        sub = {r["age_bucket"]: r for r in prov.filter(pl.col("condition_class") == cls).to_dicts()}
        if not sub:
            continue
        cases = [sub.get(b, {}).get("cases", 0) for b in buckets]
        money = [sub.get(b, {}).get("money_outstanding", 0) for b in buckets]
        common = dict(name=L.label(L.CONDITION_CLASSES, cls, lang), legendgroup=cls,
                      marker=dict(color=CLASS_COLORS[cls]))
        fig.add_bar(x=x, y=cases, text=int_texts(cases, lang), hovertemplate="%{x}: %{text}<extra>%{fullData.name}</extra>",
                    textposition="none", row=1, col=1, **common)
        fig.add_bar(x=x, y=[money_in_unit(v, unit) for v in money], text=money_texts(money, lang, unit),
                    textposition="none", hovertemplate="%{x}: %{text}<extra>%{fullData.name}</extra>",
                    showlegend=False, row=1, col=2, **common)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickformat=",d", row=1, col=1)
    fig.update_yaxes(tickformat=MONEY_TICKS, row=1, col=2)
    fig.update_xaxes(tickangle=-30)
    return base_figure(fig, title, lang, height=420, name=name)


def chart_backlog_offices(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """By office: pending cases (top row) and money (bottom row), one column per condition class, stacked by
    age bucket."""
    name = "backlog_offices"
    title = t(f"Việc tồn theo đơn vị, loại và thời gian tồn đọng, ngày {format_date(as_of, lang)}",
              f"Pending cases by office, class and age, {format_date(as_of, lang)}", lang)
    try:
        df = load_backlog(con, as_of)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if df.is_empty():
        return no_data_figure(name, title, lang)
    names = office_names(con)
    offices = sorted(df["office_code"].unique().to_list(), reverse=True)  # top to bottom A..Z
    classes = [c for c in L.CONDITION_CLASSES if c in set(df["condition_class"].to_list())]
    unit = money_unit_for(df.group_by("office_code", "condition_class").agg(pl.col("money_outstanding").sum())
                          ["money_outstanding"].to_list())
    fig = make_subplots(rows=2, cols=len(classes), shared_yaxes=True, vertical_spacing=0.14, horizontal_spacing=0.04,
                        subplot_titles=[f"{L.label(L.CONDITION_CLASSES, c, lang)} – {t('số việc', 'cases', lang)}" for c in classes]
                        + [f"{L.label(L.CONDITION_CLASSES, c, lang)} – {money_unit_label(unit, lang)}" for c in classes])
    for j, cls in enumerate(classes, start=1):
        for bucket in L.AGE_BUCKETS:
            sub = {r["office_code"]: r for r in df.filter(pl.col("condition_class") == cls,
                                                           pl.col("age_bucket") == bucket).to_dicts()}
            cases = [sub.get(o, {}).get("cases", 0) for o in offices]
            money = [sub.get(o, {}).get("money_outstanding", 0) for o in offices]
            hover = [names.get(o, o) for o in offices]
            common = dict(name=L.label(L.AGE_BUCKETS, bucket, lang), legendgroup=bucket, orientation="h",
                          marker=dict(color=BUCKET_COLORS[bucket]), customdata=hover, textposition="none")
            fig.add_bar(y=offices, x=cases, text=int_texts(cases, lang), showlegend=(j == 1),
                        hovertemplate="%{customdata}<br>%{fullData.name}: %{text}<extra></extra>", row=1, col=j, **common)
            fig.add_bar(y=offices, x=[money_in_unit(v, unit) for v in money], text=money_texts(money, lang, unit),
                        showlegend=False, hovertemplate="%{customdata}<br>%{fullData.name}: %{text}<extra></extra>",
                        row=2, col=j, **common)
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(tickformat=",d", row=1)
    fig.update_xaxes(tickformat=MONEY_TICKS, row=2)
    height = max(420, 160 + 2 * 26 * len(offices))
    return base_figure(fig, title, lang, height=height, name=name)


# ---------------------------------------------------------------------------------------------------
# 4. Monthly trend, 36 months (case_flow)
# ---------------------------------------------------------------------------------------------------

def load_case_flow_months(con: duckdb.DuckDBPyConnection, as_of: date, months: int = 36) -> pl.DataFrame:
    require(con, "marts.case_flow")
    df = province_frame(con, "marts.case_flow", "period_kind = 'month' and period_start <= ?", [as_of],
                        ["period_start", "period_end"], ["incoming", "outgoing", "pending_end"],
                        keep=["clearance_rate", "disposition_time_days"])
    df = df.sort("period_start").tail(months)
    # a summed province has no rate: outgoing ÷ incoming × 100, NULL when nothing came in
    return df.with_columns(clearance_rate=pl.when(pl.col("clearance_rate").is_not_null())
                           .then(pl.col("clearance_rate").cast(pl.Float64))
                           .when(pl.col("incoming") > 0)
                           .then(pl.col("outgoing") / pl.col("incoming") * 100))


def load_case_flow_year(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any] | None:
    """The running statistical year's case-flow row for the province (summed when the mart has no ALL row)."""
    require(con, "marts.case_flow")
    df = province_frame(con, "marts.case_flow", "period_kind = 'year' and period_start = ?",
                        [statistical_year_start(as_of)], ["period_start", "period_end"],
                        ["incoming", "outgoing", "pending_end"],
                        keep=["clearance_rate", "disposition_time_days", "ttd_median_days", "ttd_p90_days",
                              "ttd_share_within_365"])
    if df.is_empty():
        return None
    row = df.to_dicts()[0]
    if row["clearance_rate"] is None and row["incoming"]:
        row["clearance_rate"] = row["outgoing"] / row["incoming"] * 100
    return row


def chart_case_flow_trend(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Incoming, outgoing and pending cases by month for 36 months, and the clearance rate."""
    name = "case_flow_trend"
    title = t("Việc thụ lý, giải quyết và tồn theo tháng (36 tháng)",
              "Incoming, outgoing and pending cases by month (36 months)", lang)
    try:
        df = load_case_flow_months(con, as_of)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if df.is_empty():
        return no_data_figure(name, title, lang)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32], vertical_spacing=0.06,
                        specs=[[{"secondary_y": True}], [{}]])
    x = df["period_start"].to_list()
    hover_int = "%{x|%m/%Y}: %{y:,d}<extra>%{fullData.name}</extra>"
    fig.add_bar(x=x, y=df["incoming"].to_list(), name=t("Thụ lý mới", "Incoming", lang), marker_color=SKY,
                hovertemplate=hover_int, row=1, col=1)
    fig.add_bar(x=x, y=df["outgoing"].to_list(), name=t("Giải quyết xong (ra khỏi sổ)", "Outgoing (closed)", lang),
                marker_color=BLUE, hovertemplate=hover_int, row=1, col=1)
    fig.add_scatter(x=x, y=df["pending_end"].to_list(), name=t("Tồn cuối tháng (trục phải)", "Pending at month end (right axis)", lang),
                    mode="lines", line=dict(color=BLACK, width=2), hovertemplate=hover_int, row=1, col=1, secondary_y=True)
    rates = df["clearance_rate"].to_list()
    fig.add_scatter(x=x, y=rates, name=t("Tỷ lệ giải quyết (ra/vào)", "Clearance rate (out/in)", lang),
                    mode="lines+markers", line=dict(color=VERMILION, width=2), marker=dict(size=4),
                    text=pct_texts(rates, lang), hovertemplate="%{x|%m/%Y}: %{text}<extra>%{fullData.name}</extra>",
                    row=2, col=1)
    fig.add_hline(y=100, line=dict(color=GREY, dash="dash", width=1), row=2, col=1)
    fig.update_layout(barmode="group", bargap=0.15)
    fig.update_yaxes(title_text=t("Số việc", "Cases", lang), tickformat=",d", row=1, col=1, secondary_y=False)
    fig.update_yaxes(title_text=t("Tồn", "Pending", lang), tickformat=",d", row=1, col=1, secondary_y=True,
                     showgrid=False, rangemode="tozero", tickmode="auto", nticks=6)
    fig.update_yaxes(title_text="%", ticksuffix=" %", row=2, col=1)
    fig.update_xaxes(tickformat="%m/%Y", row=2, col=1)
    return base_figure(fig, title, lang, height=520, name=name)


# ---------------------------------------------------------------------------------------------------
# 5. Valuation and auction bottlenecks (asset_pipeline, asset_price_ladder)
# ---------------------------------------------------------------------------------------------------

def load_stuck_summary(con: duckdb.DuckDBPyConnection, office_code: str = "ALL") -> dict[str, Any] | None:
    """marts.asset_stuck_summary's row: assets, pending_assets, sold_not_handed_over, stuck_assets,
    stuck_value_locked (their latest starting prices), stuck_cases, stuck_cases_money_outstanding (each case
    once)."""
    require(con, "marts.asset_stuck_summary")
    found = rows(con, "select * from marts.asset_stuck_summary where office_code = ?", [office_code])
    return found[0] if found else None


def chart_asset_funnel(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Seized assets by stage on the as-of date, stuck assets shown apart."""
    name = "asset_funnel"
    title = t(f"Tài sản kê biên theo giai đoạn, ngày {format_date(as_of, lang)}",
              f"Seized assets by stage, {format_date(as_of, lang)}", lang)
    try:
        require(con, "marts.asset_pipeline")
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    df = query(con, """select stage, coalesce(stuck, false) as stuck, count(*) as assets,
                              sum(latest_starting_price)::bigint as value
                       from marts.asset_pipeline group by all""")
    if df.is_empty():
        return no_data_figure(name, title, lang)
    stages = [s for s in L.STAGES if s in set(df["stage"].to_list())] + \
        sorted(s for s in set(df["stage"].to_list()) if s not in L.STAGES)
    ylab = [L.label(L.STAGES, s, lang) for s in stages]
    fig = go.Figure()
    for stuck, color, vi, en in ((False, BLUE, "Bình thường", "Not stuck"),
                                 (True, VERMILION, "Vướng (≥ 3 lần đấu giá không thành)", "Stuck (3+ failed rounds)")):
        sub = {r["stage"]: r["assets"] for r in df.filter(pl.col("stuck") == stuck).to_dicts()}
        values = [sub.get(s, 0) for s in stages]
        if not any(values):
            continue
        fig.add_bar(y=ylab, x=values, orientation="h", name=t(vi, en, lang), marker_color=color,
                    text=[format_int(v, lang) if v else "" for v in values], textposition="auto",
                    hovertemplate="%{y}: %{x:,d}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=t("Số tài sản", "Assets", lang),
                     **count_axis(df.group_by("stage").agg(pl.col("assets").sum())["assets"].to_list()))
    return base_figure(fig, title, lang, height=max(320, 120 + 36 * len(stages)), name=name)


def load_top_stuck(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pl.DataFrame:
    require(con, "marts.asset_pipeline")
    return query(con, """select asset_id, case_id, office_code, officer_id, stage, days_in_stage, rounds,
                                failed_rounds, first_starting_price, latest_starting_price, cumulative_reduction_pct,
                                case_money_outstanding
                         from marts.asset_pipeline where stuck and not coalesce(disposed, false)
                         order by latest_starting_price desc nulls last, asset_id limit ?""", [limit])


def chart_price_ladders(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Starting price per auction round of the 20 stuck assets with the most value locked."""
    name = "price_ladders"
    title = t("Giá khởi điểm qua các lần đấu giá của 20 tài sản vướng có giá trị lớn nhất",
              "Starting price by auction round of the 20 stuck assets with the most value locked", lang)
    try:
        require(con, "marts.asset_pipeline", "marts.asset_price_ladder")
        top = load_top_stuck(con)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if top.is_empty():
        return no_data_figure(name, title, lang, t("Không có tài sản vướng", "No stuck asset", lang))
    ids = top["asset_id"].to_list()
    ladder = query(con, """select asset_id, round_no, starting_price, outcome from marts.asset_price_ladder
                           where asset_id in (select unnest(?::varchar[])) order by asset_id, round_no""", [ids])
    prices = [p for p in ladder["starting_price"].to_list() if p]
    log_scale = bool(prices) and max(prices) / min(prices) > 20  # small and large assets on one chart
    unit = "trieu" if log_scale else money_unit_for(prices)   # a log axis in millions reads 10, 100, 1.000
    outcome_vi = {"khong_thanh": ("không thành", "failed"), "thanh": ("thành", "sold"), "huy": ("hủy", "cancelled")}
    fig = go.Figure()
    for i, asset in enumerate(ids):
        sub = ladder.filter(pl.col("asset_id") == asset)
        if sub.is_empty():
            continue
        prices = sub["starting_price"].to_list()
        outcomes = [L.label(outcome_vi, o, lang) if o else t("chưa có kết quả", "no outcome yet", lang)
                    for o in sub["outcome"].to_list()]
        fig.add_scatter(x=sub["round_no"].to_list(), y=[money_in_unit(p, unit) for p in prices],
                        mode="lines+markers", name=asset, line=dict(color=COLORWAY[i % len(COLORWAY)], width=2),
                        customdata=outcomes, text=money_texts(prices, lang, unit),
                        hovertemplate=t("Lần %{x}: %{text} (%{customdata})", "Round %{x}: %{text} (%{customdata})", lang)
                        + "<extra>%{fullData.name}</extra>")
    fig.update_xaxes(title_text=t("Lần đấu giá", "Auction round", lang), dtick=1, tickformat="d")
    fig.update_yaxes(title_text=t(f"Giá khởi điểm ({money_unit_label(unit, lang)}{', thang log' if log_scale else ''})",
                                  f"Starting price ({money_unit_label(unit, lang)}{', log scale' if log_scale else ''})", lang),
                     tickformat=MONEY_TICKS,
                     **(dict(type="log", dtick=1, minor=dict(showgrid=True, gridcolor="#f2f2f2")) if log_scale
                        else dict(rangemode="tozero")))
    fig.update_layout(legend=dict(font=dict(size=10)))
    rows_of_legend = -(-len(ids) // 5)
    return base_figure(fig, title, lang, height=440 + 18 * rows_of_legend, name=name)


def chart_stuck_value(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """By office: value locked in stuck assets (their latest starting prices) beside the money outstanding on
    their cases (each case once)."""
    name = "stuck_value"
    title = t("Giá trị bị \"kẹt\" trong tài sản vướng, theo đơn vị", "Value locked in stuck assets, by office", lang)
    try:
        require(con, "marts.asset_stuck_summary")
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    df = query(con, """select office_code, stuck_assets as assets, stuck_value_locked as value_locked,
                              stuck_cases_money_outstanding as case_money
                       from marts.asset_stuck_summary where office_code <> 'ALL' and stuck_assets > 0
                       order by office_code""")
    if df.is_empty():
        return no_data_figure(name, title, lang, t("Không có tài sản vướng", "No stuck asset", lang))
    unit = money_unit_for(df["value_locked"].to_list() + df["case_money"].to_list())
    offices = df["office_code"].to_list()
    names = office_names(con)
    fig = go.Figure()
    for col, color, vi, en in (("value_locked", VERMILION, "Giá khởi điểm gần nhất của tài sản vướng", "Latest starting price of stuck assets"),
                               ("case_money", GREY, "Số tiền còn phải thi hành của các việc đó", "Money outstanding on their cases")):
        vals = df[col].to_list()
        fig.add_bar(x=offices, y=[money_in_unit(v, unit) for v in vals], name=t(vi, en, lang), marker_color=color,
                    text=number_texts(vals, lang, unit), textposition="outside", cliponaxis=False,
                    customdata=[[names.get(o, o), format_money(v, lang, unit)] for o, v in zip(offices, vals)],
                    hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=money_unit_label(unit, lang), tickformat=MONEY_TICKS, rangemode="tozero")
    return base_figure(fig, title, lang, height=400, name=name)


def load_sold_not_handed_over(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    require(con, "marts.asset_pipeline")
    return query(con, """select asset_id, case_id, office_code, officer_id, days_in_stage, latest_starting_price
                         from marts.asset_pipeline where stage = 'da_ban'
                         order by days_in_stage desc nulls last, asset_id""")


# ---------------------------------------------------------------------------------------------------
# 6. Credit and banking (credit_institutions, kpi_period)
# ---------------------------------------------------------------------------------------------------

def load_credit_institutions(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """Per institution for the year to date (the mart's period columns select the as-of period when it has
    them)."""
    require(con, "marts.credit_institutions")
    cols = set(columns_of(con, "marts.credit_institutions"))
    name_col = "credit_institution" if "credit_institution" in cols else "institution"
    where, params = ["true"], []
    if "period_kind" in cols:
        where.append("period_kind = 'ytd'")
    if "period_end" in cols:
        where.append("period_end = ?")
        params.append(as_of)
    if "as_of" in cols:
        where.append("as_of = ?")
        params.append(as_of)
    return query(con, f"""select {name_col} as institution, sum(cases)::bigint as cases,
                                 sum(money_to_enforce)::bigint as money_to_enforce,
                                 sum(money_completed)::bigint as money_completed,
                                 sum(money_recovered)::bigint as money_recovered,
                                 sum(pending_assets)::bigint as pending_assets,
                                 sum(stuck_assets)::bigint as stuck_assets
                          from marts.credit_institutions where {' and '.join(where)}
                          group by all order by money_to_enforce desc nulls last, institution""", params)


def short_institution(name: str) -> str:
    """`Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)` -> `Vietcombank` (the brand in brackets)."""
    if name and name.endswith(")") and "(" in name:
        return name[name.rindex("(") + 1:-1]
    return name


def chart_credit_institutions(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Money to enforce and money completed by credit institution, year to date (the 15 largest)."""
    name = "credit_institutions"
    title = t(f"Án tín dụng, ngân hàng theo tổ chức tín dụng, lũy kế đến {format_date(as_of, lang)}",
              f"Credit and banking cases by institution, year to {format_date(as_of, lang)}", lang)
    try:
        df = load_credit_institutions(con, as_of)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if df.is_empty():
        return no_data_figure(name, title, lang)
    df = df.head(15)
    unit = money_unit_for(df["money_to_enforce"].to_list())
    ylab = [short_institution(n) for n in df["institution"].to_list()]
    rates = [exact_rate(c, e) for c, e in zip(df["money_completed"].to_list(), df["money_to_enforce"].to_list())]
    fig = go.Figure()
    for col, color, vi, en in (("money_to_enforce", GREY, "Phải thi hành", "To enforce"),
                               ("money_completed", BLUE, "Thi hành xong", "Completed")):
        vals = df[col].to_list()
        fig.add_bar(y=ylab, x=[money_in_unit(v, unit) for v in vals], orientation="h", name=t(vi, en, lang),
                    marker_color=color, text=number_texts(vals, lang, unit), textposition="outside", cliponaxis=False,
                    customdata=[[n, format_pct(r, lang), format_money(v, lang, unit)]
                                for n, r, v in zip(df["institution"].to_list(), rates, vals)],
                    hovertemplate="%{customdata[0]}<br>%{fullData.name}: %{customdata[2]}<br>"
                    + t("Xong / phải thi hành", "Completed / to enforce", lang) + ": %{customdata[1]}<extra></extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(autorange="reversed")
    top = money_in_unit(max(df["money_to_enforce"].to_list()), unit) or 1
    fig.update_xaxes(title_text=money_unit_label(unit, lang), tickformat=MONEY_TICKS, range=[0, top * 1.15])
    return base_figure(fig, title, lang, height=max(320, 140 + 44 * df.height), name=name)


def load_credit_share(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any] | None:
    """Credit cases' share of all cases to enforce and of all money to enforce, year to date."""
    all_ = load_kpi(con, as_of, "all").current
    credit = load_kpi(con, as_of, "credit").current
    if not all_ or not credit:
        return None
    return dict(cases_credit=credit["to_enforce"], cases_all=all_["to_enforce"],
                money_credit=credit["money_to_enforce"], money_all=all_["money_to_enforce"],
                share_cases=exact_rate(credit["to_enforce"], all_["to_enforce"]),
                share_money=exact_rate(credit["money_to_enforce"], all_["money_to_enforce"]))


def chart_credit_share(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Credit and banking cases' share of all cases and all money to enforce."""
    name = "credit_share"
    title = t("Tỷ trọng án tín dụng, ngân hàng trong tổng số phải thi hành",
              "Credit and banking cases' share of everything to enforce", lang)
    try:
        share = load_credit_share(con, as_of)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if share is None:
        return no_data_figure(name, title, lang)
    groups = [t("Về việc", "By cases", lang), t("Về tiền", "By money", lang)]
    unit = money_unit_for([share["money_all"]])
    credit_share = [share["share_cases"], share["share_money"]]
    other_share = [None if s is None else 100 - s for s in credit_share]
    credit_abs = [format_int(share["cases_credit"], lang), format_money(share["money_credit"], lang, unit)]
    other_abs = [format_int(share["cases_all"] - share["cases_credit"], lang),
                 format_money(share["money_all"] - share["money_credit"], lang, unit)]
    fig = go.Figure()
    for vals, absolute, color, vi, en in ((credit_share, credit_abs, BLUE, "Tín dụng, ngân hàng", "Credit and banking"),
                                          (other_share, other_abs, "#d9d9d9", "Các việc khác", "Other cases")):
        fig.add_bar(y=groups, x=[None if v is None else float(v) for v in vals], orientation="h", name=t(vi, en, lang),
                    marker_color=color, text=pct_texts(vals, lang), textposition="inside", insidetextanchor="middle",
                    customdata=absolute, hovertemplate="%{y}: %{text} (%{customdata})<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    fig.update_yaxes(autorange="reversed")
    return base_figure(fig, title, lang, height=260, name=name)


# ---------------------------------------------------------------------------------------------------
# 7. Statutory deadline breaches (deadline_breaches)
# ---------------------------------------------------------------------------------------------------

def chart_deadline_breaches(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Deadline breaches by office and rule: open ones (past due, step not yet taken, whenever they began) and
    steps taken late since the start of the statistical year (the history before it is left out)."""
    name = "deadline_breaches"
    title = t("Vi phạm thời hạn luật định theo đơn vị", "Statutory deadline breaches by office", lang)
    try:
        require(con, "marts.deadline_breaches")
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    df = query(con, """select coalesce(office_code, '—') as office_code, rule, coalesce(open, false) as open,
                              count(*) as breaches
                       from marts.deadline_breaches
                       where open or actual_date between ? and ?
                       group by all""", [statistical_year_start(as_of), as_of])
    if df.is_empty():
        return no_data_figure(name, title, lang, t("Không có vi phạm", "No breach", lang))
    offices = sorted(df["office_code"].unique().to_list(), reverse=True)
    rules = [r for r in L.RULES if r in set(df["rule"].to_list())] + \
        sorted(r for r in set(df["rule"].to_list()) if r not in L.RULES)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.05, subplot_titles=(
        t("Đang quá hạn, chưa thực hiện", "Open: overdue, not yet done", lang),
        t(f"Thực hiện muộn từ {format_date(statistical_year_start(as_of), lang)}",
          f"Done late since {format_date(statistical_year_start(as_of), lang)}", lang)))
    for rule in rules:
        for col, is_open in ((1, True), (2, False)):
            sub = {r["office_code"]: r["breaches"] for r in df.filter(pl.col("rule") == rule,
                                                                       pl.col("open") == is_open).to_dicts()}
            vals = [sub.get(o, 0) for o in offices]
            fig.add_bar(y=offices, x=vals, orientation="h", name=L.label(L.RULES, rule, lang), legendgroup=rule,
                        showlegend=(col == 1), marker_color=RULE_COLORS.get(rule, GREY),
                        hovertemplate="%{y}: %{x:,d}<extra>%{fullData.name}</extra>", row=1, col=col)
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    per_office = df.group_by("office_code", "open").agg(pl.col("breaches").sum())["breaches"].to_list()
    fig.update_xaxes(title_text=t("Số vi phạm", "Breaches", lang), **count_axis(per_office))
    return base_figure(fig, title, lang, height=max(360, 200 + 30 * len(offices)), name=name)


def load_breach_summary(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any]:
    """open_breaches (past due, not taken); late_this_year (taken late since the start of the statistical
    year); breaches (every row of the mart); provisional ones."""
    require(con, "marts.deadline_breaches")
    return rows(con, """select count(*) as breaches, count(*) filter (where open) as open_breaches,
                               count(*) filter (where not coalesce(open, false) and actual_date between ? and ?)
                                   as late_this_year,
                               count(*) filter (where provisional) as provisional_breaches
                        from marts.deadline_breaches""", [statistical_year_start(as_of), as_of])[0]


def load_oldest_open_breaches(con: duckdb.DuckDBPyConnection, limit: int = 20) -> pl.DataFrame:
    require(con, "marts.deadline_breaches")
    return query(con, """select rule, office_code, officer_id, case_id, asset_id, auction_id, due_date, days_over,
                                case_status, law, provisional
                         from marts.deadline_breaches where open
                         order by days_over desc, due_date, case_id limit ?""", [limit])


def load_laws(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The law versions the deadline rules came from (breaches first, else the staged rules)."""
    for table in ("marts.deadline_breaches", "staging.stg_deadline_rules"):
        if table_exists(con, table) and "law" in columns_of(con, table):
            laws = [r["law"] for r in rows(con, f"select distinct law from {table} where law is not null order by 1")]
            if laws:
                return laws
    return []


# ---------------------------------------------------------------------------------------------------
# 8. Office comparison (kpi_period, backlog_ageing, officer_workload)
# ---------------------------------------------------------------------------------------------------

def load_office_kpis(con: duckdb.DuckDBPyConnection, as_of: date, scope: str = "all") -> pl.DataFrame:
    require(con, "marts.kpi_period")
    return query(con, """select * from marts.kpi_period where period_kind = 'ytd' and scope = ? and period_end = ?
                         and office_code <> 'ALL' order by office_code""", [scope, as_of])


def load_pending_per_officer(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per office (marts.officer_workload): pending cases in the official counts (with and without
    conditions; the separate register left out), of which unassigned (officer_id NULL), the officers
    (distinct IDs), and pending ÷ officers."""
    require(con, "marts.officer_workload")
    return query(con, """
        select office_code,
               sum(coalesce(pending_with_conditions, 0) + coalesce(pending_without_conditions, 0))::bigint as pending,
               sum(coalesce(pending_with_conditions, 0) + coalesce(pending_without_conditions, 0))
                   filter (where officer_id is null)::bigint as unassigned,
               count(distinct officer_id)::bigint as officers,
               sum(coalesce(pending_with_conditions, 0) + coalesce(pending_without_conditions, 0))
                   / nullif(count(distinct officer_id), 0) as per_officer
        from marts.officer_workload
        where office_code <> 'ALL'
        group by office_code order by office_code""")


def chart_office_rates(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Completion rates by cases and by money, per office, year to date, with the province's as lines."""
    name = "office_rates"
    title = t(f"So sánh các đơn vị: tỷ lệ thi hành xong lũy kế đến {format_date(as_of, lang)}",
              f"Offices compared: completion rates, year to {format_date(as_of, lang)}", lang)
    try:
        df = load_office_kpis(con, as_of)
        province = load_kpi(con, as_of).current
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if df.is_empty():
        return no_data_figure(name, title, lang)
    offices = df["office_code"].to_list()
    names = office_names(con)
    fig = go.Figure()
    for what, col, color, vi, en in (("cases", "rate_cases", BLUE, "Về việc", "By cases"),
                                     ("money", "rate_money", VERMILION, "Về tiền", "By money")):
        exact = [rate_of(r, what) for r in df.to_dicts()]
        fig.add_bar(x=offices, y=[None if is_missing(v) else float(v) for v in df[col].to_list()], name=t(vi, en, lang),
                    marker_color=color, text=pct_texts(exact, lang), textposition="outside", cliponaxis=False,
                    customdata=[names.get(o, o) for o in offices],
                    hovertemplate="%{customdata}: %{text}<extra>%{fullData.name}</extra>")
        prov = rate_of(province, what)
        if prov is not None:
            fig.add_hline(y=float(prov), line=dict(color=color, dash="dot", width=1.5))
            legend_line(fig, t(f"Toàn tỉnh {vi.lower()}: {format_pct(prov, lang)}",
                               f"Province {en.lower()}: {format_pct(prov, lang)}", lang), color)
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=t("Tỷ lệ (%)", "Rate (%)", lang), **RATE_AXIS)
    return base_figure(fig, title, lang, height=420, name=name)


def chart_office_workload(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Pending cases (with and without conditions) per enforcement officer, by office."""
    name = "office_workload"
    title = t("Số việc tồn bình quân mỗi chấp hành viên, theo đơn vị",
              "Pending cases per enforcement officer, by office", lang)
    try:
        df = load_pending_per_officer(con)
    except NoData as exc:
        return no_data_figure(name, title, lang, str(exc))
    if df.is_empty():
        return no_data_figure(name, title, lang)
    offices = df["office_code"].to_list()
    names = office_names(con)
    per = df["per_officer"].to_list()
    fig = go.Figure(go.Bar(
        x=offices, y=per, marker_color=GREEN, cliponaxis=False, textposition="outside",
        text=[format_decimal(v, 1, lang) if v is not None else "—" for v in per],
        customdata=[[names.get(o, o), format_int(p, lang), format_int(n, lang)]
                    for o, p, n in zip(offices, df["pending"].to_list(), df["officers"].to_list())],
        hovertemplate="%{customdata[0]}<br>" + t("Tồn", "Pending", lang) + ": %{customdata[1]}, "
        + t("chấp hành viên", "officers", lang) + ": %{customdata[2]}<br>" + t("Bình quân", "Per officer", lang)
        + ": %{y:,.1f}<extra></extra>", showlegend=False))
    fig.update_yaxes(title_text=t("Việc tồn / chấp hành viên", "Pending cases per officer", lang), tickformat=",d",
                     rangemode="tozero")
    return base_figure(fig, title, lang, height=360, name=name)


# ---------------------------------------------------------------------------------------------------
# 9. Data quality and freshness of the night (audit.*, office_freshness)
# ---------------------------------------------------------------------------------------------------

def latest_run_id(con: duckdb.DuckDBPyConnection, as_of: date) -> str | None:
    """The night's run in the audit copy: the latest run_id of the as-of date (run ids start with their UTC
    start time, so the greatest is the latest); without an as_of column, the latest run overall."""
    if not table_exists(con, "audit.file_manifest"):
        return None
    cols = set(columns_of(con, "audit.file_manifest"))
    if "as_of" in cols:
        run_id = scalar(con, "select max(run_id) from audit.file_manifest where as_of = ?", [as_of])
        if run_id is not None:
            return run_id
    return scalar(con, "select max(run_id) from audit.file_manifest")


def load_night_quality(con: duckdb.DuckDBPyConnection, as_of: date) -> dict[str, Any] | None:
    """Totals of the night: rows read, loaded, quarantined, superseded, rejected; files by status."""
    run_id = latest_run_id(con, as_of)
    if run_id is None:
        return None
    row = rows(con, """select count(*) as files,
                              count(*) filter (where status = 'rejected') as files_rejected,
                              coalesce(sum(rows_read), 0)::bigint as rows_read,
                              coalesce(sum(rows_loaded), 0)::bigint as rows_loaded,
                              coalesce(sum(rows_quarantined), 0)::bigint as rows_quarantined,
                              coalesce(sum(rows_superseded), 0)::bigint as rows_superseded,
                              coalesce(sum(rows_rejected), 0)::bigint as rows_rejected
                       from audit.file_manifest where run_id = ? and status <> 'standing'""", [run_id])[0]
    row["files_standing"] = scalar(
        con, "select count(*) from audit.file_manifest where run_id = ? and status = 'standing'", [run_id])
    row["run_id"] = run_id
    return row


def chart_data_quality(con: duckdb.DuckDBPyConnection, as_of: date, lang: str = "vi") -> go.Figure:
    """Rows of the night by office: loaded, quarantined, superseded, rejected (they add up to rows read)."""
    name = "data_quality"
    title = t("Dữ liệu nhận trong đêm theo đơn vị (số dòng)", "Rows received tonight by office", lang)
    run_id = latest_run_id(con, as_of)
    if run_id is None:
        return no_data_figure(name, title, lang, "audit.file_manifest")
    df = query(con, """select office_code, coalesce(sum(rows_loaded), 0)::bigint as rows_loaded,
                              coalesce(sum(rows_quarantined), 0)::bigint as rows_quarantined,
                              coalesce(sum(rows_superseded), 0)::bigint as rows_superseded,
                              coalesce(sum(rows_rejected), 0)::bigint as rows_rejected
                       from audit.file_manifest where run_id = ? and status <> 'standing'
                       group by office_code order by office_code desc""", [run_id])
    if df.is_empty():
        return no_data_figure(name, title, lang)
    offices = df["office_code"].to_list()
    fig = go.Figure()
    for col, color, vi, en in (("rows_loaded", GREEN, "Đã nạp", "Loaded"),
                               ("rows_quarantined", ORANGE, "Cách ly (lỗi dòng)", "Quarantined"),
                               ("rows_superseded", GREY, "Bản trùng đã thay thế", "Superseded"),
                               ("rows_rejected", VERMILION, "Tệp bị từ chối", "In rejected files")):
        vals = df[col].to_list()
        fig.add_bar(y=offices, x=vals, orientation="h", name=t(vi, en, lang), marker_color=color,
                    hovertemplate="%{y}: %{x:,d}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_xaxes(title_text=t("Số dòng", "Rows", lang), tickformat=",d", rangemode="tozero")
    return base_figure(fig, title, lang, height=max(300, 160 + 30 * len(offices)), name=name)


def load_stale_offices(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    if not table_exists(con, "marts.office_freshness"):
        return None
    cols = columns_of(con, "marts.office_freshness")
    newest = "newest_accepted_batch_date" if "newest_accepted_batch_date" in cols else "newest_batch_date"
    return query(con, f"""select office_code, record_type, {newest} as newest_batch_date,
                                 coalesce(missing, false) as missing
                          from marts.office_freshness where stale or missing
                          order by office_code, record_type""")


def load_quarantine_reasons(con: duckdb.DuckDBPyConnection, run_id: str | None, limit: int = 10) -> pl.DataFrame | None:
    if run_id is None or not table_exists(con, "audit.quarantine"):
        return None
    return query(con, """select record_type, reason, count(*) as rows, any_value(message) as example
                         from audit.quarantine where run_id = ? group by all
                         order by rows desc, record_type, reason limit ?""", [run_id, limit])


# ---------------------------------------------------------------------------------------------------
# The report's charts, in order
# ---------------------------------------------------------------------------------------------------

ChartFn = Callable[[duckdb.DuckDBPyConnection, date, str], go.Figure]

CHARTS: dict[str, ChartFn] = {
    "completion": chart_completion,
    "completion_trend": chart_completion_trend,
    "completion_credit": chart_completion_credit,
    "completion_trend_credit": chart_completion_trend_credit,
    "waterfall": chart_waterfall,
    "backlog_ageing": chart_backlog_ageing,
    "backlog_offices": chart_backlog_offices,
    "case_flow_trend": chart_case_flow_trend,
    "asset_funnel": chart_asset_funnel,
    "price_ladders": chart_price_ladders,
    "stuck_value": chart_stuck_value,
    "credit_institutions": chart_credit_institutions,
    "credit_share": chart_credit_share,
    "deadline_breaches": chart_deadline_breaches,
    "office_rates": chart_office_rates,
    "office_workload": chart_office_workload,
    "data_quality": chart_data_quality,
}
