"""Business rules for payments (Kết quả thu, giảm)."""

from expectations import rules as r

RECORD_TYPE = "payments"


def expectations(known_offices: list[str]) -> list:
    return [
        *r.required(RECORD_TYPE),
        *r.enums(RECORD_TYPE),
        r.office_known(known_offices),
        r.unique_within_office("payment_id"),
        r.at_least("amount", 1, "negative_amount", "amount (Số tiền) must be more than 0"),
        r.not_before("payment_date", "chk_case_received_date",
                     "payment_date (Ngày) is before the case's received_date (Ngày thụ lý)"),
        *r.not_in_future(RECORD_TYPE),
        # Payments never add up to more than the case's amount_due (Số tiền phải thi hành).
        r.fact_holds("chk_within_amount_due", "payments_exceed_amount_due", "amount",
                     "with this payment the case's payments exceed its amount_due"),
        *r.parent_rules("cases", "case_id"),
    ]
