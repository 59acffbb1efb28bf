"""Table display for the analysts' notebooks: Vietnamese number, money, date and code labels.

Display only. Every figure comes from the warehouse (marts and audit tables, through plain SQL); this
module turns columns into text with `thads.publish.formatting` and `thads.publish.labels`, gives them
Vietnamese headers and hands the table to Jupyter (a pandas Styler without the index, so texts show
without quotes), the way the committee's report shows its tables.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import polars as pl
from pandas.io.formats.style import Styler

from thads import contract
from thads.publish import labels as L
from thads.publish.formatting import (MISSING, format_bool, format_date, format_decimal, format_int, format_money,
                                      format_pct, money_unit_for)

# Vietnamese headers for the columns the notebooks show (a column not listed keeps its name).
HEADERS: dict[str, str] = {
    "office_code": "Đơn vị", "officer_id": "Chấp hành viên (mã)", "case_id": "Mã việc", "asset_id": "Mã tài sản",
    "auction_id": "Mã cuộc đấu giá", "valuation_id": "Mã thẩm định giá",
    "condition_class": "Loại", "age_bucket": "Thời gian tồn", "age_days": "Số ngày tồn", "status": "Trạng thái",
    "case_status": "Trạng thái việc", "status_date": "Ngày trạng thái", "received_date": "Ngày thụ lý",
    "judgment_type": "Loại bản án", "cases": "Số việc", "pending": "Việc tồn", "money_outstanding": "Tiền còn phải thi hành",
    "amount_due": "Số tiền phải thi hành", "money_paid_to_date": "Đã thu", "money_exempted_to_date": "Đã miễn, giảm",
    "assets": "Tài sản kê biên", "open_breaches": "Vi phạm thời hạn đang mở", "total_breaches": "Tổng vi phạm thời hạn",
    "pending_with_conditions": "Tồn có điều kiện", "pending_without_conditions": "Tồn chưa có điều kiện",
    "pending_separate": "Sổ theo dõi riêng", "completed_ytd": "Xong từ đầu năm",
    "stage": "Giai đoạn", "asset_type": "Loại tài sản", "days_in_stage": "Số ngày ở giai đoạn",
    "stage_start_date": "Từ ngày", "seizure_date": "Ngày kê biên", "rounds": "Số lần đấu giá",
    "failed_rounds": "Lần không thành", "revaluations": "Thẩm định lại", "stuck": "Vướng",
    "first_starting_price": "Giá khởi điểm lần đầu", "latest_starting_price": "Giá khởi điểm gần nhất",
    "cumulative_reduction_pct": "Đã giảm (lũy kế)", "case_money_outstanding": "Tiền còn phải thi hành của việc",
    "round_no": "Lần", "contract_date": "Ngày hợp đồng", "auction_date": "Ngày đấu giá",
    "starting_price": "Giá khởi điểm", "outcome": "Kết quả", "sale_price": "Giá bán", "cut_pct": "Giảm so với lần trước",
    "cumulative_cut_pct": "Giảm so với lần đầu", "rule": "Quy định thời hạn", "breaches": "Số vi phạm",
    "open": "Đang mở", "due_date": "Hạn", "actual_date": "Ngày thực hiện", "days_over": "Số ngày quá hạn",
    "law": "Căn cứ", "provisional": "Tạm tính", "credit_institution": "Tổ chức tín dụng",
    "money_to_enforce": "Tiền phải thi hành", "money_completed": "Tiền thi hành xong", "rate_money": "Tỷ lệ về tiền",
    "money_recovered": "Tiền đã thu", "share_of_all_cases": "Tỷ trọng về việc", "share_of_all_money": "Tỷ trọng về tiền",
    "pending_assets": "Tài sản chưa xử lý", "stuck_assets": "Tài sản vướng", "record_type": "Loại dữ liệu",
    "reason": "Lý do", "column": "Cột", "rows": "Số dòng", "example": "Ví dụ thông báo", "as_of": "Ngày số liệu",
    "rows_read": "Dòng đọc", "rows_loaded": "Dòng nạp", "rows_quarantined": "Dòng cách ly",
    "rows_superseded": "Dòng bị thay thế", "rows_rejected": "Dòng trong tệp bị từ chối", "files": "Số tệp",
    "files_rejected": "Tệp bị từ chối", "source_file": "Tệp", "message": "Thông báo", "batch_date": "Ngày kết xuất",
    "newest_accepted_batch_date": "Lô nhận mới nhất", "newest_sent_batch_date": "Lô gửi mới nhất",
    "newest_rejected_batch_date": "Lô bị từ chối mới nhất", "days_behind": "Chậm (ngày)", "missing": "Chưa từng nhận",
    "stale": "Cũ", "warning": "Cảnh báo", "kind": "Loại thông báo", "initiation": "Hình thức",
    "credit_institution_canonical": "Tổ chức tín dụng", "credit_case": "Án tín dụng, ngân hàng",
}



def _contract_labels(enum: str) -> dict[str, tuple[str, str]]:
    """The data contract's Vietnamese label of each code (its first label), as a (vi, en) pair."""
    return {code: (names[0], code) for code, names in contract.ENUMS[enum].items()}


# Code columns shown by their Vietnamese label (the report's labels, else the data contract's).
CODE_LABELS: dict[str, Mapping[str, tuple[str, str]]] = {
    "condition_class": L.CONDITION_CLASSES, "age_bucket": L.AGE_BUCKETS, "status": L.STATUSES,
    "case_status": L.STATUSES, "stage": L.STAGES, "rule": L.RULES, "record_type": L.RECORD_TYPES,
    "judgment_type": _contract_labels("judgment_type"), "initiation": _contract_labels("initiation"),
    "asset_type": _contract_labels("asset_type"), "outcome": _contract_labels("auction_outcome"),
}


def formatted(df: pl.DataFrame, *, money: Iterable[str] = (), pct: Iterable[str] = (), ints: Iterable[str] = (),
              codes: Iterable[str] | None = None, headers: Mapping[str, str] | None = None,
              column_labels: Mapping[str, tuple[str, str]] | None = None, unit: str | None = None) -> pl.DataFrame:
    """`df` as text to read: money in one unit per column (`12,35 triệu đồng`), rates `75,81 %`, integers
    `1.234`, dates `30/06/2026`, yes/no `có`/`không`, codes as their labels, Vietnamese headers, no index.

    By type: dates, booleans and integers (but years, `…year`) are formatted as such, other decimals with two
    places; `money` and `pct` name the columns that hold đồng or percentages, `ints` decimals to show as whole
    numbers (a median in days). `codes` defaults to every column of `CODE_LABELS` present; `column_labels`
    relabels the columns themselves (a pivot's codes). `unit` (`ty`, `trieu`) forces the money unit, else each
    money column takes the one its largest amount needs. `office_code` `ALL` reads "Toàn tỉnh", an empty
    `officer_id` "(chưa phân công)", any other empty value "—".
    """
    out = df.with_columns(pl.col(pl.Null).cast(pl.String))
    if "office_code" in out.columns:
        out = out.with_columns(pl.col("office_code").replace("ALL", "Toàn tỉnh"))
    if "officer_id" in out.columns:
        out = out.with_columns(pl.col("officer_id").fill_null("(chưa phân công)"))
    formats = {}
    for col in money:
        col_unit = unit or money_unit_for(out[col].to_list())
        formats[col] = lambda v, u=col_unit: format_money(v, unit=u)
    formats.update({col: format_pct for col in pct})
    formats.update({col: format_int for col in ints})
    for col, dtype in out.schema.items():
        if col in formats:
            continue
        if dtype == pl.Date:
            formats[col] = format_date
        elif dtype == pl.Boolean:
            formats[col] = format_bool
        elif dtype.is_integer() and not col.endswith("year"):
            formats[col] = format_int
        elif dtype.is_float() or dtype.is_decimal():
            formats[col] = format_decimal
    for col in (codes if codes is not None else [c for c in CODE_LABELS if c in out.columns]):
        formats[col] = lambda v, t=CODE_LABELS[col]: L.label(t, v)
    out = out.with_columns(pl.col(col).map_elements(fmt, return_dtype=pl.String, skip_nulls=False)
                           for col, fmt in formats.items())
    out = out.with_columns(pl.col(pl.String).fill_null(MISSING))
    names = {**HEADERS, **{code: L.label(column_labels, code) for code in (column_labels or {})},
             **(headers or {})}
    return out.rename({c: names[c] for c in out.columns if c in names})


def show(df: pl.DataFrame, **how) -> Styler:
    """The table `formatted(df, **how)`, for Jupyter to display (no index, texts without quotes)."""
    return formatted(df, **how).to_pandas().style.hide(axis="index")


def show_record(df: pl.DataFrame, title: str = "", **how) -> Styler:
    """The first row of `df` as a two-column card (field, value), formatted like `show`."""
    card = formatted(df.head(1), **how).transpose(include_header=True, header_name=title or "Trường",
                                                   column_names=["Giá trị"])
    return card.to_pandas().style.hide(axis="index")

