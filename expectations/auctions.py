"""Business rules for auction rounds (Bán đấu giá)."""

from expectations import rules as r

RECORD_TYPE = "auctions"


def expectations(known_offices: list[str]) -> list:
    return [
        *r.required(RECORD_TYPE),
        *r.enums(RECORD_TYPE),
        r.office_known(known_offices),
        r.unique_within_office("auction_id"),
        r.at_least("round_no", 1, "round_no_invalid", "round_no (Lần đấu giá) must be 1 or more"),
        r.at_least("starting_price", 1, "negative_amount", "starting_price (Giá khởi điểm) must be more than 0"),
        r.at_least("sale_price", 1, "negative_amount", "sale_price (Giá trúng) must be more than 0"),
        r.not_before("auction_date", "contract_date",
                     "auction_date (Ngày đấu giá) is before contract_date (Ngày ký hợp đồng)"),
        *r.not_in_future(RECORD_TYPE),
        r.required_when("sale_price", "outcome == 'thanh'",
                        "a sold round (Thành) needs its sale_price (Giá trúng)"),
        # Giá trúng không thấp hơn giá khởi điểm.
        r.not_before("sale_price", "starting_price",
                     "sale_price (Giá trúng) is below starting_price (Giá khởi điểm)",
                     rule="sale_below_starting"),
        *r.parent_rules("assets", "asset_id"),
    ]
