"""Business rules for cases (Việc thi hành án)."""

from expectations import rules as r

RECORD_TYPE = "cases"


def expectations(known_offices: list[str]) -> list:
    return [
        *r.required(RECORD_TYPE),
        *r.enums(RECORD_TYPE),
        r.office_known(known_offices),
        r.unique_within_office("case_id"),
        # Số tiền phải thi hành: 0 for obligations that are not money, never negative.
        r.at_least("amount_due", 0, "negative_amount", "amount_due (Số tiền phải thi hành) is negative"),
        r.not_before("decision_date", "received_date",
                     "decision_date (Ngày ra quyết định) is before received_date (Ngày thụ lý)"),
        r.not_before("status_date", "received_date",
                     "status_date (Ngày trạng thái) is before received_date (Ngày thụ lý)"),
        *r.not_in_future(RECORD_TYPE),
        r.required_when("credit_institution", "credit_case == True",
                        "a credit case (án tín dụng) needs its credit_institution (Tổ chức tín dụng)"),
    ]
