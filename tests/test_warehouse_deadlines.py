"""marts.deadline_breaches: every statutory-deadline rule of metrics.md on a hand-made register.

As of Wednesday 30/09/2026. Calendar facts used below (Vietnamese public holidays, from the holidays
library): Tết 2025 closed offices Mon 27/01 - Fri 31/01/2025; Tết 2026 Mon 16/02 - Fri 20/02/2026; Hùng
Kings 2026 falls on Sunday 26/04, observed Monday 27/04; 30/04 and 01/05/2026 (Thu, Fri); Mon 31/08/2026
is a day off in place of Saturday 22/08 (a working day), and 01-02/09/2026 is National Day. Every due
date below was worked out by hand from those facts: "within N working days of d" = the N-th working day
after d; "within N days" = d + N, moved to the next working day.

Every row of the mart is listed: a check that should not be late (on time, or `huy`, or price agreed,
or an empty valid_until) is proven so by its absence.
"""

from __future__ import annotations

from datetime import date

import pytest

from warehouse_fixtures import build, rows

AS_OF = date(2026, 9, 30)
D = date
TARGETS = ["marts.deadline_breaches", "marts.officer_workload"]
LAW_2014 = "Luật THADS 2008 sửa đổi 2014"
LAW_2025 = "Luật THADS 106/2025/QH15"

CASES = [
    # K1 received Friday 24/01/2025, just before Tết: 5 working days = 03, 04, 05, 06, 07/02 -> due
    # 07/02/2025; decided Monday 10/02 -> 3 days late. (Ignoring Tết the due date would be 31/01.)
    dict(case_id="K1", received_date=D(2025, 1, 24), decision_date=D(2025, 2, 10)),
    # K2 the same day, decided on the due date 07/02/2025: on time.
    dict(case_id="K2", received_date=D(2025, 1, 24), decision_date=D(2025, 2, 7)),
    # K3 received Thursday 04/06/2026, over a weekend: 05, 08, 09, 10, 11/06 -> due 11/06; decided 12/06
    # -> 1 day late.
    dict(case_id="K3", received_date=D(2026, 6, 4), decision_date=D(2026, 6, 12)),
    # K4 received Monday 15/06/2026, never decided: due 22/06; open, 22/06 -> 30/09 = 8 + 31 + 31 + 30
    # = 100 days. Another officer.
    dict(case_id="K4", officer_id="CHV02", received_date=D(2026, 6, 15), decision_date=None),
    # K5 received Monday 02/03/2026, never decided, withdrawn (thu_hoi) on 20/03: due 09/03; accrual stops
    # at the closing: 11 days, not open.
    dict(case_id="K5", received_date=D(2026, 3, 2), decision_date=None, status="thu_hoi",
         status_date=D(2026, 3, 20)),
    # K6 received Wednesday 01/07/2026, the first day of Law 106/2025: due 02, 03, 06, 07, 08/07 -> 08/07;
    # decided 10/07 -> 2 days, provisional (the 2014 limit applied to the new law's period).
    dict(case_id="K6", received_date=D(2026, 7, 1), decision_date=D(2026, 7, 10)),
    # K7 received Tuesday 30/06/2026, the last day of the 2014 rules: due 01, 02, 03, 06, 07/07 -> 07/07;
    # decided 09/07 -> 2 days, not provisional (the clock started under the old law).
    dict(case_id="K7", received_date=D(2026, 6, 30), decision_date=D(2026, 7, 9)),
    # Asset cases, decided the next day (on time). KA in office NA02, officer CHV03.
    dict(case_id="KA", office_code="NA02", officer_id="CHV03", received_date=D(2024, 12, 2),
         decision_date=D(2024, 12, 3)),
    # KB closed (xong) on 15/04/2026; KC closed (dinh_chi) on 20/05/2026.
    dict(case_id="KB", received_date=D(2026, 1, 5), decision_date=D(2026, 1, 6), status="xong",
         status_date=D(2026, 4, 15)),
    dict(case_id="KC", received_date=D(2026, 4, 1), decision_date=D(2026, 4, 2), status="dinh_chi",
         status_date=D(2026, 5, 20)),
]

STATUS_EVENTS = [
    dict(case_id="K5", event_date=D(2026, 3, 2), status="dang_thi_hanh"),
    dict(case_id="K5", event_date=D(2026, 3, 20), status="thu_hoi"),
    dict(case_id="KB", event_date=D(2026, 1, 5), status="dang_thi_hanh"),
    dict(case_id="KB", event_date=D(2026, 4, 15), status="xong"),
    dict(case_id="KC", event_date=D(2026, 4, 1), status="dang_thi_hanh"),
    dict(case_id="KC", event_date=D(2026, 5, 20), status="dinh_chi"),
]

ASSETS = [
    # B1 seized Fri 24/01/2025; first valuation contract 12/02 vs due 07/02 (Tết) -> 5 days late.
    # Its certificate (20/02), round (contract 25/02, held 20/03, sold) and handover are all on time.
    dict(asset_id="B1", case_id="KA", asset_type="bat_dong_san", seizure_date=D(2025, 1, 24),
         disposition="da_ban", disposition_date=D(2025, 3, 20), handover_date=D(2025, 4, 10)),
    # B2 price agreed at seizure: no valuation contract is needed, nothing is checked.
    dict(asset_id="B2", case_id="KA", seizure_date=D(2026, 2, 2), price_agreed=True),
    # B3 seized Wed 01/04/2026, never valued, released (giai_toa) 20/04: due 08/04; accrual stops at the
    # release: 12 days.
    dict(asset_id="B3", case_id="KA", seizure_date=D(2026, 4, 1), disposition="giai_toa",
         disposition_date=D(2026, 4, 20)),
    # B4 / B5 certificate Friday 21/08/2026: + 10 days = Monday 31/08, a day off, then 01-02/09 National
    # Day -> due Thursday 03/09. B4's auction contract on 03/09 is on time; B5's on 04/09 is 1 day late
    # (provisional: the certificate is dated after 01/07/2026).
    dict(asset_id="B4", case_id="KA", seizure_date=D(2026, 8, 3)),
    dict(asset_id="B5", case_id="KA", seizure_date=D(2026, 8, 3)),
    # B6 certificate 02/03/2026 (due 12/03), no auction contract; a re-valuation contract on 25/03 stops
    # that certificate's clock: 13 days. The re-valuation's own certificate (10/04, due 20/04) is followed
    # by an auction contract on 15/04: on time.
    dict(asset_id="B6", case_id="KA", seizure_date=D(2026, 2, 23), disposition="da_ban",
         disposition_date=D(2026, 5, 12), handover_date=D(2026, 6, 1)),
    # B7 land: round contract Mon 05/01/2026 + 45 days = Thu 19/02, Tết -> due Mon 23/02; held 24/02 ->
    # 1 day late. Sold 24/02: + 60 days = Sat 25/04 -> Sun 26/04 (Hùng Kings) -> Mon 27/04 (observed) ->
    # due Tue 28/04; handed over 15/05 -> 17 days late.
    dict(asset_id="B7", case_id="KA", asset_type="bat_dong_san", seizure_date=D(2025, 12, 1),
         disposition="da_ban", disposition_date=D(2026, 2, 24), handover_date=D(2026, 5, 15)),
    # B8 round 1 contract 05/01, cancelled (huy) 20/03: never checked (it would be 44 days late).
    # Round 2 contract 25/03, failed 20/04 (held on time, due 24/04). Price cut: + 15 days = Tue 05/05;
    # next step = round 3 contract 12/05 -> 7 days late. Round 3 (contract 12/05 + 30 = Thu 11/06) never
    # held: open, 11/06 -> 30/09 = 19 + 31 + 31 + 30 = 111 days.
    dict(asset_id="B8", case_id="KA", seizure_date=D(2025, 12, 1)),
    # B9 round 1 failed Mon 01/06/2026: due 16/06; a re-valuation contract (22/06) comes before round 2's
    # contract (20/07) and is the step: 6 days late (the round would give 34). Round 2 (contract 20/07,
    # + 30 = Wed 19/08) never held: open, 19/08 -> 30/09 = 12 + 30 = 42 days, provisional.
    dict(asset_id="B9", case_id="KA", seizure_date=D(2026, 4, 6)),
    # B10 price agreed; round 1 contract Mon 10/08/2026 + 30 = Wed 09/09, held 10/09 -> 1 day late
    # (provisional); failed: + 15 = Fri 25/09, no step by 30/09 -> open, 5 days, provisional.
    dict(asset_id="B10", case_id="KA", seizure_date=D(2026, 8, 3), price_agreed=True),
    # B11 land: certificate in force for round 1 (contract 15/01) is V11a (10/01, valid to 10/02), not
    # the later V11b (20/03): the auction on 25/02 came 15 days after it expired.
    dict(asset_id="B11", case_id="KA", asset_type="bat_dong_san", seizure_date=D(2026, 1, 2),
         disposition="da_ban", disposition_date=D(2026, 4, 20), handover_date=D(2026, 4, 30)),
    # B12 certificate without valid_until: certificate_expired is not checked. Round 1 failed Thu 05/02;
    # + 15 = Fri 20/02 (Tết) -> due Mon 23/02; round 2 contract 23/02: on time.
    dict(asset_id="B12", case_id="KA", seizure_date=D(2026, 1, 2), disposition="da_ban",
         disposition_date=D(2026, 3, 20), handover_date=D(2026, 4, 1)),
    # B13 price agreed, sold Mon 02/03/2026 + 60 = Fri 01/05 (Labour Day) -> Mon 04/05; never handed
    # over, and its case closed (xong) 15/04: the handover keeps accruing, open, 04/05 -> 30/09 = 27 + 30
    # + 31 + 31 + 30 = 149 days.
    dict(asset_id="B13", case_id="KB", seizure_date=D(2026, 1, 10), price_agreed=True, disposition="da_ban",
         disposition_date=D(2026, 3, 2)),
    # B14 seized Mon 04/05/2026, never valued, case closed (dinh_chi) 20/05: due 11/05; stops at the
    # closing: 9 days, not open.
    dict(asset_id="B14", case_id="KC", seizure_date=D(2026, 5, 4)),
]

VALUATIONS = [
    dict(valuation_id="V1a", asset_id="B1", contract_date=D(2025, 2, 12), certificate_date=D(2025, 2, 20),
         valid_until=D(2025, 8, 20)),
    dict(valuation_id="V4", asset_id="B4", contract_date=D(2026, 8, 5), certificate_date=D(2026, 8, 21),
         valid_until=D(2027, 2, 21)),
    dict(valuation_id="V5", asset_id="B5", contract_date=D(2026, 8, 5), certificate_date=D(2026, 8, 21),
         valid_until=D(2027, 2, 21)),
    dict(valuation_id="V6a", asset_id="B6", contract_date=D(2026, 2, 25), certificate_date=D(2026, 3, 2),
         valid_until=D(2026, 9, 2)),
    dict(valuation_id="V6b", asset_id="B6", kind="dinh_gia_lai", contract_date=D(2026, 3, 25),
         certificate_date=D(2026, 4, 10), valid_until=D(2026, 10, 10)),
    dict(valuation_id="V7", asset_id="B7", contract_date=D(2025, 12, 3), certificate_date=D(2025, 12, 26),
         valid_until=D(2026, 6, 26)),
    dict(valuation_id="V8", asset_id="B8", contract_date=D(2025, 12, 3), certificate_date=D(2025, 12, 26),
         valid_until=D(2026, 12, 26)),
    dict(valuation_id="V9a", asset_id="B9", contract_date=D(2026, 4, 10), certificate_date=D(2026, 4, 28),
         valid_until=D(2026, 10, 28)),
    dict(valuation_id="V9b", asset_id="B9", kind="dinh_gia_lai", contract_date=D(2026, 6, 22),
         certificate_date=D(2026, 7, 10), valid_until=D(2027, 1, 10)),
    dict(valuation_id="V11a", asset_id="B11", contract_date=D(2026, 1, 5), certificate_date=D(2026, 1, 10),
         valid_until=D(2026, 2, 10)),
    dict(valuation_id="V11b", asset_id="B11", kind="dinh_gia_lai", contract_date=D(2026, 3, 5),
         certificate_date=D(2026, 3, 20), valid_until=D(2026, 9, 20)),
    dict(valuation_id="V12", asset_id="B12", contract_date=D(2026, 1, 5), certificate_date=D(2026, 1, 10),
         valid_until=None),
]

AUCTIONS = [
    dict(auction_id="R1-1", asset_id="B1", round_no=1, contract_date=D(2025, 2, 25), auction_date=D(2025, 3, 20),
         outcome="thanh", sale_price=1_000_000_000),
    dict(auction_id="R4-1", asset_id="B4", round_no=1, contract_date=D(2026, 9, 3)),
    dict(auction_id="R5-1", asset_id="B5", round_no=1, contract_date=D(2026, 9, 4)),
    dict(auction_id="R6-1", asset_id="B6", round_no=1, contract_date=D(2026, 4, 15), auction_date=D(2026, 5, 12),
         outcome="thanh", sale_price=1_000_000_000),
    dict(auction_id="R7-1", asset_id="B7", round_no=1, contract_date=D(2026, 1, 5), auction_date=D(2026, 2, 24),
         outcome="thanh", sale_price=1_000_000_000),
    dict(auction_id="R8-1", asset_id="B8", round_no=1, contract_date=D(2026, 1, 5), auction_date=D(2026, 3, 20),
         outcome="huy"),
    dict(auction_id="R8-2", asset_id="B8", round_no=2, contract_date=D(2026, 3, 25), auction_date=D(2026, 4, 20),
         outcome="khong_thanh"),
    dict(auction_id="R8-3", asset_id="B8", round_no=3, contract_date=D(2026, 5, 12)),
    dict(auction_id="R9-1", asset_id="B9", round_no=1, contract_date=D(2026, 5, 4), auction_date=D(2026, 6, 1),
         outcome="khong_thanh"),
    dict(auction_id="R9-2", asset_id="B9", round_no=2, contract_date=D(2026, 7, 20)),
    dict(auction_id="R10-1", asset_id="B10", round_no=1, contract_date=D(2026, 8, 10), auction_date=D(2026, 9, 10),
         outcome="khong_thanh"),
    dict(auction_id="R11-1", asset_id="B11", round_no=1, contract_date=D(2026, 1, 15), auction_date=D(2026, 2, 25),
         outcome="khong_thanh"),
    dict(auction_id="R11-2", asset_id="B11", round_no=2, contract_date=D(2026, 3, 25), auction_date=D(2026, 4, 20),
         outcome="thanh", sale_price=900_000_000),
    dict(auction_id="R12-1", asset_id="B12", round_no=1, contract_date=D(2026, 1, 15), auction_date=D(2026, 2, 5),
         outcome="khong_thanh"),
    dict(auction_id="R12-2", asset_id="B12", round_no=2, contract_date=D(2026, 2, 23), auction_date=D(2026, 3, 20),
         outcome="thanh", sale_price=900_000_000),
]

# (rule, case, asset, valuation, auction, start, due, actual, days_over, open, provisional, stopped_by)
EXPECTED = [
    ("decision_late", "K1", None, None, None, D(2025, 1, 24), D(2025, 2, 7), D(2025, 2, 10), 3, False, False, None),
    ("decision_late", "K3", None, None, None, D(2026, 6, 4), D(2026, 6, 11), D(2026, 6, 12), 1, False, False, None),
    ("decision_late", "K4", None, None, None, D(2026, 6, 15), D(2026, 6, 22), None, 100, True, False, None),
    ("decision_late", "K5", None, None, None, D(2026, 3, 2), D(2026, 3, 9), None, 11, False, False, "case_closed"),
    ("decision_late", "K6", None, None, None, D(2026, 7, 1), D(2026, 7, 8), D(2026, 7, 10), 2, False, True, None),
    ("decision_late", "K7", None, None, None, D(2026, 6, 30), D(2026, 7, 7), D(2026, 7, 9), 2, False, False, None),
    ("valuation_contract_late", "KA", "B1", None, None, D(2025, 1, 24), D(2025, 2, 7), D(2025, 2, 12), 5, False,
     False, None),
    ("valuation_contract_late", "KA", "B3", None, None, D(2026, 4, 1), D(2026, 4, 8), None, 12, False, False,
     "asset_disposed"),
    ("valuation_contract_late", "KC", "B14", None, None, D(2026, 5, 4), D(2026, 5, 11), None, 9, False, False,
     "case_closed"),
    ("auction_contract_late", "KA", "B5", "V5", None, D(2026, 8, 21), D(2026, 9, 3), D(2026, 9, 4), 1, False,
     True, None),
    ("auction_contract_late", "KA", "B6", "V6a", None, D(2026, 3, 2), D(2026, 3, 12), None, 13, False, False,
     "revaluation"),
    ("auction_held_late", "KA", "B7", None, "R7-1", D(2026, 1, 5), D(2026, 2, 23), D(2026, 2, 24), 1, False,
     False, None),
    ("auction_held_late", "KA", "B8", None, "R8-3", D(2026, 5, 12), D(2026, 6, 11), None, 111, True, False, None),
    ("auction_held_late", "KA", "B9", None, "R9-2", D(2026, 7, 20), D(2026, 8, 19), None, 42, True, True, None),
    ("auction_held_late", "KA", "B10", None, "R10-1", D(2026, 8, 10), D(2026, 9, 9), D(2026, 9, 10), 1, False,
     True, None),
    ("price_cut_late", "KA", "B8", None, "R8-2", D(2026, 4, 20), D(2026, 5, 5), D(2026, 5, 12), 7, False, False,
     None),
    ("price_cut_late", "KA", "B9", None, "R9-1", D(2026, 6, 1), D(2026, 6, 16), D(2026, 6, 22), 6, False, False,
     None),
    ("price_cut_late", "KA", "B10", None, "R10-1", D(2026, 9, 10), D(2026, 9, 25), None, 5, True, True, None),
    ("certificate_expired", "KA", "B11", "V11a", "R11-1", D(2026, 1, 10), D(2026, 2, 10), D(2026, 2, 25), 15,
     False, False, None),
    ("handover_late", "KA", "B7", None, None, D(2026, 2, 24), D(2026, 4, 28), D(2026, 5, 15), 17, False, False,
     None),
    ("handover_late", "KB", "B13", None, None, D(2026, 3, 2), D(2026, 5, 4), None, 149, True, False, None),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("deadlines"), AS_OF, TARGETS, cases=CASES, status_events=STATUS_EVENTS,
                assets=ASSETS, valuations=VALUATIONS, auctions=AUCTIONS)
    yield con
    con.close()


def _breaches(con):
    return rows(con, "select * from marts.deadline_breaches")


def _key(r):
    return (r["rule"], r["case_id"], r["asset_id"] or "", r["valuation_id"] or "", r["auction_id"] or "")


def test_every_breach_and_no_other(warehouse):
    got = sorted(
        ((r["rule"], r["case_id"], r["asset_id"], r["valuation_id"], r["auction_id"], r["start_date"],
          r["due_date"], r["actual_date"], r["days_over"], r["open"], r["provisional"], r["stopped_by"])
         for r in _breaches(warehouse)),
        key=lambda t: (t[0], t[1], t[2] or "", t[3] or "", t[4] or ""))
    want = sorted(EXPECTED, key=lambda t: (t[0], t[1], t[2] or "", t[3] or "", t[4] or ""))
    assert got == want


def test_decision_over_tet_is_due_after_the_holiday(warehouse):
    by_case = {r["case_id"]: r for r in _breaches(warehouse) if r["rule"] == "decision_late"}
    # K2, decided on 07/02/2025 (the 5th working day after Tết), is not late
    assert "K2" not in by_case
    assert by_case["K1"]["due_date"] == D(2025, 2, 7)


def test_calendar_deadline_on_a_holiday_moves_to_the_next_working_day(warehouse):
    late = {(r["rule"], r["asset_id"]) for r in _breaches(warehouse)}
    # due 31/08 (day off) -> 03/09: B4's contract on 03/09 is on time, B5's on 04/09 is late
    assert ("auction_contract_late", "B4") not in late
    assert ("auction_contract_late", "B5") in late


def test_cancelled_round_and_empty_valid_until_are_not_checked(warehouse):
    breaches = _breaches(warehouse)
    assert not [r for r in breaches if r["auction_id"] == "R8-1"]
    assert not [r for r in breaches if r["asset_id"] == "B12"]
    assert not [r for r in breaches if r["asset_id"] == "B2"]


def test_rows_carry_the_case_office_officer_status_and_law(warehouse):
    by_key = {_key(r): r for r in _breaches(warehouse)}
    k5 = by_key[("decision_late", "K5", "", "", "")]
    assert (k5["office_code"], k5["officer_id"], k5["case_status"]) == ("NA01", "CHV01", "thu_hoi")
    b13 = by_key[("handover_late", "KB", "B13", "", "")]
    assert b13["case_status"] == "xong" and b13["open"]
    b7 = by_key[("auction_held_late", "KA", "B7", "", "R7-1")]
    assert (b7["office_code"], b7["officer_id"], b7["asset_type"]) == ("NA02", "CHV03", "bat_dong_san")
    assert {r["law"] for r in by_key.values() if r["provisional"]} == {LAW_2025}
    assert {r["law"] for r in by_key.values() if not r["provisional"]} == {LAW_2014}


def test_officer_workload_counts_breaches_per_officer(warehouse):
    got = {(r["office_code"], r["officer_id"]): (r["open_breaches"], r["total_breaches"])
           for r in rows(warehouse, "select * from marts.officer_workload")}
    # NA01/CHV01: K1, K3, K5, K6, K7 (decision) + B13 (handover, open; case KB) + B14 (case KC) = 7, 1 open
    # NA01/CHV02: K4, open
    # NA02/CHV03 (case KA): B1, B3, B5, B6, B7 x2, B8 x2, B9 x2, B10 x2, B11 = 13; open: R8-3, R9-2, R10-1
    # price cut = 3
    assert got[("NA01", "CHV01")] == (1, 7)
    assert got[("NA01", "CHV02")] == (1, 1)
    assert got[("NA02", "CHV03")] == (3, 13)


def test_deadline_rules_reference_file_is_chosen_by_start_date(warehouse):
    rules = rows(warehouse, "select rule, asset_type, day_limit, unit, valid_from, valid_to, provisional "
                            "from staging.stg_deadline_rules order by rule, asset_type, valid_from nulls first")
    held = [r for r in rules if r["rule"] == "auction_held_late"]
    # two asset-type rows (30 days movables, 45 land) for each law: 4 movable type rows + 1 land row, twice
    assert {(r["asset_type"], r["day_limit"]) for r in held} == {
        ("bat_dong_san", 45), ("dong_san", 30), ("phuong_tien", 30), ("co_phan", 30), ("khac", 30)}
    assert {r["valid_to"] for r in rules if not r["provisional"]} == {D(2026, 6, 30)}
    assert {r["valid_from"] for r in rules if r["provisional"]} == {D(2026, 7, 1)}


def test_accrual_stops_at_the_current_closed_spell(tmp_path):
    # Both received Mon 02/03/2026, never decided: due Mon 09/03/2026.
    # R1 closed (xong) 10/03, reopened 15/03, closed again (dinh_chi) 01/04: stops at the last closing,
    #    09/03 -> 01/04 = 23 days, not open.
    # R2 closed (xong) 10/03, reclassified dinh_chi 20/03: closed since 10/03 -> 1 day.
    # R3 closed 10/03 and reopened 15/03, open on 30/09: accrues to as-of, 09/03 -> 30/09 = 22 + 30 + 31
    #    + 30 + 31 + 31 + 30 = 205 days, open.
    received = D(2026, 3, 2)
    cases = [dict(case_id=c, received_date=received, decision_date=None) for c in ("R1", "R2", "R3")]
    events = [
        dict(case_id="R1", event_date=received, status="dang_thi_hanh"),
        dict(case_id="R1", event_date=D(2026, 3, 10), status="xong"),
        dict(case_id="R1", event_date=D(2026, 3, 15), status="dang_thi_hanh"),
        dict(case_id="R1", event_date=D(2026, 4, 1), status="dinh_chi"),
        dict(case_id="R2", event_date=received, status="dang_thi_hanh"),
        dict(case_id="R2", event_date=D(2026, 3, 10), status="xong"),
        dict(case_id="R2", event_date=D(2026, 3, 20), status="dinh_chi"),
        dict(case_id="R3", event_date=received, status="dang_thi_hanh"),
        dict(case_id="R3", event_date=D(2026, 3, 10), status="xong"),
        dict(case_id="R3", event_date=D(2026, 3, 15), status="dang_thi_hanh"),
    ]
    con = build(tmp_path, AS_OF, ["marts.deadline_breaches"], cases=cases, status_events=events)
    try:
        got = {r["case_id"]: (r["due_date"], r["days_over"], r["open"], r["stopped_date"], r["stopped_by"])
               for r in rows(con, "select * from marts.deadline_breaches")}
    finally:
        con.close()
    assert got == {
        "R1": (D(2026, 3, 9), 23, False, D(2026, 4, 1), "case_closed"),
        "R2": (D(2026, 3, 9), 1, False, D(2026, 3, 10), "case_closed"),
        "R3": (D(2026, 3, 9), 205, True, None, None),
    }
