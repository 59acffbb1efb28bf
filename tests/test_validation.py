"""The expectation suites on small hand-made canonical frames.

Each frame is what the readers would hand over (typed columns + lineage). Expected quarantines are
worked out by hand from docs/validation-rules.md, row by row, in the comments.
"""

from datetime import date

import polars as pl
import pytest

from expectations.validate import validate_night
from thads.contract import RECORD_TYPES

D = date.fromisoformat
BATCH = D("2026-06-30")
OFFICES = {"NA01": "NA01", "NA02": "NA02", "CC-NA-VINH": "NA01"}


def frame(record_type: str, office: str, rows: list[dict]) -> pl.DataFrame:
    """Canonical typed frame with lineage; unspecified columns null (booleans false)."""
    rt = RECORD_TYPES[record_type]
    types = {"str": pl.String, "enum": pl.String, "date": pl.Date, "money": pl.Int64, "bool": pl.Boolean, "int": pl.Int32}
    cols = [c for c in rt.columns if not c.personal and not c.free_text]
    data = {}
    for c in cols:
        default = False if c.kind == "bool" else None
        data[c.name] = pl.Series(c.name, [r.get(c.name, default) for r in rows], dtype=types[c.kind])
    df = pl.DataFrame(data)
    return df.with_columns(
        batch_date=pl.lit(BATCH),
        batch_office=pl.lit(office),
        source_file=pl.lit(f"2026-06-30/{office}/{record_type}.csv"),
        source_row=pl.int_range(1, df.height + 1, dtype=pl.Int32),
        file_sha256=pl.lit("x"),
    )


def case(case_id, office="NA01", **kw):
    base = dict(case_id=case_id, office_code=office, judgment_no="12/2024/DS-ST", judgment_type="dan_su",
                initiation="theo_don", received_date=D("2024-01-10"), obligee_type="ca_nhan",
                credit_case=False, amount_due=100_000_000, status="dang_thi_hanh", status_date=D("2024-01-10"))
    base.update(kw)
    return base


def empty(record_type):
    return frame(record_type, "NA01", [])


def night(**frames):
    out = {rt: frames.get(rt, empty(rt)) for rt in RECORD_TYPES}
    return out


NO_PARSE_Q = pl.DataFrame(schema={"record_type": pl.String, "source_file": pl.String, "source_row": pl.Int32,
                                  "record_id": pl.String, "column": pl.String, "raw_value": pl.String,
                                  "reason": pl.String, "message": pl.String})


def reasons(result, record_type):
    q = result.quarantine.filter(pl.col("source_file").str.contains(f"/{record_type}."))
    return sorted(zip(q["source_row"].to_list(), q["reason"].to_list()))


def test_case_rules_each_quarantine_their_row():
    cases = frame("cases", "NA01", [
        case("C1"),                                                   # row 1: clean
        case("C2", amount_due=-5),                                    # row 2: negative_amount
        case("C3", decision_date=D("2024-01-09")),                    # row 3: decision before received
        case("C4", credit_case=True),                                 # row 4: credit case without institution
        case("C5", office_code="XX99"),                               # row 5: unknown office
        case("C6"), case("C6"),                                       # rows 6, 7: duplicate: both
        case("C8", status_date=D("2026-07-01")),                      # row 8: after the export date
        case("C9", office_code="CC-NA-VINH", credit_case=True, credit_institution="VCB"),  # row 9: legacy code is fine
    ])
    result = validate_night(night(cases=cases), NO_PARSE_Q, OFFICES)
    assert reasons(result, "cases") == [
        (2, "negative_amount"), (3, "date_order"), (4, "conditional_required"), (5, "unknown_office"),
        (6, "duplicate_id"), (7, "duplicate_id"), (8, "date_in_future"),
    ]
    assert sorted(result.loaded["cases"]["case_id"]) == ["C1", "C9"]
    assert "chk_parent_exists" not in result.loaded["cases"].columns


def test_children_orphans_and_parent_quarantined_cascade():
    cases = frame("cases", "NA01", [case("C1"), case("C2", amount_due=-1)])
    events = frame("status_events", "NA01", [
        dict(case_id="C1", office_code="NA01", event_date=D("2024-01-10"), status="dang_thi_hanh"),  # 1 ok
        dict(case_id="C2", office_code="NA01", event_date=D("2024-01-10"), status="dang_thi_hanh"),  # 2 parent_quarantined
        dict(case_id="C7", office_code="NA01", event_date=D("2024-01-10"), status="dang_thi_hanh"),  # 3 orphan
        dict(case_id="C1", office_code="NA01", event_date=D("2024-01-01"), status="dang_thi_hanh"),  # 4 before received
    ])
    assets = frame("assets", "NA01", [
        dict(asset_id="A1", case_id="C1", office_code="NA01", asset_type="bat_dong_san", seizure_date=D("2024-03-01")),
        dict(asset_id="A2", case_id="C2", office_code="NA01", asset_type="dong_san", seizure_date=D("2024-03-01")),  # parent_q
    ])
    auctions = frame("auctions", "NA01", [
        dict(auction_id="U1", asset_id="A1", office_code="NA01", round_no=1, contract_date=D("2024-05-01"),
             auction_date=D("2024-06-01"), starting_price=1000, outcome="thanh", sale_price=999),  # 1 sale below
        dict(auction_id="U2", asset_id="A2", office_code="NA01", round_no=1, contract_date=D("2024-05-01"),
             starting_price=1000),                                                               # 2 parent_q (cascade)
        dict(auction_id="U3", asset_id="A9", office_code="NA01", round_no=0, contract_date=D("2024-05-01"),
             starting_price=1000),                                                               # 3 orphan + round_no
    ])
    complaints = frame("complaints", "NA01", [
        dict(complaint_id="K1", office_code="NA01", kind="khieu_nai", received_date=D("2025-01-01")),  # no case: fine
        dict(complaint_id="K2", case_id="C2", office_code="NA01", kind="to_cao", received_date=D("2025-01-01")),
    ])
    result = validate_night(night(cases=cases, status_events=events, assets=assets, auctions=auctions,
                                  complaints=complaints), NO_PARSE_Q, OFFICES)
    assert reasons(result, "status_events") == [(2, "parent_quarantined"), (3, "orphan"), (4, "date_order")]
    assert reasons(result, "assets") == [(2, "parent_quarantined")]
    assert reasons(result, "auctions") == [(1, "sale_below_starting"), (2, "parent_quarantined"),
                                           (3, "orphan"), (3, "round_no_invalid")]
    assert reasons(result, "complaints") == [(2, "parent_quarantined")]


def test_payments_exceeding_amount_due_quarantine_the_first_over_and_every_later_one():
    cases = frame("cases", "NA01", [case("C1", amount_due=100)])
    pays = frame("payments", "NA01", [
        # date order: P1 (Jan, 60) -> 60; P4 (Feb, -5 is bad, not counted); P2 (Mar, 30) -> 90;
        # P3 (Apr, 20) -> 110 > 100: quarantined; P5 (May, 1) -> 111: quarantined too.
        dict(payment_id="P3", case_id="C1", office_code="NA01", payment_date=D("2025-04-01"), amount=20, kind="tu_nguyen"),
        dict(payment_id="P1", case_id="C1", office_code="NA01", payment_date=D("2025-01-01"), amount=60, kind="tu_nguyen"),
        dict(payment_id="P2", case_id="C1", office_code="NA01", payment_date=D("2025-03-01"), amount=30, kind="mien_giam"),
        dict(payment_id="P4", case_id="C1", office_code="NA01", payment_date=D("2025-02-01"), amount=-5, kind="tu_nguyen"),
        dict(payment_id="P5", case_id="C1", office_code="NA01", payment_date=D("2025-05-01"), amount=1, kind="cuong_che"),
    ])
    result = validate_night(night(cases=cases, payments=pays), NO_PARSE_Q, OFFICES)
    assert reasons(result, "payments") == [
        (1, "payments_exceed_amount_due"), (4, "negative_amount"), (5, "payments_exceed_amount_due"),
    ]


def test_unparseable_parent_makes_children_parent_quarantined_not_orphans():
    cases = frame("cases", "NA01", [case("C1")])
    parse_q = pl.DataFrame({"record_type": ["cases"], "source_file": ["2026-06-30/NA01/cases.csv"],
                            "source_row": [2], "record_id": ["C2"], "column": ["amount_due"],
                            "raw_value": ["1,5"], "reason": ["invalid_money"], "message": ["bad"]},
                           schema_overrides={"source_row": pl.Int32})
    events = frame("status_events", "NA01", [
        dict(case_id="C2", office_code="NA01", event_date=D("2024-01-10"), status="dang_thi_hanh"),
    ])
    result = validate_night(night(cases=cases, status_events=events), parse_q, OFFICES)
    assert reasons(result, "status_events") == [(1, "parent_quarantined")]
    assert reasons(result, "cases") == [(2, "invalid_money")]


def test_case_moved_between_offices_old_copy_and_its_children_are_superseded():
    # C1 now held by NA02. NA01's stale copy names NA02 (it does not name its sender): superseded,
    # with the event and payment NA01 sent for it. NA02's own event stays.
    na01 = frame("cases", "NA01", [case("C1", office="NA02"), case("C2")])
    na02 = frame("cases", "NA02", [case("C1", office="NA02")])
    ev01 = frame("status_events", "NA01", [dict(case_id="C1", office_code="NA01", event_date=D("2024-01-10"), status="dang_thi_hanh")])
    ev02 = frame("status_events", "NA02", [dict(case_id="C1", office_code="NA02", event_date=D("2024-01-10"), status="dang_thi_hanh")])
    pay01 = frame("payments", "NA01", [dict(payment_id="P1", case_id="C1", office_code="NA01",
                                             payment_date=D("2024-02-01"), amount=10, kind="tu_nguyen")])
    result = validate_night(night(cases=pl.concat([na01, na02]), status_events=pl.concat([ev01, ev02]),
                                  payments=pay01), NO_PARSE_Q, OFFICES)
    sup = sorted(zip(result.superseded["source_file"], result.superseded["source_row"]))
    assert sup == [("2026-06-30/NA01/cases.csv", 1), ("2026-06-30/NA01/payments.csv", 1),
                   ("2026-06-30/NA01/status_events.csv", 1)]
    assert result.quarantine.height == 0
    assert sorted(result.loaded["cases"]["batch_office"] + ":" + result.loaded["cases"]["case_id"]) == ["NA01:C2", "NA02:C1"]


def test_status_differing_from_last_event_is_loaded_with_a_warning():
    cases = frame("cases", "NA01", [case("C1", status="xong", status_date=D("2025-01-01"))])
    events = frame("status_events", "NA01", [
        dict(case_id="C1", office_code="NA01", event_date=D("2024-01-10"), status="dang_thi_hanh"),
        dict(case_id="C1", office_code="NA01", event_date=D("2025-01-01"), status="hoan"),
    ])
    result = validate_night(night(cases=cases, status_events=events), NO_PARSE_Q, OFFICES)
    assert result.quarantine.height == 0
    assert result.warnings["record_id"].to_list() == ["C1"]
    assert "hoan" in result.warnings["warning"][0]
