"""The Excel workbook of the report (the official results-by-case and results-by-money forms) and the
CSV copies of the page's tables.

`bao_cao.xlsx` holds, for the statistical year to the as-of date, one sheet per form and scope:
results by case (kết quả tính bằng việc) and by money (tính bằng tiền), for all cases and for credit and
banking cases; the province first ("Toàn tỉnh"), then every office. Numbers are numbers (money in đồng,
`#,##0`; rates unrounded with a two-decimal format), headings are Vietnamese, and the column numbers row
says how columns relate, as on the paper forms.

Every text cell, here and in CSV, passes through `formatting.neutralise_formula`, so a value from the
registers such as `=HYPERLINK(...)` is shown as text and never run by a spreadsheet.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import xlsxwriter

from thads.publish import charts as C
from thads.publish.formatting import (
    format_date,
    neutralise_formula,
    same_day_last_year,
    statistical_year,
    statistical_year_start,
)

# (column, heading, number note) — the number note is the form's column numbering row
CASE_FORM: tuple[tuple[str, str, str], ...] = (
    ("handled", "Tổng số thụ lý", "(1) = (2) + (3)"),
    ("carried_over", "Năm trước chuyển sang", "(2)"),
    ("new_cases", "Thụ lý mới", "(3)"),
    ("entrusted", "Ủy thác", "(4)"),
    ("withdrawn", "Thu hồi, hủy quyết định", "(5)"),
    ("moved_to_separate", "Chuyển sổ theo dõi riêng", "(6)"),
    ("to_enforce", "Tổng số phải thi hành", "(7) = (1) − (4) − (5) − (6)"),
    ("with_conditions", "Có điều kiện thi hành", "(8)"),
    ("completed", "Thi hành xong (kể cả đình chỉ)", "(9)"),
    ("without_conditions", "Chưa có điều kiện thi hành", "(10) = (7) − (8)"),
    ("carried_forward", "Chuyển kỳ sau", "(11) = (7) − (9)"),
    ("rate_cases", "Tỷ lệ thi hành xong về việc (%)", "(12) = (9) / (8) × 100"),
)

MONEY_FORM: tuple[tuple[str, str, str], ...] = (
    ("money_to_enforce", "Tổng số tiền phải thi hành", "(1)"),
    ("money_with_conditions", "Có điều kiện thi hành", "(2)"),
    ("money_completed", "Thi hành xong", "(3) = (4) + (5) + (6)"),
    ("money_paid", "Trong đó: thu được", "(4)"),
    ("money_exempted", "Trong đó: miễn, giảm", "(5)"),
    ("money_closed_remainder", "Trong đó: phần còn lại của việc xong, đình chỉ", "(6)"),
    ("money_without_conditions", "Chưa có điều kiện thi hành", "(7) = (1) − (2)"),
    ("money_carried_forward", "Chuyển kỳ sau", "(8) = (1) − (3)"),
    ("rate_money", "Tỷ lệ thi hành xong về tiền (%)", "(9) = (3) / (2) × 100"),
    ("money_recovered", "Tiền thu được trong kỳ (mọi việc)", "(10)"),
)

SHEETS = (
    ("Về việc - Tất cả", "KẾT QUẢ THI HÀNH ÁN DÂN SỰ TÍNH BẰNG VIỆC", CASE_FORM, "all", "việc"),
    ("Về tiền - Tất cả", "KẾT QUẢ THI HÀNH ÁN DÂN SỰ TÍNH BẰNG TIỀN", MONEY_FORM, "all", "đồng"),
    ("Về việc - Tín dụng", "KẾT QUẢ THI HÀNH ÁN TÍN DỤNG, NGÂN HÀNG TÍNH BẰNG VIỆC", CASE_FORM, "credit", "việc"),
    ("Về tiền - Tín dụng", "KẾT QUẢ THI HÀNH ÁN TÍN DỤNG, NGÂN HÀNG TÍNH BẰNG TIỀN", MONEY_FORM, "credit", "đồng"),
)


def write_text(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """The only way this module writes text: neutralised, and as a string (never parsed as a formula)."""
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, neutralise_formula(str(value)), fmt)


def write_csv(df: pl.DataFrame, path: Path) -> Path:
    """A table as CSV for Excel users: UTF-8 with BOM, every text cell neutralised against formulas."""
    text_cols = [name for name, dtype in df.schema.items() if dtype == pl.String]
    if text_cols:
        df = df.with_columns(pl.col(c).map_elements(neutralise_formula, return_dtype=pl.String) for c in text_cols)
    df.write_csv(path, include_bom=True)
    return path


def _kpi_rows(con: duckdb.DuckDBPyConnection, as_of: date, scope: str) -> list[dict[str, Any]]:
    if not C.table_exists(con, "marts.kpi_period"):
        return []
    found = C.rows(con, """select * from marts.kpi_period where period_kind = 'ytd' and scope = ? and period_end = ?
                           order by office_code = 'ALL' desc, office_code""", [scope, as_of])
    for r in found:
        r["money_without_conditions"] = (None if r.get("money_to_enforce") is None
                                         or r.get("money_with_conditions") is None
                                         else r["money_to_enforce"] - r["money_with_conditions"])
    return found


def write_kpi_workbook(con: duckdb.DuckDBPyConnection, as_of: date, path: Path) -> Path:
    names = C.office_names(con)
    year = statistical_year(as_of)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    try:
        title = wb.add_format({"bold": True, "font_size": 13})
        sub = wb.add_format({"italic": True})
        head = wb.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                              "border": 1, "bg_color": "#E8EEF4"})
        numhead = wb.add_format({"italic": True, "align": "center", "border": 1, "font_size": 9})
        text = wb.add_format({"border": 1})
        text_bold = wb.add_format({"border": 1, "bold": True})
        integer = wb.add_format({"num_format": "#,##0", "border": 1})
        integer_bold = wb.add_format({"num_format": "#,##0", "border": 1, "bold": True})
        rate = wb.add_format({"num_format": "0.00", "border": 1})
        rate_bold = wb.add_format({"num_format": "0.00", "border": 1, "bold": True})
        note = wb.add_format({"italic": True, "font_color": "#555555"})

        for sheet_name, heading, form, scope, unit in SHEETS:
            ws = wb.add_worksheet(sheet_name)
            write_text(ws, 0, 0, heading, title)
            write_text(ws, 1, 0, f"Năm thống kê {year}: từ ngày {format_date(statistical_year_start(as_of))} "
                                 f"đến ngày {format_date(as_of)}", sub)
            write_text(ws, 2, 0, f"Phạm vi: {'tất cả các việc' if scope == 'all' else 'án tín dụng, ngân hàng'}. "
                                 f"Đơn vị tính: {unit}; tỷ lệ: %.", sub)
            hr = 4
            write_text(ws, hr, 0, "STT", head)
            write_text(ws, hr, 1, "Đơn vị", head)
            write_text(ws, hr + 1, 0, "A", numhead)
            write_text(ws, hr + 1, 1, "B", numhead)
            for j, (_, label, number) in enumerate(form, start=2):
                write_text(ws, hr, j, label, head)
                write_text(ws, hr + 1, j, number, numhead)
            ws.set_row(hr, 48)
            rows = _kpi_rows(con, as_of, scope)
            r = hr + 2
            number = 0
            for row in rows:
                province = row["office_code"] == "ALL"
                number += 0 if province else 1
                write_text(ws, r, 0, None if province else str(number), text)
                write_text(ws, r, 1, "Toàn tỉnh" if province else names.get(row["office_code"], row["office_code"]),
                           text_bold if province else text)
                for j, (col, _, _) in enumerate(form, start=2):
                    value = row.get(col)
                    is_rate = col.startswith("rate_")
                    fmt = (rate_bold if province else rate) if is_rate else (integer_bold if province else integer)
                    if value is None:
                        ws.write_blank(r, j, None, fmt)
                    else:
                        ws.write_number(r, j, float(value) if is_rate else int(value), fmt)
                r += 1
            if not rows:
                write_text(ws, r, 1, "Không có dữ liệu", text)
                r += 1
            write_text(ws, r + 1, 0, "Tỷ lệ lưu giá trị chưa làm tròn (hiển thị hai chữ số thập phân). Số phải thi "
                                     "hành của các kỳ trước tính theo số tiền hiện nay trong sổ.", note)
            ws.set_column(0, 0, 5)
            ws.set_column(1, 1, 44)
            ws.set_column(2, 1 + len(form), 17)
            ws.freeze_panes(hr + 2, 2)
            ws.set_landscape()
            ws.set_paper(9)  # A4
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(hr, hr + 1)

        ws = wb.add_worksheet("Ghi chú")
        notes = [
            "Ghi chú",
            f"Số liệu đến ngày {format_date(as_of)}; cùng kỳ năm trước là ngày {format_date(same_day_last_year(as_of))}.",
            "Thi hành xong gồm cả việc đình chỉ và việc ủy thác đã thi hành được một phần trong kỳ.",
            "Việc chuyển sổ theo dõi riêng không tính vào tổng số phải thi hành.",
            "Tỷ lệ = thi hành xong ÷ có điều kiện × 100; trống khi không có việc (tiền) có điều kiện.",
            "Số tiền tính bằng đồng.",
        ]
        for i, line in enumerate(notes):
            write_text(ws, i, 0, line, title if i == 0 else None)
        ws.set_column(0, 0, 110)
    finally:
        wb.close()
    return path
