"""The night's data-quality page: our own offline Data Docs.

GX's Data Docs load their styles and scripts from CDNs and render unstyled offline, so the validation
results are shown from the audit tables instead, in one self-contained HTML page a clerk can read:
per office and file, rows read / loaded / quarantined / superseded / rejected, the top reasons with
sample rows (already pseudonymised at ingest), warnings, files refused in the inbox, and offices whose
newest batch is older than the as-of date.
"""

from __future__ import annotations

import html
from datetime import date

import duckdb

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:1.5rem;color:#1b1b1b}
h1{font-size:1.4rem} h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem} td,th{border:1px solid #ccc;padding:.25rem .5rem}
th{background:#f1f3f5;text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#b00020;font-weight:600} .ok{color:#1b6e20} .muted{color:#666}
@media print{@page{size:A4;margin:12mm} body{margin:0}}
"""


def _n(x) -> str:
    from thads.publish.formatting import format_int

    return format_int(x)  # 1.234.567, and — when empty


def _e(x) -> str:
    return "" if x is None else html.escape(str(x))


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    if not rows:
        return '<p class="muted">Không có / none.</p>'
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _has(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table]).fetchone()[0])


def render_data_quality(con: duckdb.DuckDBPyConnection, as_of: date, samples_per_reason: int = 3) -> str:
    """The page for the newest run recorded in the warehouse's audit copy."""
    parts = [f"<h1>Chất lượng dữ liệu đêm {as_of:%d/%m/%Y} — Data quality of the night</h1>"]
    if not _has(con, "audit", "file_manifest"):
        parts.append('<p class="muted">No audit data in this warehouse.</p>')
        return _page(as_of, parts)
    run_id = con.execute("select max(run_id) from audit.file_manifest").fetchone()[0]
    totals = con.execute("""
        select sum(rows_read), sum(rows_loaded), sum(rows_quarantined), sum(rows_superseded), sum(rows_rejected),
               count(*) filter (where status = 'rejected'), count(*)
        from audit.file_manifest where run_id = ?""", [run_id]).fetchone()
    parts.append(
        f"<p>Run <code>{_e(run_id)}</code>: rows read <b>{_n(totals[0])}</b> = loaded {_n(totals[1])} + "
        f"quarantined <span class='bad'>{_n(totals[2])}</span> + superseded {_n(totals[3])} + in rejected files "
        f"<span class='bad'>{_n(totals[4])}</span>; files rejected {_n(totals[5])} of {_n(totals[6])}.</p>")

    parts.append("<h2>Theo đơn vị và tệp — By office and file</h2>")
    rows = con.execute("""
        select office_code, source_file, status, rows_read, rows_loaded, rows_quarantined, rows_superseded,
               rows_rejected, coalesce(message, '')
        from audit.file_manifest where run_id = ? order by office_code, source_file""", [run_id]).fetchall()
    parts.append(_table(
        ["office", "file", "status", "read", "loaded", "quarantined", "superseded", "rejected", "message"],
        [[_e(r[0]), _e(r[1]), f"<span class='{'bad' if r[2] == 'rejected' else 'ok'}'>{_e(r[2])}</span>",
          _n(r[3]), _n(r[4]), _n(r[5]), _n(r[6]), _n(r[7]), _e(r[8])] for r in rows],
        numeric={3, 4, 5, 6, 7}))

    if _has(con, "audit", "quarantine"):
        parts.append("<h2>Lý do cách ly hàng đầu — Top quarantine reasons</h2>")
        top = con.execute("""
            select split_part(source_file, '/', 2) as office, reason, "column", count(distinct (source_file, source_row)) as n_rows
            from audit.quarantine where run_id = ?
            group by all order by n_rows desc, office, reason limit 50""", [run_id]).fetchall()
        parts.append(_table(["office", "reason", "column", "rows"],
                            [[_e(a), _e(b), _e(c), _n(d)] for a, b, c, d in top], numeric={3}))
        parts.append("<h2>Dòng mẫu — Sample rows (pseudonymised)</h2>")
        sample = con.execute("""
            select source_file, source_row, record_id, reason, "column", raw_value, message
            from (select *, row_number() over (partition by split_part(source_file, '/', 2), reason
                                               order by source_file, source_row) as k
                  from audit.quarantine where run_id = ?)
            where k <= ? order by source_file, source_row""", [run_id, samples_per_reason]).fetchall()
        parts.append(_table(["file", "row", "record", "reason", "column", "value", "message"],
                            [[_e(c) for c in r] for r in sample]))
    if _has(con, "audit", "warnings"):
        parts.append("<h2>Cảnh báo — Warnings (rows loaded)</h2>")
        w = con.execute("""
            select source_file, source_row, record_id, warning from audit.warnings where run_id = ?
            order by source_file, source_row limit 200""", [run_id]).fetchall()
        parts.append(_table(["file", "row", "record", "warning"], [[_e(c) for c in r] for r in w]))
    if _has(con, "audit", "inbox_messages"):
        parts.append("<h2>Hộp thư đến — Inbox: refused, ignored and rejected</h2>")
        m = con.execute("select kind, message from audit.inbox_messages where run_id = ? order by kind, message",
                        [run_id]).fetchall()
        parts.append(_table(["kind", "message"], [[_e(a), _e(b)] for a, b in m]))
    parts.append("<h2>Đơn vị gửi dữ liệu cũ — Offices whose newest batch is older than the as-of date</h2>")
    stale = con.execute("""
        select office_code, max(batch_date) from audit.file_manifest where run_id = ?
        group by office_code having max(batch_date) < ? order by office_code""", [run_id, as_of]).fetchall()
    parts.append(_table(["office", "newest batch"], [[_e(o), d.strftime("%d/%m/%Y")] for o, d in stale]))
    return _page(as_of, parts)


def _page(as_of: date, parts: list[str]) -> str:
    return (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
            f"<title>Chất lượng dữ liệu {as_of:%d/%m/%Y}</title><style>{CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>")
