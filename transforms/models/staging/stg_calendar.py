"""`staging.stg_calendar`: one row per day, whether Vietnamese public offices work that day.

Statutory deadlines "within N working days" skip weekends and public holidays (metrics.md, "Statutory
deadlines"). The holidays come from the maintained `holidays` library (Vietnam: Tết, Hùng Kings, 30/4,
1/5, Quốc khánh, the substituted days off and make-up Saturdays it knows), never from a hand-typed list.
`data/reference/holiday_adjustments.csv` (loaded by the runner as `ref.holiday_adjustments`) may then
add or remove the days the Government moves each year that the library does not know yet:

    date,is_working_day,note
    2025-02-15,true,làm bù (example: a make-up working Saturday)
    2025-02-03,false,nghỉ bù (example: a compensatory day off)

A row overrides the library for that date; `note` becomes the day's `holiday_name` when the day is off.
A line whose date starts with `#` is a comment.

Columns: date, is_working_day, is_weekend, holiday_name (NULL on ordinary days), source (`weekday`,
`weekend`, `holidays` — the library's holiday or make-up working day — or `adjustment`).

Range: the whole calendar years from one year before the earliest date in the data to two years after the
as-of date, so every deadline the models compute (at most 45 days after an event) lands inside it.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import polars as pl

DEPENDS_ON: list[str] = []  # reads raw.* and ref.holiday_adjustments only

# Date columns that start or end a clock, by raw table: the calendar must cover the earliest of them.
_DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": ("received_date", "decision_date"),
    "status_events": ("event_date",),
    "assets": ("seizure_date", "disposition_date", "handover_date"),
    "valuations": ("contract_date", "certificate_date"),
    "auctions": ("contract_date", "auction_date"),
    "complaints": ("received_date",),
}

_TRUE = {"true", "1", "t", "yes", "x", "có", "co"}
_FALSE = {"false", "0", "f", "no", "không", "khong"}


def _earliest_date(con) -> date | None:
    """The earliest date found in the raw tables' clock columns (None when the data is empty)."""
    parts = []
    for table, columns in _DATE_COLUMNS.items():
        for column in columns:
            parts.append(f"select min({column}) as d from raw.{table}")
    # fetchall, not fetchone: DuckDB 2.0 refuses `register` while a result is only partly fetched
    rows = con.execute(f"select min(d) from ({' union all '.join(parts)})").fetchall()
    return rows[0][0] if rows else None


def _adjustments(con) -> dict[date, tuple[bool, str | None]]:
    """`ref.holiday_adjustments` as {date: (is_working_day, note)}; a bad row stops the build."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'ref' and table_name = 'holiday_adjustments'").fetchall()[0][0]
    if not exists:
        return {}
    out: dict[date, tuple[bool, str | None]] = {}
    rows = con.execute("select date, is_working_day, note from ref.holiday_adjustments").fetchall()
    for raw_date, raw_flag, note in rows:
        if raw_date is None or not raw_date.strip() or raw_date.strip().startswith("#"):
            continue  # blank, or a comment line (the shipped file explains its format in one)
        try:
            day = date.fromisoformat(raw_date.strip())
        except ValueError as exc:
            raise ValueError(f"holiday_adjustments.csv: date {raw_date!r} is not yyyy-mm-dd") from exc
        flag = (raw_flag or "").strip().casefold()
        if flag not in _TRUE | _FALSE:
            raise ValueError(f"holiday_adjustments.csv: is_working_day {raw_flag!r} on {raw_date} "
                             "must be true or false")
        if day in out:
            raise ValueError(f"holiday_adjustments.csv: {raw_date} is listed twice")
        out[day] = (flag in _TRUE, (note or "").strip() or None)
    return out


def calendar_frame(first: date, last: date,
                   adjustments: dict[date, tuple[bool, str | None]] | None = None) -> pl.DataFrame:
    """Every day from `first` to `last` (inclusive) with its working-day flag; see the module doc."""
    adjustments = adjustments or {}
    vn = holidays.Vietnam(years=range(first.year, last.year + 1), language="vi")
    # Looked up once: asking the library day by day (`vn.get`, `vn.is_working_day`) costs ~1 ms a day.
    holiday_names = dict(vn.items())
    make_up_days = set(vn.weekend_workdays)
    weekend_days = set(vn.weekend)
    days, working, weekend, names, sources = [], [], [], [], []
    day = first
    while day <= last:
        is_weekend = day.weekday() in weekend_days
        name = holiday_names.get(day)
        if name is not None:
            is_working, source = False, "holidays"
        elif is_weekend and day in make_up_days:  # a make-up Saturday the library knows
            is_working, source = True, "holidays"
        else:
            is_working, source = not is_weekend, "weekend" if is_weekend else "weekday"
        if day in adjustments:
            is_working, note = adjustments[day]
            name = None if is_working else (note or name or "Ngày nghỉ (điều chỉnh)")
            source = "adjustment"
        days.append(day)
        working.append(bool(is_working))
        weekend.append(is_weekend)
        names.append(name)
        sources.append(source)
        day += timedelta(days=1)
    return pl.DataFrame(
        {"date": days, "is_working_day": working, "is_weekend": weekend, "holiday_name": names,
         "source": sources},
        schema={"date": pl.Date, "is_working_day": pl.Boolean, "is_weekend": pl.Boolean,
                "holiday_name": pl.String, "source": pl.String},
    )


def calendar_range(earliest: date | None, as_of: date) -> tuple[date, date]:
    """Whole years from one year before the earliest data date to two years after as_of."""
    start = min(earliest or as_of, as_of)
    return date(start.year - 1, 1, 1), date(as_of.year + 2, 12, 31)


def build(con, context) -> None:
    first, last = calendar_range(_earliest_date(con), context.as_of)
    frame = calendar_frame(first, last, _adjustments(con))
    con.register("_stg_calendar_frame", frame.to_arrow())
    try:
        con.execute(f"create table {context.name} as select * from _stg_calendar_frame order by date")
    finally:
        con.unregister("_stg_calendar_frame")
