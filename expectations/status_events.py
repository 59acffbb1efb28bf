"""Business rules for status events (Diễn biến trạng thái)."""

from expectations import rules as r

RECORD_TYPE = "status_events"


def expectations(known_offices: list[str]) -> list:
    return [
        *r.required(RECORD_TYPE),
        *r.enums(RECORD_TYPE),
        r.office_known(known_offices),
        r.not_before("event_date", "chk_case_received_date",
                     "event_date (Ngày) is before the case's received_date (Ngày thụ lý)"),
        *r.not_in_future(RECORD_TYPE),
        *r.parent_rules("cases", "case_id"),
    ]
