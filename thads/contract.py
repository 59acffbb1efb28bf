"""The input data contract (`shared/spec/data-contract.md`) as data.

One place that knows the seven record types, their columns, Vietnamese labels, value types and
enumerations. The generator writes files from it, the readers map headers and parse values with it, and
the expectation suites check enums against it. It describes the *input*; it validates nothing itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------------------
# Enumerations: code -> Vietnamese labels (the first label is the one the generator writes).
# --------------------------------------------------------------------------------------------------

ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "judgment_type": {
        "dan_su": ("Dân sự",),
        "hinh_su": ("Hình sự",),
        "hanh_chinh": ("Hành chính",),
        "hon_nhan_gia_dinh": ("Hôn nhân và gia đình", "Hôn nhân gia đình"),
        "kinh_doanh_thuong_mai": ("Kinh doanh thương mại",),
        "lao_dong": ("Lao động",),
        "pha_san": ("Phá sản",),
        "trong_tai": ("Trọng tài thương mại", "Trọng tài"),
        "khac": ("Khác",),
    },
    "initiation": {
        "chu_dong": ("Chủ động",),
        "theo_don": ("Theo đơn", "Theo yêu cầu", "Theo đơn (Theo yêu cầu)"),
    },
    "obligee_type": {
        "ca_nhan": ("Cá nhân",),
        "to_chuc_tin_dung": ("Tổ chức tín dụng",),
        "ngan_sach": ("Ngân sách nhà nước", "Ngân sách"),
        "doanh_nghiep": ("Doanh nghiệp",),
        "khac": ("Khác",),
    },
    "status": {
        "dang_thi_hanh": ("Đang thi hành",),
        "hoan_thoa_thuan": (
            "Hoãn thi hành án theo thỏa thuận của đương sự (Điều 48.1.c)",
            "Hoãn thi hành án theo thỏa thuận của đương sự",
            "Hoãn theo thỏa thuận",
        ),
        "hoan": ("Hoãn thi hành án", "Hoãn"),
        "tam_dinh_chi": ("Tạm đình chỉ thi hành án", "Tạm đình chỉ"),
        "chua_co_dieu_kien": ("Chưa có điều kiện thi hành", "Chưa có điều kiện"),
        "theo_doi_rieng": ("Chuyển sổ theo dõi riêng", "Theo dõi riêng"),
        "xong": ("Thi hành xong", "Xong"),
        "dinh_chi": ("Đình chỉ thi hành án", "Đình chỉ"),
        "uy_thac": ("Ủy thác",),
        "thu_hoi": ("Thu hồi, hủy quyết định", "Thu hồi"),
    },
    "payment_kind": {
        "tu_nguyen": ("Tự nguyện",),
        "cuong_che": ("Cưỡng chế",),
        "ban_tai_san": ("Bán tài sản",),
        "mien_giam": ("Miễn giảm",),
    },
    "asset_type": {
        "bat_dong_san": ("Bất động sản",),
        "dong_san": ("Động sản",),
        "phuong_tien": ("Phương tiện",),
        "co_phan": ("Cổ phần",),
        "khac": ("Khác",),
    },
    "disposition": {
        "da_ban": ("Đã bán",),
        "nguoi_duoc_nhan": ("Người được thi hành án nhận",),
        "tra_lai": ("Trả lại",),
        "giai_toa": ("Giải tỏa",),
    },
    "valuation_kind": {
        "lan_dau": ("Lần đầu",),
        "dinh_gia_lai": ("Định giá lại",),
    },
    "auction_outcome": {
        "thanh": ("Thành",),
        "khong_thanh": ("Không thành",),
        "huy": ("Hủy",),
    },
    "complaint_kind": {
        "khieu_nai": ("Khiếu nại",),
        "to_cao": ("Tố cáo",),
    },
}

OPEN_STATUSES = ("dang_thi_hanh", "hoan_thoa_thuan", "hoan", "tam_dinh_chi", "chua_co_dieu_kien")
WITH_CONDITIONS_OPEN = ("dang_thi_hanh", "hoan_thoa_thuan")
WITHOUT_CONDITIONS = ("hoan", "tam_dinh_chi", "chua_co_dieu_kien")
SEPARATE_REGISTER = "theo_doi_rieng"
CLOSED_STATUSES = ("xong", "dinh_chi", "uy_thac", "thu_hoi")


# --------------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str
    label: str  # Vietnamese header used by offices that do not write canonical names
    kind: str  # "str" | "date" | "money" | "bool" | "int" | "enum"
    required: bool = False  # the value must be present (and so the column)
    enum: str | None = None  # key into ENUMS when kind == "enum"
    personal: bool = False  # personal data: never leaves ingest in clear
    free_text: bool = False  # may carry anything a clerk typed, personal data included
    # A required column that may hold empty cells (booleans: empty reads as false).
    column_required: bool = False


@dataclass(frozen=True)
class RecordType:
    name: str
    label: str
    key: str  # the record's own ID column
    columns: tuple[Column, ...]
    parent: tuple[str, str] | None = None  # (parent record type, reference column)
    parent_optional: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def required_columns(self) -> list[str]:
        """Columns whose absence rejects a file."""
        return [c.name for c in self.columns if c.required or c.column_required]


def _c(name, label, kind, required=False, enum=None, **kw) -> Column:
    return Column(name, label, kind, required, enum, **kw)


RECORD_TYPES: dict[str, RecordType] = {
    rt.name: rt
    for rt in (
        RecordType(
            "cases",
            "Việc thi hành án",
            "case_id",
            (
                _c("case_id", "Mã việc", "str", True),
                _c("office_code", "Mã đơn vị", "str", True),
                _c("officer_id", "Mã chấp hành viên", "str"),
                _c("judgment_no", "Số bản án, quyết định", "str", True),
                _c("judgment_type", "Loại việc", "enum", True, "judgment_type"),
                _c("initiation", "Hình thức thi hành", "enum", True, "initiation"),
                _c("received_date", "Ngày thụ lý", "date", True),
                _c("decision_date", "Ngày ra quyết định thi hành án", "date"),
                _c("obligee_type", "Loại người được thi hành án", "enum", True, "obligee_type"),
                _c("obligee_name", "Người được thi hành án", "str", personal=True),
                _c("obligor_name", "Người phải thi hành án", "str", personal=True),
                _c("obligor_id_number", "Số định danh người phải thi hành án", "str", personal=True),
                _c("credit_case", "Án tín dụng, ngân hàng", "bool", column_required=True),
                _c("credit_institution", "Tổ chức tín dụng", "str"),
                _c("amount_due", "Số tiền phải thi hành", "money", True),
                _c("status", "Trạng thái", "enum", True, "status"),
                _c("status_date", "Ngày trạng thái", "date", True),
            ),
        ),
        RecordType(
            "status_events",
            "Diễn biến trạng thái",
            "case_id",  # events have no own ID: (file, row) identifies them
            (
                _c("case_id", "Mã việc", "str", True),
                _c("office_code", "Mã đơn vị", "str", True),
                _c("event_date", "Ngày", "date", True),
                _c("status", "Trạng thái", "enum", True, "status"),
                _c("reason", "Lý do", "str", free_text=True),
            ),
            parent=("cases", "case_id"),
        ),
        RecordType(
            "payments",
            "Kết quả thu, giảm",
            "payment_id",
            (
                _c("payment_id", "Mã khoản thu", "str", True),
                _c("case_id", "Mã việc", "str", True),
                _c("office_code", "Mã đơn vị", "str", True),
                _c("payment_date", "Ngày", "date", True),
                _c("amount", "Số tiền", "money", True),
                _c("kind", "Loại", "enum", True, "payment_kind"),
            ),
            parent=("cases", "case_id"),
        ),
        RecordType(
            "assets",
            "Tài sản kê biên",
            "asset_id",
            (
                _c("asset_id", "Mã tài sản", "str", True),
                _c("case_id", "Mã việc", "str", True),
                _c("office_code", "Mã đơn vị", "str", True),
                _c("asset_type", "Loại tài sản", "enum", True, "asset_type"),
                _c("seizure_date", "Ngày kê biên", "date", True),
                _c("price_agreed", "Giá thỏa thuận", "bool"),
                _c("is_collateral", "Tài sản bảo đảm", "bool"),
                _c("disposition", "Kết quả xử lý", "enum", enum="disposition"),
                _c("disposition_date", "Ngày xử lý", "date"),
                _c("handover_date", "Ngày bàn giao", "date"),
            ),
            parent=("cases", "case_id"),
        ),
        RecordType(
            "valuations",
            "Thẩm định giá",
            "valuation_id",
            (
                _c("valuation_id", "Mã thẩm định", "str", True),
                _c("asset_id", "Mã tài sản", "str", True),
                _c("office_code", "Mã đơn vị", "str", True),
                _c("kind", "Lần", "enum", True, "valuation_kind"),
                _c("contract_date", "Ngày ký hợp đồng thẩm định", "date"),
                _c("certificate_date", "Ngày chứng thư", "date"),
                _c("valid_until", "Hiệu lực đến", "date"),
                _c("value", "Giá trị", "money"),
                _c("valuer", "Tổ chức thẩm định giá", "str"),
                _c("disputed", "Có khiếu nại về giá", "bool"),
            ),
            parent=("assets", "asset_id"),
        ),
        RecordType(
            "auctions",
            "Bán đấu giá",
            "auction_id",
            (
                _c("auction_id", "Mã cuộc đấu giá", "str", True),
                _c("asset_id", "Mã tài sản", "str", True),
                _c("office_code", "Mã đơn vị", "str", True),
                _c("round_no", "Lần đấu giá", "int", True),
                _c("contract_date", "Ngày ký hợp đồng đấu giá", "date", True),
                _c("auction_date", "Ngày đấu giá", "date"),
                _c("starting_price", "Giá khởi điểm", "money", True),
                _c("outcome", "Kết quả", "enum", enum="auction_outcome"),
                _c("sale_price", "Giá trúng", "money"),
                _c("auction_org", "Tổ chức đấu giá", "str"),
            ),
            parent=("assets", "asset_id"),
        ),
        RecordType(
            "complaints",
            "Khiếu nại, tố cáo",
            "complaint_id",
            (
                _c("complaint_id", "Mã đơn", "str", True),
                _c("case_id", "Mã việc", "str"),
                _c("office_code", "Mã đơn vị", "str", True),
                _c("kind", "Loại", "enum", True, "complaint_kind"),
                _c("received_date", "Ngày nhận", "date", True),
                _c("resolved_date", "Ngày giải quyết", "date"),
                _c("escalated", "Vượt cấp", "bool"),
            ),
            parent=("cases", "case_id"),
            parent_optional=True,
        ),
    )
}

RECORD_TYPE_ORDER = tuple(RECORD_TYPES)  # parents before children

# Lineage columns every ingested row carries (issue 3).
LINEAGE_COLUMNS = ("batch_date", "batch_office", "source_file", "source_row", "file_sha256")


# --------------------------------------------------------------------------------------------------
# Text normalisation shared by header and enum matching.
# --------------------------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case-, space- and diacritic-insensitive form: `Ngày thụ lý` -> `ngay thu ly`."""
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d").replace("Đ", "D")
    return _SPACES.sub(" ", text).strip().casefold()


def header_lookup(record_type: str) -> dict[str, str]:
    """Folded header (canonical name or Vietnamese label) -> canonical column name."""
    rt = RECORD_TYPES[record_type]
    out: dict[str, str] = {}
    for c in rt.columns:
        out[fold(c.name)] = c.name
        out[fold(c.label)] = c.name
    return out


def enum_lookup(enum: str) -> dict[str, str]:
    """Folded code or label -> code."""
    out: dict[str, str] = {}
    for code, labels in ENUMS[enum].items():
        out[fold(code)] = code
        for label in labels:
            out[fold(label)] = code
    return out
