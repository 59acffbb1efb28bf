"""Business rules for valuations (Thẩm định giá)."""

from expectations import rules as r

RECORD_TYPE = "valuations"


def expectations(known_offices: list[str]) -> list:
    return [
        *r.required(RECORD_TYPE),
        *r.enums(RECORD_TYPE),
        r.office_known(known_offices),
        r.unique_within_office("valuation_id"),
        r.at_least("value", 1, "negative_amount", "value (Giá trị) must be more than 0"),
        r.not_before("certificate_date", "contract_date",
                     "certificate_date (Ngày chứng thư) is before contract_date (Ngày ký hợp đồng)"),
        r.not_before("valid_until", "certificate_date",
                     "valid_until (Hiệu lực đến) is before certificate_date (Ngày chứng thư)"),
        *r.not_in_future(RECORD_TYPE),
        r.required_when("value", "certificate_date.notna()",
                        "a valuation with a certificate (chứng thư) needs its value (Giá trị)"),
        *r.parent_rules("assets", "asset_id"),
    ]
