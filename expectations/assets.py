"""Business rules for seized assets (Tài sản kê biên)."""

from expectations import rules as r

RECORD_TYPE = "assets"


def expectations(known_offices: list[str]) -> list:
    return [
        *r.required(RECORD_TYPE),
        *r.enums(RECORD_TYPE),
        r.office_known(known_offices),
        r.unique_within_office("asset_id"),
        r.not_before("seizure_date", "chk_case_received_date",
                     "seizure_date (Ngày kê biên) is before the case's received_date (Ngày thụ lý)"),
        r.not_before("disposition_date", "seizure_date",
                     "disposition_date (Ngày xử lý) is before seizure_date (Ngày kê biên)"),
        r.not_before("handover_date", "disposition_date",
                     "handover_date (Ngày bàn giao) is before disposition_date (Ngày xử lý)"),
        *r.not_in_future(RECORD_TYPE),
        r.required_when("disposition_date", "disposition.notna()",
                        "disposition (Kết quả xử lý) is set but disposition_date (Ngày xử lý) is empty"),
        *r.parent_rules("cases", "case_id"),
    ]
