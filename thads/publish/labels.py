"""Vietnamese and English labels for the codes the marts use, and the report's fixed texts.

Every label is a pair `(vi, en)`; `label(table, code, lang)` falls back to the code itself, so a code the
marts add later still shows (as its code) instead of failing the report.
"""

from __future__ import annotations

Pair = tuple[str, str]

STAGES: dict[str, Pair] = {
    "cho_dinh_gia": ("Chờ thẩm định giá", "Awaiting valuation"),
    "cho_dau_gia": ("Chờ đấu giá", "Awaiting auction"),
    "dang_dau_gia": ("Đang đấu giá", "Auction under way"),
    "da_ban": ("Đã bán, chưa bàn giao", "Sold, not handed over"),
    "da_ban_giao": ("Đã bán và bàn giao", "Sold and handed over"),
    "nguoi_duoc_nhan": ("Người được THA nhận", "Taken by the obligee"),
    "tra_lai": ("Trả lại", "Returned"),
    "giai_toa": ("Giải tỏa kê biên", "Released"),
}
PENDING_STAGES = ("cho_dinh_gia", "cho_dau_gia", "dang_dau_gia")

CONDITION_CLASSES: dict[str, Pair] = {
    "with": ("Có điều kiện", "With conditions"),
    "without": ("Chưa có điều kiện", "Without conditions"),
    "separate": ("Sổ theo dõi riêng", "Separate register"),
}

AGE_BUCKETS: dict[str, Pair] = {
    "0-6m": ("Dưới 6 tháng", "Under 6 months"),
    "6-12m": ("6–12 tháng", "6–12 months"),
    "1-2y": ("1–2 năm", "1–2 years"),
    "2-5y": ("2–5 năm", "2–5 years"),
    "5-10y": ("5–10 năm", "5–10 years"),
    "10y+": ("Trên 10 năm", "Over 10 years"),
}
OVER_ONE_YEAR = ("1-2y", "2-5y", "5-10y", "10y+")

RULES: dict[str, Pair] = {
    "decision_late": ("Ra quyết định thi hành án muộn", "Late enforcement decision"),
    "valuation_contract_late": ("Ký hợp đồng thẩm định giá muộn", "Late valuation contract"),
    "auction_contract_late": ("Ký hợp đồng đấu giá muộn", "Late auction contract"),
    "auction_held_late": ("Tổ chức đấu giá muộn", "Late auction"),
    "price_cut_late": ("Giảm giá, đấu giá lại muộn", "Late price cut / new round"),
    "certificate_expired": ("Chứng thư thẩm định giá hết hiệu lực", "Valuation certificate expired"),
    "handover_late": ("Bàn giao tài sản đã bán muộn", "Late handover of a sold asset"),
}

STATUSES: dict[str, Pair] = {
    "dang_thi_hanh": ("Đang thi hành", "Being enforced"),
    "hoan_thoa_thuan": ("Hoãn theo thỏa thuận", "Postponed by agreement"),
    "hoan": ("Hoãn thi hành án", "Postponed"),
    "tam_dinh_chi": ("Tạm đình chỉ", "Suspended"),
    "chua_co_dieu_kien": ("Chưa có điều kiện", "Without conditions"),
    "theo_doi_rieng": ("Sổ theo dõi riêng", "Separate register"),
    "xong": ("Thi hành xong", "Completed"),
    "dinh_chi": ("Đình chỉ", "Terminated"),
    "uy_thac": ("Ủy thác", "Entrusted"),
    "thu_hoi": ("Thu hồi, hủy quyết định", "Withdrawn"),
}

RECORD_TYPES: dict[str, Pair] = {
    "cases": ("Việc thi hành án", "Cases"),
    "status_events": ("Diễn biến trạng thái", "Status events"),
    "payments": ("Kết quả thu, giảm", "Payments"),
    "assets": ("Tài sản kê biên", "Seized assets"),
    "valuations": ("Thẩm định giá", "Valuations"),
    "auctions": ("Đấu giá", "Auctions"),
    "complaints": ("Khiếu nại, tố cáo", "Complaints"),
}

FILE_STATUSES: dict[str, Pair] = {
    "accepted": ("Đã nhận", "Accepted"),
    "rejected": ("Bị từ chối", "Rejected"),
    "standing": ("Dùng bản trước", "Previous version stands"),
}

PROJECTION_METHODS: dict[str, Pair] = {
    "seasonal_last_year": (
        "nhân số liệu lũy kế năm nay với tỷ lệ giữa cả năm trước và cùng kỳ năm trước (tính mùa vụ)",
        "this year's figures to date scaled by last year's ratio of full year to the same date (seasonality)",
    ),
    "share_of_year": (
        "ngoại suy theo phần thời gian còn lại của năm (không có số liệu năm trước)",
        "extrapolated by the share of the year still to come (no previous year)",
    ),
}


def label(table: dict[str, Pair], code: str | None, lang: str = "vi") -> str:
    if code is None:
        return "—"
    pair = table.get(code)
    if pair is None:
        return str(code)
    return pair[0] if lang == "vi" else pair[1]
