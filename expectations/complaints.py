"""Business rules for complaints and denunciations (Khiếu nại, tố cáo)."""

from expectations import rules as r

RECORD_TYPE = "complaints"


def expectations(known_offices: list[str]) -> list:
    return [
        *r.required(RECORD_TYPE),
        *r.enums(RECORD_TYPE),
        r.office_known(known_offices),
        r.unique_within_office("complaint_id"),
        r.not_before("resolved_date", "received_date",
                     "resolved_date (Ngày giải quyết) is before received_date (Ngày nhận)"),
        *r.not_in_future(RECORD_TYPE),
        # case_id is optional here: only a non-empty one must point to a case.
        *r.parent_rules("cases", "case_id"),
    ]
