"""The committee's morning report: one self-contained HTML page, its PDF, one PNG per chart, the Excel
forms and CSV copies of the page's tables, published atomically under `<exports>/<as_of>/`.

    from thads.publish.report import publish_report
    result = publish_report(settings.warehouse, settings.exports, date(2026, 6, 30))

Everything is built in `<exports>/.tmp-<as_of>-<pid>/` and renamed into place only when complete, so
a failed publish leaves the previous report of that date (and `latest`) as they were. `latest` is a
symbolic link to the dated folder, switched with `os.replace` (atomic).

The page opens offline: plotly.js is inlined once, every figure travels as JSON in one `<script>` and is
drawn by a small script (`templates/report.js`); no CDN, no web font. Vietnamese first, English behind a
button; headline numbers carry `data-metric` / `data-value` (the raw mart value) for tests and for anyone
who wants the unrounded figure.
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import time
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, Callable

import duckdb
import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

from thads.publish import browser as browser_mod
from thads.publish import charts as C
from thads.publish import labels as L
from thads.publish.formatting import (
    MISSING,
    exact_rate,
    format_date,
    format_decimal,
    format_int,
    format_money,
    format_pct,
    is_missing,
    statistical_year,
    statistical_year_start,
)
from thads.publish.xlsx import write_csv, write_kpi_workbook

log = logging.getLogger(__name__)

VN_TZ = timezone(timedelta(hours=7), "ICT")  # Vietnam: UTC+7, no daylight saving
LATEST = "latest"
HTML_NAME = "index.html"
PDF_NAME = "bao_cao.pdf"
XLSX_NAME = "bao_cao.xlsx"
PNG_DIR = "bieu_do"
CSV_DIR = "bang"


class PublishError(RuntimeError):
    pass


@dataclass
class PublishResult:
    """What a publish wrote. `path` is the dated folder; `messages` are one-line notes for the run summary
    (the browser-skipped notice, charts without data, charts that failed and were replaced)."""

    as_of: date
    path: Path
    latest: Path | None
    html: Path
    xlsx: Path
    pdf: Path | None
    pngs: list[Path] = field(default_factory=list)
    csvs: list[Path] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    skipped_browser_outputs: bool = False
    timings: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# Small HTML builders
# ---------------------------------------------------------------------------------------------------

def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def bi(vi: str, en: str, tag: str = "span") -> str:
    """Both languages of an (already escaped) HTML fragment; CSS shows the current one."""
    return f'<{tag} class="vi" lang="vi">{vi}</{tag}><{tag} class="en" lang="en">{en}</{tag}>'


def raw_value(value: Any) -> str:
    """`data-value`: the mart's value as it is (no rounding): ints as digits, floats by repr, dates ISO."""
    if is_missing(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def metric(name: str, value: Any, text: str) -> str:
    """A headline figure: its formatted text, with the raw value for tests and curious readers."""
    return (f'<strong class="metric" data-metric="{esc(name)}" data-value="{esc(raw_value(value))}">'
            f'{esc(text)}</strong>')


class Page:
    """The figures and sections of one report page."""

    def __init__(self, heights: dict[str, int] | None = None) -> None:
        self.heights = heights or {}
        self.sections: list[tuple[str, str, str, str]] = []  # id, title vi, title en, body html

    def chart(self, name: str) -> str:
        # The container has the figure's height: plotly's responsive resize (window, print) sizes the chart
        # to its container, and a container without a height would collapse under it.
        height = int(self.heights.get(name) or 420)
        return (f'<div class="chart" id="chart-{esc(name)}" data-chart="{esc(name)}" '
                f'style="height: {height}px"></div>')

    def section(self, sid: str, vi: str, en: str, body: str) -> None:
        self.sections.append((sid, vi, en, body))


def table(headers: list[tuple[str, str, bool]], body: list[list[Any]]) -> str:
    """A data table. headers: (vi, en, numeric). A cell is text (same in both languages) or a (vi, en)
    pair of texts; everything is escaped here."""
    head = "".join(f'<th class="{"num" if num else ""}">{bi(esc(vi), esc(en))}</th>' for vi, en, num in headers)
    out = []
    for row in body:
        cells = []
        for (_, _, num), cell in zip(headers, row):
            content = bi(esc(cell[0]), esc(cell[1])) if isinstance(cell, tuple) else esc(cell)
            cells.append(f'<td class="{"num" if num else ""}">{content}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(out)}</tbody></table>'


def both(fmt: Callable[..., str], value: Any, *args: Any) -> tuple[str, str]:
    return fmt(value, "vi", *args), fmt(value, "en", *args)


def office_cell(names: dict[str, str], code: str | None) -> str:
    """`Phòng THADS khu vực 1 - Nghệ An (NA01)`: the name a reader knows and the code the charts show."""
    if not code:
        return MISSING
    name = names.get(code)
    return f"{name} ({code})" if name and name != code else code


def nodata(vi: str = "Không có dữ liệu.", en: str = "No data.") -> str:
    return f'<p class="nodata">{bi(esc(vi), esc(en))}</p>'


# ---------------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------------

def _verdict(met: bool | None, lang: str) -> str:
    if met is None:
        return esc(C.t("chưa xác định được", "cannot be told yet", lang))
    cls = "verdict-good" if met else "verdict-bad"
    text = C.t("đạt", "met", lang) if met else C.t("không đạt", "not met", lang)
    return f'<span class="{cls}">{esc(text)}</span>'


def section_completion(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    year = statistical_year(as_of)
    parts = []
    for scope, prefix, sub_vi, sub_en in (("all", "", None, None),
                                          ("credit", "credit_", "Án tín dụng, ngân hàng", "Credit and banking cases")):
        try:
            snap = C.load_kpi(con, as_of, scope)
        except C.NoData:
            snap = None
        if sub_vi:
            parts.append(f"<h3>{bi(esc(sub_vi), esc(sub_en))}</h3>")
        cur = snap.current if snap else None
        if cur is None:
            parts.append(nodata())
            continue
        ly = snap.last_year or {}
        sentences = {}
        for lang in ("vi", "en"):
            m = lambda name, value, text: metric(prefix + name, value, text)  # noqa: E731
            rc = m("rate_cases", cur["rate_cases"], format_pct(C.rate_of(cur, "cases"), lang))
            rm = m("rate_money", cur["rate_money"], format_pct(C.rate_of(cur, "money"), lang))
            done = m("completed", cur["completed"], format_int(cur["completed"], lang))
            withc = m("with_conditions", cur["with_conditions"], format_int(cur["with_conditions"], lang))
            ly_rc = m("last_year_rate_cases", ly.get("rate_cases"), format_pct(C.rate_of(ly, "cases"), lang))
            ly_rm = m("last_year_rate_money", ly.get("rate_money"), format_pct(C.rate_of(ly, "money"), lang))
            has_target = not is_missing(cur.get("target_rate_cases"))
            tc = m("target_rate_cases", cur.get("target_rate_cases"), format_pct(cur.get("target_rate_cases"), lang))
            tm = m("target_rate_money", cur.get("target_rate_money"), format_pct(cur.get("target_rate_money"), lang))
            ty = m("target_year", cur.get("target_year"), str(cur.get("target_year") or MISSING))
            pc = m("projected_rate_cases", cur.get("projected_rate_cases"), format_pct(cur.get("projected_rate_cases"), lang))
            pm = m("projected_rate_money", cur.get("projected_rate_money"), format_pct(cur.get("projected_rate_money"), lang))
            met = C.target_met(cur, "both")
            verdict = (f'<span data-metric="{prefix}target_met_projected" data-value="{raw_value(met)}">'
                       f'{_verdict(met, lang)}</span>')
            if lang == "vi":
                s = (f"Lũy kế đến {format_date(as_of)}, đã thi hành xong {done} trên {withc} việc có điều kiện: "
                     f"tỷ lệ {rc} về việc và {rm} về tiền (cùng kỳ năm trước {ly_rc} và {ly_rm}).")
                if has_target:
                    s += (f" Chỉ tiêu năm {ty}: {tc} về việc, {tm} về tiền; dự báo cả năm {year}: {pc} và {pm}, "
                          f"tức là {verdict} chỉ tiêu.")
                else:
                    s += f" Không có chỉ tiêu riêng; dự báo cả năm {year}: {pc} về việc, {pm} về tiền."
            else:
                s = (f"Year to {format_date(as_of, 'en')}: {done} of {withc} cases with conditions completed, "
                     f"a rate of {rc} by cases and {rm} by money (same date last year {ly_rc} and {ly_rm}).")
                if has_target:
                    s += (f" Target ({ty}): {tc} by cases, {tm} by money; year-end projection for {year}: {pc} and "
                          f"{pm}, so the target is {verdict}.")
                else:
                    s += f" No separate target; year-end projection for {year}: {pc} by cases, {pm} by money."
            sentences[lang] = s
        parts.append(f'<p class="lead">{bi(sentences["vi"], sentences["en"])}</p>')
        suffix = "" if scope == "all" else "_credit"
        parts.append(f'<div class="chart-pair">{page.chart("completion" + suffix)}'
                     f'{page.chart("completion_trend" + suffix)}</div>')
        method = cur.get("projection_method")
        if method:
            parts.append('<p class="note">' + bi(
                esc(f"Phương pháp dự báo: {L.label(L.PROJECTION_METHODS, method, 'vi')}."),
                esc(f"Projection method: {L.label(L.PROJECTION_METHODS, method, 'en')}.")) + "</p>")
    page.section("s1", "1. Tỷ lệ thi hành xong", "1. Completion rates", "".join(parts))


def section_waterfall(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    try:
        cur = C.load_kpi(con, as_of, "all").current
    except C.NoData:
        cur = None
    if cur is None:
        page.section("s2", "2. Luồng việc trong năm", "2. Case flow of the year", nodata())
        return
    s = {}
    for lang in ("vi", "en"):
        v = {k: metric(k, cur[k], format_int(cur[k], lang)) for k in
             ("carried_over", "new_cases", "entrusted", "withdrawn", "moved_to_separate", "completed", "carried_forward")}
        if lang == "vi":
            s[lang] = (f"Năm trước chuyển sang {v['carried_over']} + thụ lý mới {v['new_cases']} − ủy thác {v['entrusted']}"
                       f" − thu hồi, hủy {v['withdrawn']} − chuyển sổ theo dõi riêng {v['moved_to_separate']}"
                       f" − thi hành xong {v['completed']} = chuyển kỳ sau {v['carried_forward']} việc (gồm cả việc chưa có "
                       f"điều kiện); các việc chuyển sổ theo dõi riêng được trừ ra để phép tính khớp.")
        else:
            s[lang] = (f"Carried over {v['carried_over']} + new {v['new_cases']} − entrusted {v['entrusted']}"
                       f" − withdrawn {v['withdrawn']} − moved to the separate register {v['moved_to_separate']}"
                       f" − completed {v['completed']} = carried forward {v['carried_forward']} cases (those without "
                       f"conditions included); the moves to the separate register are taken out so the sum adds up.")
    page.section("s2", "2. Luồng việc trong năm", "2. Case flow of the year",
                 f'<p class="lead">{bi(s["vi"], s["en"])}</p>{page.chart("waterfall")}')


def section_backlog(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    try:
        df = C.load_backlog(con, as_of)
    except C.NoData:
        df = None
    if df is None or df.is_empty():
        page.section("s3", "3. Việc tồn theo thời gian", "3. Backlog ageing", nodata())
        return
    over = C.backlog_with_over_one_year(con, as_of)
    official = df.filter(pl.col("condition_class").is_in(["with", "without"]))
    pending, money = int(official["cases"].sum()), int(official["money_outstanding"].sum())
    separate = int(df.filter(pl.col("condition_class") == "separate")["cases"].sum())
    s = {}
    for lang in ("vi", "en"):
        o = metric("backlog_with_over_1y", over, format_int(over, lang))
        p = metric("backlog_pending", pending, format_int(pending, lang))
        mo = metric("backlog_money", money, format_money(money, lang))
        sp = metric("backlog_separate", separate, format_int(separate, lang))
        if lang == "vi":
            s[lang] = (f"Ngày {format_date(as_of)} còn {p} việc tồn có và chưa có điều kiện ({mo}), cộng {sp} việc "
                       f"trong sổ theo dõi riêng; {o} việc có điều kiện đã tồn trên một năm.")
        else:
            s[lang] = (f"On {format_date(as_of, 'en')}, {p} cases with and without conditions are pending ({mo}), plus "
                       f"{sp} in the separate register; {o} cases with conditions are over one year old.")
    body = (f'<p class="lead">{bi(s["vi"], s["en"])}</p>{page.chart("backlog_ageing")}{page.chart("backlog_offices")}'
            '<p class="note">' + bi("Tuổi của việc tính từ ngày thụ lý; số tiền là số còn phải thi hành đến ngày báo cáo.",
                                    "A case's age counts from its received date; money is what is still owed on the date.")
            + "</p>")
    page.section("s3", "3. Việc tồn theo thời gian", "3. Backlog ageing", body)


def section_trend(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    try:
        months = C.load_case_flow_months(con, as_of)
        year = C.load_case_flow_year(con, as_of)
    except C.NoData:
        months, year = None, None
    if months is None or months.is_empty():
        page.section("s4", "4. Xu hướng 36 tháng", "4. 36-month trend", nodata())
        return
    last = months.tail(1).to_dicts()[0]
    s = {}
    for lang in ("vi", "en"):
        pend = metric("pending_end", last["pending_end"], format_int(last["pending_end"], lang))
        month = f"{last['period_start'].month:02d}/{last['period_start'].year}"
        if year:
            cr = metric("clearance_rate_year", year.get("clearance_rate"),
                        format_pct(exact_rate(year["outgoing"], year["incoming"]), lang))
            inc = metric("incoming_year", year["incoming"], format_int(year["incoming"], lang))
            out = metric("outgoing_year", year["outgoing"], format_int(year["outgoing"], lang))
            dt = year.get("disposition_time_days")
            dtm = metric("disposition_time_days", dt, format_int(dt, lang))
        if lang == "vi":
            s[lang] = f"Cuối tháng {month} còn {pend} việc đang mở."
            if year:
                s[lang] += (f" Từ đầu năm thống kê: thụ lý {inc}, giải quyết {out} việc, tỷ lệ giải quyết {cr} "
                            f"(trên 100 % là giảm tồn); thời gian giải quyết ước tính {dtm} ngày.")
        else:
            s[lang] = f"At the end of {month}, {pend} cases were open."
            if year:
                s[lang] += (f" Since the start of the statistical year: {inc} in, {out} out, a clearance rate of {cr} "
                            f"(above 100 % the backlog shrinks); estimated disposition time {dtm} days.")
    body = (f'<p class="lead">{bi(s["vi"], s["en"])}</p>{page.chart("case_flow_trend")}<p class="note">'
            + bi("Giải quyết = chuyển sang trạng thái kết thúc (xong, đình chỉ, ủy thác, thu hồi); tồn không gồm sổ theo "
                 "dõi riêng; tỷ lệ giải quyết = giải quyết ÷ thụ lý × 100.",
                 "Outgoing = moves into a closed status (completed, terminated, entrusted, withdrawn); pending leaves "
                 "out the separate register; clearance rate = outgoing ÷ incoming × 100.") + "</p>")
    page.section("s4", "4. Xu hướng 36 tháng", "4. 36-month trend", body)


def section_assets(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    try:
        summary = C.load_stuck_summary(con)
        top = C.load_top_stuck(con)
        sold = C.load_sold_not_handed_over(con)
    except C.NoData:
        summary = None
    if not summary:
        page.section("s5", "5. Thẩm định giá và đấu giá", "5. Valuation and auctions", nodata())
        return
    names = C.office_names(con, short=True)
    s = {}
    for lang in ("vi", "en"):
        pa = metric("pending_assets", summary["pending_assets"], format_int(summary["pending_assets"], lang))
        sa = metric("stuck_assets", summary["stuck_assets"], format_int(summary["stuck_assets"], lang))
        vl = metric("stuck_value_locked", summary["stuck_value_locked"], format_money(summary["stuck_value_locked"], lang))
        cm = metric("stuck_cases_money_outstanding", summary["stuck_cases_money_outstanding"],
                    format_money(summary["stuck_cases_money_outstanding"], lang))
        sn = metric("sold_not_handed_over", summary["sold_not_handed_over"],
                    format_int(summary["sold_not_handed_over"], lang))
        if lang == "vi":
            s[lang] = (f"{pa} tài sản kê biên đang chờ xử lý, trong đó {sa} tài sản vướng (từ 3 lần đấu giá không thành) "
                       f"giữ {vl} theo giá khởi điểm gần nhất, trong khi các việc của chúng còn phải thi hành {cm}; "
                       f"{sn} tài sản đã bán nhưng chưa bàn giao.")
        else:
            s[lang] = (f"{pa} seized assets are still in process; {sa} of them are stuck (3 or more failed auctions), "
                       f"locking {vl} at their latest starting prices while their cases still owe {cm}; "
                       f"{sn} sold assets are not yet handed over.")
    body = [f'<p class="lead">{bi(s["vi"], s["en"])}</p>',
            f'<div class="chart-pair">{page.chart("asset_funnel")}{page.chart("stuck_value")}</div>',
            page.chart("price_ladders")]
    if top.height:
        tables["tai_san_vuong"] = top
        body.append(f"<h3>{bi('Tài sản vướng có giá trị lớn nhất', 'Stuck assets with the most value locked')}</h3>")
        body.append(table(
            [("Tài sản", "Asset", False), ("Việc", "Case", False), ("Đơn vị", "Office", False),
             ("Chấp hành viên", "Officer", False), ("Lần không thành", "Failed rounds", True),
             ("Giá khởi điểm lần đầu", "First starting price", True), ("Giá khởi điểm gần nhất", "Latest starting price", True),
             ("Đã giảm", "Reduced by", True), ("Số ngày ở giai đoạn", "Days in stage", True)],
            [[r["asset_id"], r["case_id"], r["office_code"], r["officer_id"] or MISSING,
              both(format_int, r["failed_rounds"]), both(format_money, r["first_starting_price"]),
              both(format_money, r["latest_starting_price"]), both(format_pct, r["cumulative_reduction_pct"]),
              both(format_int, r["days_in_stage"])] for r in top.to_dicts()]))
    body.append(f"<h3>{bi('Tài sản đã bán, chưa bàn giao', 'Sold, not yet handed over')}</h3>")
    if sold.height:
        tables["da_ban_chua_ban_giao"] = sold
        body.append(table(
            [("Tài sản", "Asset", False), ("Việc", "Case", False), ("Đơn vị", "Office", False),
             ("Chấp hành viên", "Officer", False), ("Số ngày từ khi bán", "Days since sale", True),
             ("Giá khởi điểm gần nhất", "Latest starting price", True)],
            [[r["asset_id"], r["case_id"], office_cell(names, r["office_code"]), r["officer_id"] or MISSING,
              both(format_int, r["days_in_stage"]), both(format_money, r["latest_starting_price"])]
             for r in sold.to_dicts()]))
    else:
        body.append(nodata("Không có tài sản nào.", "None."))
    page.section("s5", "5. Thẩm định giá và đấu giá", "5. Valuation and auctions", "".join(body))


def section_credit(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    try:
        share = C.load_credit_share(con, as_of)
        inst = C.load_credit_institutions(con, as_of)
    except C.NoData:
        share, inst = None, None
    if share is None:
        page.section("s6", "6. Án tín dụng, ngân hàng", "6. Credit and banking", nodata())
        return
    s = {}
    biggest = inst.head(1).to_dicts()[0] if inst is not None and inst.height else None
    for lang in ("vi", "en"):
        sm = metric("credit_share_money", share["share_money"], format_pct(share["share_money"], lang))
        sc = metric("credit_share_cases", share["share_cases"], format_pct(share["share_cases"], lang))
        mc = metric("credit_money_to_enforce", share["money_credit"], format_money(share["money_credit"], lang))
        if lang == "vi":
            s[lang] = f"Án tín dụng, ngân hàng chiếm {sc} số việc và {sm} số tiền phải thi hành ({mc})"
            if biggest:
                s[lang] += (f"; nhiều nhất là {esc(C.short_institution(biggest['institution']))} với "
                            f"{format_money(biggest['money_to_enforce'])}")
        else:
            s[lang] = f"Credit and banking cases are {sc} of the cases and {sm} of the money to enforce ({mc})"
            if biggest:
                s[lang] += (f"; the largest is {esc(C.short_institution(biggest['institution']))} with "
                            f"{format_money(biggest['money_to_enforce'], 'en')}")
        s[lang] += "."
    page.section("s6", "6. Án tín dụng, ngân hàng", "6. Credit and banking",
                 f'<p class="lead">{bi(s["vi"], s["en"])}</p>{page.chart("credit_share")}{page.chart("credit_institutions")}')


def section_breaches(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    try:
        summary = C.load_breach_summary(con, as_of)
        oldest = C.load_oldest_open_breaches(con)
    except C.NoData:
        page.section("s7", "7. Vi phạm thời hạn luật định", "7. Statutory deadline breaches", nodata())
        return
    s = {}
    for lang in ("vi", "en"):
        ob = metric("open_breaches", summary["open_breaches"], format_int(summary["open_breaches"], lang))
        ly = metric("late_this_year", summary["late_this_year"], format_int(summary["late_this_year"], lang))
        oldest_days = oldest["days_over"][0] if oldest.height else None
        od = metric("oldest_open_breach_days", oldest_days, format_int(oldest_days, lang))
        if lang == "vi":
            s[lang] = (f"{ob} bước đang quá hạn luật định mà chưa thực hiện, lâu nhất đã trễ {od} ngày; từ đầu năm "
                       f"thống kê có thêm {ly} bước được thực hiện nhưng muộn.")
        else:
            s[lang] = (f"{ob} steps are past their statutory deadline and not yet taken, the oldest {od} days over; "
                       f"since the start of the statistical year {ly} more steps were taken late.")
    body = [f'<p class="lead">{bi(s["vi"], s["en"])}</p>', page.chart("deadline_breaches"),
            f"<h3>{bi('Các vi phạm đang mở lâu nhất', 'Oldest open breaches')}</h3>"]
    if oldest.height:
        tables["vi_pham_dang_mo"] = oldest
        body.append(table(
            [("Quy định", "Rule", False), ("Đơn vị", "Office", False), ("Chấp hành viên", "Officer", False),
             ("Việc", "Case", False), ("Tài sản", "Asset", False), ("Hạn", "Due", True), ("Số ngày quá hạn", "Days over", True),
             ("Trạng thái việc", "Case status", False)],
            [[(L.label(L.RULES, r["rule"], "vi") + (" *" if r["provisional"] else ""),
               L.label(L.RULES, r["rule"], "en") + (" *" if r["provisional"] else "")),
              r["office_code"] or MISSING,
              r["officer_id"] or MISSING, r["case_id"] or MISSING, r["asset_id"] or MISSING,
              both(format_date, r["due_date"]), both(format_int, r["days_over"]),
              (L.label(L.STATUSES, r["case_status"], "vi"), L.label(L.STATUSES, r["case_status"], "en"))]
             for r in oldest.to_dicts()]))
        if any(oldest["provisional"].fill_null(False).to_list()):
            body.append('<p class="note">' + bi("* Thời hạn tạm tính (sự kiện từ 01/07/2026, theo mức của luật cũ).",
                                                "* Provisional limit (event from 1 Jul 2026, old law's limit).") + "</p>")
    else:
        body.append(nodata("Không có vi phạm nào đang mở.", "No open breach."))
    page.section("s7", "7. Vi phạm thời hạn luật định", "7. Statutory deadline breaches", "".join(body))


def section_offices(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    try:
        kpis = C.load_office_kpis(con, as_of)
    except C.NoData:
        kpis = None
    if kpis is None or kpis.is_empty():
        page.section("s8", "8. So sánh các đơn vị", "8. Offices compared", nodata())
        return
    try:
        workload = {r["office_code"]: r for r in C.load_pending_per_officer(con).to_dicts()}
    except C.NoData:
        workload = {}
    names = C.office_names(con, short=True)
    rows_ = kpis.to_dicts()
    lowest = min(rows_, key=lambda r: (C.rate_of(r, "cases") is None, C.rate_of(r, "cases") or 0))
    busiest = max(workload.values(), key=lambda r: r["per_officer"] or 0) if workload else None
    s = {}
    for lang in ("vi", "en"):
        lo = metric("lowest_rate_cases", lowest["rate_cases"], format_pct(C.rate_of(lowest, "cases"), lang))
        lo_name = esc(names.get(lowest["office_code"], lowest["office_code"]))
        if lang == "vi":
            s[lang] = f"Tỷ lệ về việc thấp nhất là {lo} ở {lo_name}"
            if busiest:
                bw = metric("max_pending_per_officer", busiest["per_officer"], format_decimal(busiest["per_officer"], 1))
                s[lang] += (f"; mỗi chấp hành viên của {esc(names.get(busiest['office_code'], busiest['office_code']))} "
                            f"đang giữ bình quân {bw} việc tồn, cao nhất tỉnh")
        else:
            s[lang] = f"The lowest rate by cases is {lo}, at {lo_name}"
            if busiest:
                bw = metric("max_pending_per_officer", busiest["per_officer"],
                            format_decimal(busiest["per_officer"], 1, "en"))
                s[lang] += (f"; officers of {esc(names.get(busiest['office_code'], busiest['office_code']))} hold "
                            f"{bw} pending cases each on average, the most in the province")
        s[lang] += "."
    body_rows = []
    for r in rows_:
        w = workload.get(r["office_code"], {})
        body_rows.append([office_cell(names, r["office_code"]),
                          both(format_int, r["completed"]), both(format_int, r["with_conditions"]),
                          both(format_pct, C.rate_of(r, "cases")),
                          both(format_money, r["money_completed"]), both(format_pct, C.rate_of(r, "money")),
                          both(format_int, w.get("pending")), both(format_int, w.get("officers")),
                          both(lambda v, lang: format_decimal(v, 1, lang), w.get("per_officer"))])
    body = (f'<p class="lead">{bi(s["vi"], s["en"])}</p>{page.chart("office_rates")}{page.chart("office_workload")}'
            + table([("Đơn vị", "Office", False), ("Thi hành xong", "Completed", True),
                     ("Có điều kiện", "With conditions", True), ("Tỷ lệ về việc", "Rate by cases", True),
                     ("Tiền thi hành xong", "Money completed", True), ("Tỷ lệ về tiền", "Rate by money", True),
                     ("Việc tồn", "Pending", True), ("Chấp hành viên", "Officers", True),
                     ("Tồn / chấp hành viên", "Pending per officer", True)], body_rows)
            + '<p class="note">' + bi("Việc tồn gồm việc có và chưa có điều kiện (không gồm sổ theo dõi riêng), kể cả việc "
                                      "chưa phân công; chấp hành viên là những người đang có việc.",
                                      "Pending counts cases with and without conditions (not the separate register), "
                                      "unassigned ones included; officers are those holding cases.") + "</p>")
    page.section("s8", "8. So sánh các đơn vị", "8. Offices compared", body)


def section_quality(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    quality = C.load_night_quality(con, as_of)
    stale = C.load_stale_offices(con)
    names = C.office_names(con, short=True)
    body = []
    if quality is None:
        body.append(nodata("Không có dữ liệu về lần nạp đêm nay (chưa có bảng audit.file_manifest).",
                           "No data on tonight's load (no audit.file_manifest table)."))
    else:
        s = {}
        for lang in ("vi", "en"):
            v = {k: metric(k, quality[k], format_int(quality[k], lang)) for k in
                 ("rows_read", "rows_loaded", "rows_quarantined", "rows_superseded", "rows_rejected", "files_rejected")}
            stale_offices = stale["office_code"].n_unique() if stale is not None else None
            so = metric("stale_offices", stale_offices, format_int(stale_offices, lang))
            if lang == "vi":
                s[lang] = (f"Đêm nay đọc {v['rows_read']} dòng: nạp {v['rows_loaded']}, cách ly {v['rows_quarantined']} "
                           f"dòng lỗi, {v['rows_superseded']} bản trùng được thay thế, {v['rows_rejected']} dòng thuộc "
                           f"{v['files_rejected']} tệp bị từ chối; {so} đơn vị có số liệu chưa cập nhật.")
            else:
                s[lang] = (f"Tonight {v['rows_read']} rows were read: {v['rows_loaded']} loaded, {v['rows_quarantined']} "
                           f"quarantined, {v['rows_superseded']} superseded, {v['rows_rejected']} in "
                           f"{v['files_rejected']} rejected files; {so} offices have data that is not current.")
        body += [f'<p class="lead">{bi(s["vi"], s["en"])}</p>', page.chart("data_quality")]
        rejected = C.query(con, """select office_code, record_type, source_file, message from audit.file_manifest
                                   where run_id = ? and status = 'rejected' order by office_code, record_type""",
                           [quality["run_id"]])
        if rejected.height:
            tables["tep_bi_tu_choi"] = rejected
            body.append(f"<h3>{bi('Tệp bị từ chối', 'Rejected files')}</h3>")
            body.append(table([("Đơn vị", "Office", False), ("Loại dữ liệu", "Record type", False),
                               ("Tệp", "File", False), ("Lý do", "Reason", False)],
                              [[r["office_code"], (L.label(L.RECORD_TYPES, r["record_type"], "vi"),
                                                   L.label(L.RECORD_TYPES, r["record_type"], "en")),
                                r["source_file"], r["message"] or MISSING] for r in rejected.to_dicts()]))
        reasons = C.load_quarantine_reasons(con, quality["run_id"])
        if reasons is not None and reasons.height:
            tables["ly_do_cach_ly"] = reasons
            body.append(f"<h3>{bi('Lý do cách ly dòng thường gặp', 'Most frequent quarantine reasons')}</h3>")
            body.append(table([("Loại dữ liệu", "Record type", False), ("Lý do", "Reason", False),
                               ("Số dòng", "Rows", True), ("Ví dụ", "Example", False)],
                              [[(L.label(L.RECORD_TYPES, r["record_type"], "vi"), L.label(L.RECORD_TYPES, r["record_type"], "en")),
                                r["reason"], both(format_int, r["rows"]), r["example"] or MISSING]
                               for r in reasons.to_dicts()]))
    body.append(f"<h3>{bi('Đơn vị có số liệu chưa cập nhật', 'Offices whose data is not current')}</h3>")
    if stale is None:
        body.append(nodata("Không có dữ liệu (chưa có bảng marts.office_freshness).", "No data (no marts.office_freshness)."))
    elif stale.height == 0:
        body.append(nodata("Mọi đơn vị đều đã gửi số liệu của ngày báo cáo.", "Every office sent the report date's data."))
    else:
        tables["don_vi_cham_cap_nhat"] = stale
        body.append(table([("Đơn vị", "Office", False), ("Loại dữ liệu", "Record type", False),
                           ("Lần gửi được nhận gần nhất", "Newest accepted batch", True)],
                          [[office_cell(names, r["office_code"]),
                            (L.label(L.RECORD_TYPES, r["record_type"], "vi"), L.label(L.RECORD_TYPES, r["record_type"], "en")),
                            ("chưa từng gửi", "never sent") if r["missing"] else both(format_date, r["newest_batch_date"])]
                           for r in stale.to_dicts()]))
    body.append(f'<p><a href="chat_luong_du_lieu.html">{bi("Chi tiết theo đơn vị, tệp và dòng mẫu", "Details by office, file, with sample rows")}</a></p>')
    page.section("s9", "9. Chất lượng và độ mới của dữ liệu", "9. Data quality and freshness", "".join(body))


def section_notes(con, as_of: date, page: Page, tables: dict[str, pl.DataFrame]) -> None:
    laws = C.load_laws(con) or ["Luật Thi hành án dân sự 2008, sửa đổi, bổ sung năm 2014"]
    law_text = "; ".join(esc(x) for x in laws)
    vi = (f"<p>Năm thống kê {statistical_year(as_of)} tính từ {format_date(statistical_year_start(as_of))}; số liệu "
          "lũy kế từ đầu năm thống kê đến ngày báo cáo. Tỷ lệ về việc = việc thi hành xong (kể cả đình chỉ và việc "
          "ủy thác đã thi hành được một phần) ÷ việc có điều kiện × 100; tỷ lệ về tiền = tiền thi hành xong ÷ tiền có "
          "điều kiện × 100; việc chuyển sổ theo dõi riêng không tính vào số phải thi hành; tỷ lệ làm tròn nửa lên "
          "tới hai chữ số thập phân; dự báo cuối năm và phương pháp được ghi cạnh biểu đồ. Việc tồn gồm việc đang mở "
          "và việc trong sổ theo dõi riêng, tuổi tính từ ngày thụ lý. Tài sản vướng là tài sản chưa xử lý xong và đã "
          "có từ 3 lần đấu giá không thành.</p>"
          f"<p>Thời hạn luật định theo: {law_text}, có hiệu lực đến 30/06/2026; Luật số 106/2025/QH15 áp dụng từ "
          "01/07/2026 — cho đến khi các thời hạn mới được xác nhận, thời hạn cũ được áp dụng và đánh dấu là "
          "<em>tạm tính</em> cho các sự kiện từ 01/07/2026. Ngày làm việc không tính thứ Bảy, Chủ nhật và ngày lễ.</p>"
          "<p>Số phải thi hành của các kỳ trước được tính theo số tiền hiện nay trong sổ (sổ không lưu lịch sử thay "
          "đổi số tiền). Người phải thi hành án và người được thi hành án là cá nhân chỉ được nhận diện bằng mã "
          "ẩn danh.</p>")
    en = (f"<p>Statistical year {statistical_year(as_of)} starts on {format_date(statistical_year_start(as_of), 'en')}; "
          "figures are cumulative from its start to the report date. Rate by cases = cases completed (terminated "
          "cases and partly done entrusted cases included) ÷ cases with conditions × 100; rate by money = money "
          "completed ÷ money with conditions × 100; cases moved to the separate register leave the count to "
          "enforce; rates are rounded half up to two decimals; the year-end projection and its method are stated "
          "beside the chart. Pending cases are those open plus those in the separate register, aged from their "
          "received date. A stuck asset is one not yet disposed of after 3 or more failed auctions.</p>"
          f"<p>Statutory deadlines follow: {law_text}, in force until 30 Jun 2026; Law 106/2025/QH15 governs from "
          "1 Jul 2026 — until its limits are confirmed the old limits are applied to events from that date and "
          "marked <em>provisional</em>. Working days skip weekends and public holidays.</p>"
          "<p>Past periods use today's amounts due (the registers keep no history of amounts). Persons are "
          "identified only by pseudonyms.</p>")
    revisions = revisions_block(con, tables)
    page.section("s10", "10. Ghi chú", "10. Notes",
                 f'<div class="vi" lang="vi">{vi}</div><div class="en" lang="en">{en}</div>{revisions}')


REVISED_METRICS = {  # metric -> (vi, en, kind)
    "carried_over": ("Cũ chuyển sang", "Carried over", "int"), "new_cases": ("Thụ lý mới", "New", "int"),
    "handled": ("Tổng số thụ lý", "Handled", "int"), "entrusted": ("Ủy thác", "Entrusted", "int"),
    "withdrawn": ("Thu hồi, hủy", "Withdrawn", "int"),
    "moved_to_separate": ("Chuyển sổ theo dõi riêng", "Moved to the separate register", "int"),
    "to_enforce": ("Phải thi hành", "To enforce", "int"), "with_conditions": ("Có điều kiện", "With conditions", "int"),
    "without_conditions": ("Chưa có điều kiện", "Without conditions", "int"),
    "completed": ("Thi hành xong", "Completed", "int"), "carried_forward": ("Chuyển kỳ sau", "Carried forward", "int"),
    "rate_cases": ("Tỷ lệ về việc", "Rate by cases", "pct"),
    "money_to_enforce": ("Tiền phải thi hành", "Money to enforce", "money"),
    "money_with_conditions": ("Tiền có điều kiện", "Money with conditions", "money"),
    "money_completed": ("Tiền thi hành xong", "Money completed", "money"),
    "money_carried_forward": ("Tiền chuyển kỳ sau", "Money carried forward", "money"),
    "rate_money": ("Tỷ lệ về tiền", "Rate by money", "pct"),
    "money_recovered": ("Tiền thu được", "Money recovered", "money"),
}


def revisions_block(con, tables: dict[str, pl.DataFrame]) -> str:
    """Figures of closed periods that changed since they were last published (late corrections)."""
    title = f"<h3>{bi('Số liệu kỳ đã qua được điều chỉnh', 'Closed periods revised since last published')}</h3>"
    if not C.table_exists(con, "marts.kpi_revisions"):
        return title + nodata()
    rev = C.query(con, """select * from marts.kpi_revisions where office_code = 'ALL'
                          order by period_end desc, scope, metric""")
    count = len(rev)
    head = (f'<p class="lead" data-metric="revisions_count" data-value="{count}">'
            + bi(f"{format_int(count)} số liệu cấp tỉnh của các kỳ đã kết thúc khác với lần công bố trước "
                 "(do sổ được sửa muộn).",
                 f"{format_int(count, 'en')} province figures of ended periods differ from their last "
                 "publication (late corrections in the registers).") + "</p>")
    if count == 0:
        return title + head
    tables["so_lieu_dieu_chinh"] = rev

    def fmt(kind, value, lang):
        if kind == "pct":
            return format_pct(value, lang)
        if kind == "money":
            return format_money(value, lang)
        return format_int(value, lang)

    rows = []
    for r in rev.head(30).to_dicts():
        vi_name, en_name, kind = REVISED_METRICS.get(r["metric"], (r["metric"], r["metric"], "int"))
        rows.append([
            (f"{r['period_kind']} {format_date(r['period_start'])}–{format_date(r['period_end'])}",
             f"{r['period_kind']} {format_date(r['period_start'], 'en')}–{format_date(r['period_end'], 'en')}"),
            {"all": ("Tất cả các việc", "All cases"), "credit": ("Tín dụng, ngân hàng", "Credit and banking")}
            .get(r["scope"], r["scope"]),
            (vi_name, en_name),
            (fmt(kind, r["published_value"], "vi"), fmt(kind, r["published_value"], "en")),
            (fmt(kind, r["current_value"], "vi"), fmt(kind, r["current_value"], "en")),
            both(format_date, r["published_as_of"]),
        ])
    return title + head + table([("Kỳ", "Period", False), ("Phạm vi", "Scope", False), ("Chỉ tiêu", "Figure", False),
                                 ("Đã công bố", "Published", True), ("Hiện nay", "Now", True),
                                 ("Công bố ngày", "Published on", True)], rows)


SECTIONS = (section_completion, section_waterfall, section_backlog, section_trend, section_assets, section_credit,
            section_breaches, section_offices, section_quality, section_notes)


# ---------------------------------------------------------------------------------------------------
# Page assembly
# ---------------------------------------------------------------------------------------------------

def _template(name: str) -> str:
    return resources.files("thads.publish").joinpath("templates", name).read_text(encoding="utf-8")


def _figure_json(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


def build_figures(con: duckdb.DuckDBPyConnection, as_of: date, *, strict: bool = False,
                  messages: list[str] | None = None) -> dict[str, dict[str, go.Figure]]:
    """Every chart in both languages. A chart that raises is replaced by a "no data" figure and a message
    (a morning report without one chart beats no report), unless `strict`."""
    out: dict[str, dict[str, go.Figure]] = {}
    for name, fn in C.CHARTS.items():
        out[name] = {}
        for lang in ("vi", "en"):
            try:
                fig = fn(con, as_of, lang)
            except Exception as exc:  # noqa: BLE001 - one broken chart must not cost the committee the report
                if strict:
                    raise
                log.error("chart %s (%s) failed:\n%s", name, lang, traceback.format_exc())
                if messages is not None and lang == "vi":
                    messages.append(f"chart {name} failed and shows 'no data': {type(exc).__name__}: {exc}")
                fig = C.no_data_figure(name, name, lang, C.t("lỗi khi vẽ biểu đồ", "the chart failed", lang))
            out[name][lang] = fig
    return out


def render_page(con: duckdb.DuckDBPyConnection, as_of: date, figures: dict[str, dict[str, go.Figure]],
                tables: dict[str, pl.DataFrame], generated_at: datetime) -> str:
    page = Page({name: langs["vi"].layout.height for name, langs in figures.items()})
    for build in SECTIONS:  # each adds its section to the page and its tables (for CSV) to `tables`
        build(con, as_of, page, tables)
    sections_html = "\n".join(
        f'<section class="report-section" id="{sid}"><h2>{bi(esc(vi), esc(en))}</h2>{body}</section>'
        for sid, vi, en, body in page.sections)
    toc = "".join(f'<a href="#{sid}">{bi(esc(vi), esc(en))}</a>' for sid, vi, en, _ in page.sections)
    fig_json = json.dumps({name: {lang: _figure_json(f) for lang, f in langs.items()} for name, langs in figures.items()},
                          ensure_ascii=False, separators=(",", ":"))
    fig_json = fig_json.replace("<", "\\u003c")  # never "</script>" inside the script element
    year = statistical_year(as_of)
    stamp_vi = generated_at.strftime("%H:%M ") + format_date(generated_at.date())
    stamp_en = generated_at.strftime("%H:%M ") + format_date(generated_at.date(), "en")
    heading = bi("Báo cáo tình hình thi hành án dân sự", "Civil judgment enforcement report")
    subtitle = bi(esc(f"Số liệu đến ngày {format_date(as_of)} · Năm thống kê {year} "
                      f"({format_date(statistical_year_start(as_of))} – 30/09/{year}) · Lập lúc {stamp_vi}"),
                  esc(f"Data to {format_date(as_of, 'en')} · Statistical year {year} "
                      f"({format_date(statistical_year_start(as_of), 'en')} – 30 Sep {year}) · Generated {stamp_en} (UTC+7)"))
    footer = bi(esc("Nguồn: sổ thi hành án của các Phòng THADS khu vực, nạp hằng đêm. Số liệu lẻ xem trong bao_cao.xlsx."),
                esc("Source: the regional offices' enforcement registers, loaded nightly. Detailed figures in bao_cao.xlsx."))
    return Template(_template("report.html")).substitute(
        title=esc(f"Báo cáo THADS {format_date(as_of)}"), css=_template("report.css"), plotlyjs=get_plotlyjs(),
        heading=heading, subtitle=subtitle, toc=toc, sections=sections_html, footer=footer, figures=fig_json,
        js=_template("report.js"))


# ---------------------------------------------------------------------------------------------------
# Atomic publish
# ---------------------------------------------------------------------------------------------------

def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_abandoned(exports: Path) -> None:
    """Temporary folders of publishes that died (their process is gone)."""
    for entry in exports.iterdir():
        if not entry.name.startswith((".tmp-", ".old-", ".latest-")):
            continue
        try:
            pid = int(entry.name.rsplit("-", 1)[1])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or _pid_alive(pid):
            continue
        if entry.is_symlink() or entry.is_file():
            entry.unlink(missing_ok=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for f in files:
            _fsync(Path(folder) / f)
        _fsync(Path(folder))


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, target: Path) -> None:
    """Put the complete folder `tmp` at `target`, replacing a previous version, so that `target` is at
    every instant a complete report: the two folders are exchanged in one atomic step, and the old one
    (now at `tmp`'s name, cleaned up by `_remove_abandoned` if we die first) is deleted afterwards.
    Where the kernel cannot exchange, the old one is renamed aside first and put back if the second
    rename fails (then `target` is absent for the instant between the two renames)."""
    if not (target.exists() or target.is_symlink()):
        os.rename(tmp, target)
        return
    if _exchange(tmp, target):
        shutil.rmtree(tmp, ignore_errors=True)
        return
    old = target.with_name(f".old-{target.name}-{os.getpid()}")
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    if old.is_symlink() or old.is_file():
        old.unlink()
    else:
        shutil.rmtree(old, ignore_errors=True)


def _point_latest(exports: Path, dated_name: str) -> Path:
    """`<exports>/latest` -> `<as_of>` (relative symlink), swapped atomically with os.replace."""
    latest = exports / LATEST
    link = exports / f".latest-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(dated_name, link, target_is_directory=True)
    if latest.exists() and not latest.is_symlink():  # a real folder from elsewhere: move it aside first
        _swap_in(link, latest)
    else:
        os.replace(link, latest)
    _fsync(exports)
    return latest


DATA_QUALITY_NAME = "chat_luong_du_lieu.html"


def publish_report(warehouse_path: Path, exports_dir: Path, as_of: date, *, latest: bool = True,
                   png: bool | None = None, pdf: bool | None = None, strict: bool = False) -> PublishResult:
    """Publish the report of `as_of` from the warehouse (opened read-only) into `<exports_dir>/<as_of>/`.

    png / pdf: None = when a browser is found (else skipped, said once in the result and the log); True =
    required (PublishError without a browser); False = not made. `strict` makes a failing chart fail the
    publish instead of showing "no data". Returns a PublishResult; raises on failure, leaving the previous
    report untouched.
    """
    t0 = time.perf_counter()
    warehouse_path, exports_dir = Path(warehouse_path), Path(exports_dir)
    if not warehouse_path.exists():
        raise PublishError(f"no warehouse at {warehouse_path}")
    browser = browser_mod.find_browser()
    messages: list[str] = []
    skipped = False
    if browser is None:
        if png or pdf:
            raise PublishError("PNG charts / the PDF were asked for but no Chromium browser was found "
                               f"(install it with `{browser_mod.INSTALL_HINT}`; THADS_NO_BROWSER must not be set)")
        if png is None or pdf is None:
            skipped = True
            note = ("PNG charts and the PDF were skipped: no Chromium browser found"
                    + (" (THADS_NO_BROWSER is set)" if os.environ.get("THADS_NO_BROWSER") else "")
                    + f". The HTML report and the Excel file were published; install Chromium with "
                      f"`{browser_mod.INSTALL_HINT}` to get the PNGs and the PDF.")
            messages.append(note)
            log.warning(note)
    want_png = bool(browser) and png is not False
    want_pdf = bool(browser) and pdf is not False

    exports_dir.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(exports_dir)
    dated = exports_dir / as_of.isoformat()
    tmp = exports_dir / f".tmp-{as_of.isoformat()}-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    timings: dict[str, float] = {}
    try:
        con = duckdb.connect(str(warehouse_path), read_only=True)
        try:
            t = time.perf_counter()
            figures = build_figures(con, as_of, strict=strict, messages=messages)
            for name, langs in figures.items():
                if C.is_no_data(langs["vi"]) and not any(m.startswith(f"chart {name} ") for m in messages):
                    messages.append(f"chart {name}: no data")
            timings["charts"] = time.perf_counter() - t

            t = time.perf_counter()
            tables: dict[str, pl.DataFrame] = {}
            page = render_page(con, as_of, figures, tables, datetime.now(VN_TZ))
            (tmp / HTML_NAME).write_text(page, encoding="utf-8")
            # The night's data-quality page (offline Data Docs) beside the report.
            from expectations.data_docs import render_data_quality

            (tmp / DATA_QUALITY_NAME).write_text(render_data_quality(con, as_of), encoding="utf-8")
            timings["html"] = time.perf_counter() - t

            t = time.perf_counter()
            write_kpi_workbook(con, as_of, tmp / XLSX_NAME)
            csvs = []
            if tables:
                (tmp / CSV_DIR).mkdir()
                for name, df in tables.items():
                    csvs.append(write_csv(df, tmp / CSV_DIR / f"{name}.csv"))
            timings["xlsx_csv"] = time.perf_counter() - t
        finally:
            con.close()

        pngs: list[Path] = []
        # The PDF's browser prints in a thread while kaleido's browser draws the PNGs: two processes,
        # two cores, about the time of the longer one instead of the sum.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            pdf_job = pool.submit(browser_mod.print_pdf, browser, tmp / HTML_NAME, tmp / PDF_NAME) if want_pdf else None
            if want_png:
                (tmp / PNG_DIR).mkdir()
                batch = [(langs["vi"], tmp / PNG_DIR / f"{i:02d}_{name}.png")
                         for i, (name, langs) in enumerate(figures.items(), start=1)]
                timings["png"] = browser_mod.write_pngs(browser, batch)
                pngs = [p for _, p in batch]
            if pdf_job is not None:
                timings["pdf"] = pdf_job.result()

        _fsync_tree(tmp)
        _swap_in(tmp, dated)
        _fsync(exports_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    latest_path = _point_latest(exports_dir, dated.name) if latest else None
    timings["total"] = time.perf_counter() - t0
    rel = lambda p: dated / p.relative_to(tmp)  # noqa: E731 - paths inside the folder now in place
    result = PublishResult(
        as_of=as_of, path=dated, latest=latest_path, html=dated / HTML_NAME, xlsx=dated / XLSX_NAME,
        pdf=dated / PDF_NAME if want_pdf else None, pngs=[rel(p) for p in pngs], csvs=[rel(p) for p in csvs],
        messages=messages, skipped_browser_outputs=skipped, timings=timings)
    log.info("published the report of %s to %s in %.1f s (%s)", as_of.isoformat(), dated, timings["total"],
             ", ".join(f"{k} {v:.2f} s" for k, v in timings.items() if k != "total"))
    return result
