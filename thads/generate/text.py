"""Vietnamese text: name pools drawn once from faker (`vi_VN`), reasons, judgment numbers.

Faker is slow per call, so a batch draws a few thousand names once (seeded) and the tables pick from
that pool by index. Faker's `vi_VN` formats put the given name first; Vietnamese order is family name,
middle name, given name, so the pool is built from faker's name parts.
"""

from __future__ import annotations

from dataclasses import dataclass

from faker import Faker

# Status events' free-text reasons: (status code, text with an optional "{}" for the obligor, who).
# `who` is "" (no one named), "name" or "name_id" (name and ID number), as clerks sometimes write them.
REASONS: tuple[tuple[str, str, str], ...] = (
    ("dang_thi_hanh", "Thụ lý theo đơn yêu cầu thi hành án", ""),
    ("dang_thi_hanh", "Thụ lý chủ động theo bản án", ""),
    ("dang_thi_hanh", "Tiếp tục thi hành án", ""),
    ("dang_thi_hanh", "Xác minh lại, người phải thi hành án {} có tài sản", "name"),
    ("hoan_thoa_thuan", "Các đương sự thỏa thuận hoãn thi hành án", ""),
    ("hoan_thoa_thuan", "Theo đề nghị của người được thi hành án", ""),
    ("hoan_thoa_thuan", "Đương sự thỏa thuận, ông/bà {} cam kết trả dần", "name"),
    ("hoan", "Người phải thi hành án ốm nặng, có xác nhận của cơ sở y tế", ""),
    ("hoan", "Người có thẩm quyền kháng nghị yêu cầu hoãn", ""),
    ("tam_dinh_chi", "Tòa án thụ lý đơn yêu cầu mở thủ tục phá sản", ""),
    ("tam_dinh_chi", "Tạm đình chỉ để xem xét kháng nghị giám đốc thẩm", ""),
    ("chua_co_dieu_kien", "Xác minh không có tài sản, không có thu nhập", ""),
    ("chua_co_dieu_kien", "Người phải thi hành án đang chấp hành án phạt tù", ""),
    ("chua_co_dieu_kien", "Người phải thi hành án {} không có tài sản để thi hành", "name"),
    ("chua_co_dieu_kien", "Đã xác minh: {} không có điều kiện thi hành", "name_id"),
    ("theo_doi_rieng", "Chuyển sổ theo dõi riêng theo Điều 9 Nghị định 62/2015/NĐ-CP", ""),
    ("theo_doi_rieng", "Đã xác minh từ 2 lần trở lên, vẫn chưa có điều kiện thi hành", ""),
    ("xong", "Đã thi hành xong", ""),
    ("xong", "Đã chi trả xong cho người được thi hành án", ""),
    ("xong", "Người phải thi hành án {} đã nộp đủ tiền", "name"),
    ("dinh_chi", "Người phải thi hành án chết không để lại di sản", ""),
    ("dinh_chi", "Đương sự có thỏa thuận bằng văn bản không yêu cầu thi hành án", ""),
    ("dinh_chi", "Miễn nghĩa vụ thi hành án theo quyết định của Tòa án", ""),
    ("uy_thac", "Ủy thác cho cơ quan THADS nơi người phải thi hành án có tài sản", ""),
    ("uy_thac", "Ủy thác: {} chuyển nơi cư trú", "name_id"),
    ("thu_hoi", "Thu hồi quyết định thi hành án do ban hành không đúng thẩm quyền", ""),
    ("thu_hoi", "Bản án bị hủy theo thủ tục giám đốc thẩm", ""),
)

# Judgment number suffixes by judgment type (first instance, appeal).
JUDGMENT_CODES = {
    "dan_su": ("DS-ST", "DS-PT"),
    "hinh_su": ("HS-ST", "HS-PT"),
    "hanh_chinh": ("HC-ST", "HC-PT"),
    "hon_nhan_gia_dinh": ("HNGĐ-ST", "HNGĐ-PT"),
    "kinh_doanh_thuong_mai": ("KDTM-ST", "KDTM-PT"),
    "lao_dong": ("LĐ-ST", "LĐ-PT"),
    "pha_san": ("QĐ-TBPS", "QĐ-TBPS"),
    "trong_tai": ("QĐ-TTTM", "QĐ-TTTM"),
    "khac": ("QĐ", "QĐ"),
}

STATE_BUDGET = ("Ngân sách nhà nước", "Chi cục Thuế khu vực Bắc Trung Bộ", "Kho bạc Nhà nước Nghệ An",
                "Ngân sách nhà nước (án phí)")
OTHER_OBLIGEES = ("Ủy ban nhân dân xã Nghi Phú", "Ủy ban nhân dân phường Trường Thi", "Hợp tác xã nông nghiệp Diễn Thịnh",
                  "Ban quản lý dự án huyện Quỳnh Lưu", "Quỹ tín dụng nhân dân Diễn Châu")
VALUERS = ("Công ty Cổ phần Thẩm định giá và Dịch vụ tài chính Việt Nam", "Công ty TNHH Thẩm định giá Hoàng Quân",
           "Công ty Cổ phần Thẩm định giá Nghệ An", "Công ty TNHH Thẩm định giá và Giám định Việt Nam",
           "Công ty Cổ phần Giám định - Thẩm định Sài Gòn", "Công ty TNHH Thẩm định giá Bắc Miền Trung")
AUCTION_ORGS = ("Trung tâm Dịch vụ đấu giá tài sản tỉnh Nghệ An", "Công ty Đấu giá hợp danh Nghệ An",
                "Công ty Đấu giá hợp danh Việt Bắc", "Công ty Đấu giá hợp danh Lạc Việt",
                "Công ty Đấu giá hợp danh Thành Vinh")
TRADES = ("Xây dựng", "Thương mại", "Vận tải", "Đầu tư", "Sản xuất", "Dịch vụ", "Thủy sản", "Vật liệu xây dựng",
          "Bất động sản", "Nông sản")


@dataclass(frozen=True)
class Pools:
    persons: tuple[str, ...]
    companies: tuple[str, ...]


def build_pools(seed: int, n_persons: int = 4000, n_companies: int = 800) -> Pools:
    fake = Faker("vi_VN")
    fake.seed_instance(seed)
    persons = []
    for i in range(n_persons):
        male = fake.random_int(0, 1) == 1
        middle = (fake.random_element(("Văn", "Văn", "Đức", "Hữu", "Quang", "Xuân", "Minh"))
                  if male else fake.random_element(("Thị", "Thị", "Thị", "Ngọc", "Thu", "Hồng", "Thanh")))
        given = fake.first_name_male() if male else fake.first_name_female()
        persons.append(f"{fake.last_name()} {middle} {given}")
    companies = []
    for i in range(n_companies):
        suffix = fake.random_element(("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV", "Doanh nghiệp tư nhân"))
        name = f"{fake.first_name_male()} {fake.first_name_female()}"  # trade names like "Hưng Lan"
        companies.append(f"{suffix} {fake.random_element(TRADES)} {name}")
    return Pools(tuple(persons), tuple(companies))
