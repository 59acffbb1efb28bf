"""marts.asset_pipeline, asset_stuck_summary and asset_price_ladder on a hand-made register.

As of Tuesday 30/06/2026. Days are counted by hand: from 20/04 to 30/06 = 10 (to 30/04) + 31 + 30 = 71.
"""

from __future__ import annotations

from datetime import date

import pytest

from warehouse_fixtures import build, rows

AS_OF = date(2026, 6, 30)
D = date
M = 1_000_000  # one million đồng
TARGETS = ["marts.asset_pipeline", "marts.asset_stuck_summary", "marts.asset_price_ladder"]

CASES = [
    # C1: 500 m due, 100 m paid -> 400 m outstanding; a credit case. Office NA01, officer CHV01.
    dict(case_id="C1", received_date=D(2024, 3, 1), decision_date=D(2024, 3, 4), amount_due=500 * M,
         credit_case=True, credit_institution="Vietcombank"),
    # C2: 300 m due, nothing paid. Office NA02, officer CHV02.
    dict(case_id="C2", office_code="NA02", officer_id="CHV02", received_date=D(2024, 3, 1),
         decision_date=D(2024, 3, 4), amount_due=300 * M),
    # C3: 50 m due. Office NA01.
    dict(case_id="C3", received_date=D(2024, 3, 1), decision_date=D(2024, 3, 4), amount_due=50 * M),
]

PAYMENTS = [dict(payment_id="P1", case_id="C1", payment_date=D(2025, 5, 5), amount=100 * M)]

ASSETS = [
    # disposed of: the disposition wins over everything else
    # A1 sold and handed over 20/04/2026 -> da_ban_giao since the handover: 71 days
    dict(asset_id="A1", case_id="C1", asset_type="bat_dong_san", seizure_date=D(2025, 6, 2), price_agreed=True,
         disposition="da_ban", disposition_date=D(2026, 3, 10), handover_date=D(2026, 4, 20)),
    # A2 sold 01/05/2026, not handed over -> da_ban since the sale: 30 + 30 = 60 days
    dict(asset_id="A2", case_id="C1", seizure_date=D(2025, 6, 2), price_agreed=True, disposition="da_ban",
         disposition_date=D(2026, 5, 1)),
    # A3 taken by the obligee 01/06 -> nguoi_duoc_nhan, 29 days
    dict(asset_id="A3", case_id="C2", asset_type="phuong_tien", seizure_date=D(2025, 6, 2), price_agreed=True,
         disposition="nguoi_duoc_nhan", disposition_date=D(2026, 6, 1)),
    # A4 returned 20/06 -> tra_lai, 10 days
    dict(asset_id="A4", case_id="C2", asset_type="khac", seizure_date=D(2025, 6, 2), price_agreed=True,
         disposition="tra_lai", disposition_date=D(2026, 6, 20)),
    # A5 released 29/06 -> giai_toa, 1 day
    dict(asset_id="A5", case_id="C3", asset_type="co_phan", seizure_date=D(2025, 6, 2), price_agreed=True,
         disposition="giai_toa", disposition_date=D(2026, 6, 29)),
    # A6 a round contracted 10/06 with no outcome yet -> dang_dau_gia, 20 days
    dict(asset_id="A6", case_id="C1", asset_type="bat_dong_san", seizure_date=D(2026, 3, 2), is_collateral=True),
    # A7 no valuation, price not agreed -> cho_dinh_gia since the seizure 15/06: 15 days
    dict(asset_id="A7", case_id="C2", seizure_date=D(2026, 6, 15)),
    # A8 valued (V8a), round 1 failed, re-valuation V8b contracted 20/02 and not certified yet: V8b is the
    # latest valuation -> cho_dinh_gia since 20/02: 8 + 31 + 30 + 31 + 30 = 130 days
    dict(asset_id="A8", case_id="C2", seizure_date=D(2025, 12, 22)),
    # A9 price agreed, no valuation, no round -> cho_dau_gia since the seizure 25/06: 5 days
    dict(asset_id="A9", case_id="C3", seizure_date=D(2026, 6, 25), price_agreed=True),
    # A10 land, 3 failed rounds then a cancelled 4th (held date 01/02/2026): stuck; cho_dau_gia since the
    # cancelled round's date: 27 + 31 + 30 + 31 + 30 = 149 days
    dict(asset_id="A10", case_id="C1", asset_type="bat_dong_san", seizure_date=D(2025, 8, 1), is_collateral=True),
    # A11 3 failed rounds then sold: not stuck (disposed of)
    dict(asset_id="A11", case_id="C2", seizure_date=D(2025, 8, 1), disposition="da_ban",
         disposition_date=D(2026, 4, 1), handover_date=D(2026, 4, 10)),
    # A12 3 failed rounds, the last on 01/05/2026: stuck, cho_dau_gia since that auction: 30 + 30 = 60 days
    dict(asset_id="A12", case_id="C1", seizure_date=D(2025, 8, 1)),
    # A13 (case C2, office NA02) 3 failed rounds at the same price: stuck, no reduction
    dict(asset_id="A13", case_id="C2", seizure_date=D(2025, 8, 1)),
    # A14 valued, one round cancelled with no auction date: cho_dau_gia since its contract 01/06: 29 days
    dict(asset_id="A14", case_id="C3", seizure_date=D(2026, 5, 4)),
    # A15 certificate 05/06, no round yet -> cho_dau_gia since the certificate: 25 days
    dict(asset_id="A15", case_id="C3", seizure_date=D(2026, 5, 25)),
]

VALUATIONS = [
    dict(valuation_id="V6", asset_id="A6", contract_date=D(2026, 3, 5), certificate_date=D(2026, 4, 1),
         valid_until=D(2026, 10, 1)),
    dict(valuation_id="V8a", asset_id="A8", contract_date=D(2025, 12, 24), certificate_date=D(2026, 1, 10),
         valid_until=D(2026, 7, 10), disputed=True),
    dict(valuation_id="V8b", asset_id="A8", kind="dinh_gia_lai", contract_date=D(2026, 2, 20)),
    dict(valuation_id="V10", asset_id="A10", contract_date=D(2025, 8, 5), certificate_date=D(2025, 9, 1),
         valid_until=D(2026, 3, 1)),
    dict(valuation_id="V11", asset_id="A11", contract_date=D(2025, 8, 5), certificate_date=D(2025, 9, 1),
         valid_until=D(2026, 3, 1)),
    dict(valuation_id="V12", asset_id="A12", contract_date=D(2025, 8, 5), certificate_date=D(2025, 9, 1),
         valid_until=D(2026, 3, 1)),
    dict(valuation_id="V13", asset_id="A13", contract_date=D(2025, 8, 5), certificate_date=D(2025, 9, 1),
         valid_until=D(2026, 3, 1)),
    dict(valuation_id="V14", asset_id="A14", contract_date=D(2026, 5, 6), certificate_date=D(2026, 5, 20),
         valid_until=D(2026, 11, 20)),
    dict(valuation_id="V15", asset_id="A15", contract_date=D(2026, 5, 27), certificate_date=D(2026, 6, 5),
         valid_until=D(2026, 12, 5)),
]


def _round(auction_id, asset_id, n, contract, held=None, outcome=None, price=100 * M, sale=None):
    return dict(auction_id=auction_id, asset_id=asset_id, round_no=n, contract_date=contract, auction_date=held,
                outcome=outcome, starting_price=price, sale_price=sale)


AUCTIONS = [
    _round("R6-1", "A6", 1, D(2026, 6, 10), price=2_000 * M),
    _round("R8-1", "A8", 1, D(2026, 1, 15), D(2026, 2, 10), "khong_thanh", 300 * M),
    # A10: 1 000 m, then -10 % each round: 900, 810, 729
    _round("R10-1", "A10", 1, D(2025, 9, 5), D(2025, 10, 1), "khong_thanh", 1_000 * M),
    _round("R10-2", "A10", 2, D(2025, 10, 10), D(2025, 11, 5), "khong_thanh", 900 * M),
    _round("R10-3", "A10", 3, D(2025, 11, 12), D(2025, 12, 10), "khong_thanh", 810 * M),
    _round("R10-4", "A10", 4, D(2026, 1, 5), D(2026, 2, 1), "huy", 729 * M),
    _round("R11-1", "A11", 1, D(2025, 9, 5), D(2025, 10, 1), "khong_thanh", 200 * M),
    _round("R11-2", "A11", 2, D(2025, 10, 10), D(2025, 11, 5), "khong_thanh", 180 * M),
    _round("R11-3", "A11", 3, D(2025, 11, 12), D(2025, 12, 10), "khong_thanh", 160 * M),
    _round("R11-4", "A11", 4, D(2026, 3, 5), D(2026, 4, 1), "thanh", 150 * M, 155 * M),
    # A12: 100, 90, 80 m -> cumulative reduction 20 %
    _round("R12-1", "A12", 1, D(2025, 9, 5), D(2025, 10, 1), "khong_thanh", 100 * M),
    _round("R12-2", "A12", 2, D(2025, 10, 10), D(2025, 11, 5), "khong_thanh", 90 * M),
    _round("R12-3", "A12", 3, D(2026, 4, 1), D(2026, 5, 1), "khong_thanh", 80 * M),
    # A13: three failures at 50 m
    _round("R13-1", "A13", 1, D(2025, 9, 5), D(2025, 10, 1), "khong_thanh", 50 * M),
    _round("R13-2", "A13", 2, D(2025, 10, 10), D(2025, 11, 5), "khong_thanh", 50 * M),
    _round("R13-3", "A13", 3, D(2025, 11, 12), D(2025, 12, 10), "khong_thanh", 50 * M),
    _round("R14-1", "A14", 1, D(2026, 6, 1), None, "huy", 40 * M),
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("assets"), AS_OF, TARGETS, cases=CASES, payments=PAYMENTS, assets=ASSETS,
                valuations=VALUATIONS, auctions=AUCTIONS)
    yield con
    con.close()


@pytest.fixture(scope="module")
def pipeline(warehouse):
    return {r["asset_id"]: r for r in rows(warehouse, "select * from marts.asset_pipeline")}


def test_every_stage_with_its_start_and_days(pipeline):
    got = {a: (r["stage"], r["stage_start_date"], r["days_in_stage"]) for a, r in pipeline.items()}
    assert got == {
        "A1": ("da_ban_giao", D(2026, 4, 20), 71),
        "A2": ("da_ban", D(2026, 5, 1), 60),
        "A3": ("nguoi_duoc_nhan", D(2026, 6, 1), 29),
        "A4": ("tra_lai", D(2026, 6, 20), 10),
        "A5": ("giai_toa", D(2026, 6, 29), 1),
        "A6": ("dang_dau_gia", D(2026, 6, 10), 20),
        "A7": ("cho_dinh_gia", D(2026, 6, 15), 15),
        "A8": ("cho_dinh_gia", D(2026, 2, 20), 130),
        "A9": ("cho_dau_gia", D(2026, 6, 25), 5),
        "A10": ("cho_dau_gia", D(2026, 2, 1), 149),
        "A11": ("da_ban_giao", D(2026, 4, 10), 81),  # 20 + 31 + 30
        "A12": ("cho_dau_gia", D(2026, 5, 1), 60),
        "A13": ("cho_dau_gia", D(2025, 12, 10), 202),  # 21 + 31 + 28 + 31 + 30 + 31 + 30
        "A14": ("cho_dau_gia", D(2026, 6, 1), 29),
        "A15": ("cho_dau_gia", D(2026, 6, 5), 25),
    }


def test_counts_prices_and_flags(pipeline):
    def pick(a):
        r = pipeline[a]
        return (r["valuations"], r["revaluations"], r["disputed_valuations"], r["rounds"], r["failed_rounds"],
                r["first_starting_price"], r["latest_starting_price"], r["stuck"], r["disposed"])

    assert pick("A8") == (2, 1, 1, 1, 1, 300 * M, 300 * M, False, False)
    # 4 rounds with a contract (the cancelled one too), 3 failed; 1 000 m first, 729 m latest
    assert pick("A10") == (1, 0, 0, 4, 3, 1_000 * M, 729 * M, True, False)
    assert pick("A11") == (1, 0, 0, 4, 3, 200 * M, 150 * M, False, True)
    assert pick("A12") == (1, 0, 0, 3, 3, 100 * M, 80 * M, True, False)
    assert pick("A13") == (1, 0, 0, 3, 3, 50 * M, 50 * M, True, False)
    assert pick("A7") == (0, 0, 0, 0, 0, None, None, False, False)
    # the scheduled round counts as a round with a contract
    assert pick("A6")[3:7] == (1, 0, 2_000 * M, 2_000 * M)
    # cumulative reduction: 1 - 729/1000 = 27.1 %; 1 - 80/100 = 20 %; 1 - 150/200 = 25 %; one round: 0 %;
    # no round: empty
    pct = {a: r["cumulative_reduction_pct"] for a, r in pipeline.items()}
    assert pct["A10"] == pytest.approx(27.1)
    assert pct["A12"] == pytest.approx(20.0)
    assert pct["A11"] == pytest.approx(25.0)
    assert pct["A13"] == pytest.approx(0.0)
    assert pct["A8"] == pytest.approx(0.0)
    assert pct["A7"] is None and pct["A1"] is None


def test_case_figures_on_each_asset(pipeline):
    a10 = pipeline["A10"]
    assert (a10["office_code"], a10["officer_id"], a10["credit_case"], a10["is_collateral"]) == (
        "NA01", "CHV01", True, True)
    assert a10["case_money_outstanding"] == 400 * M  # 500 m - 100 m paid
    a13 = pipeline["A13"]
    assert (a13["office_code"], a13["officer_id"], a13["credit_case"], a13["case_money_outstanding"]) == (
        "NA02", "CHV02", False, 300 * M)


def test_value_locked_counts_each_case_once(warehouse):
    got = {r["office_code"]: r for r in rows(warehouse, "select * from marts.asset_stuck_summary")}

    def pick(office):
        r = got[office]
        return (r["assets"], r["pending_assets"], r["sold_not_handed_over"], r["stuck_assets"],
                r["stuck_value_locked"], r["stuck_cases"], r["stuck_cases_money_outstanding"])

    # NA01 (cases C1, C3): assets A1 A2 A5 A6 A9 A10 A12 A14 A15 = 9; disposed A1 A2 A5 -> 6 pending;
    # A2 sold not handed over; stuck A10 (729 m) + A12 (80 m) = 809 m, both of case C1 -> 1 case, 400 m
    # (not 800 m)
    assert pick("NA01") == (9, 6, 1, 2, 809 * M, 1, 400 * M)
    # NA02 (case C2): A3 A4 A7 A8 A11 A13 = 6; disposed A3 A4 A11 -> 3 pending; stuck A13 50 m; C2 300 m
    assert pick("NA02") == (6, 3, 0, 1, 50 * M, 1, 300 * M)
    # province: 3 stuck assets, 859 m locked, 2 cases, 700 m outstanding
    assert pick("ALL") == (15, 9, 1, 3, 859 * M, 2, 700 * M)


def test_price_ladder_with_cuts(warehouse):
    ladder = rows(warehouse, "select asset_id, round_no, auction_id, contract_date, auction_date, starting_price, "
                             "outcome, cut_pct, cumulative_cut_pct from marts.asset_price_ladder "
                             "where asset_id = 'A10' order by round_no")
    assert [(r["round_no"], r["starting_price"], r["outcome"]) for r in ladder] == [
        (1, 1_000 * M, "khong_thanh"), (2, 900 * M, "khong_thanh"), (3, 810 * M, "khong_thanh"), (4, 729 * M, "huy")]
    # each round 10 % below the previous; against the first: 10, 19, 27.1 %
    assert ladder[0]["cut_pct"] is None and ladder[0]["cumulative_cut_pct"] is None
    assert [r["cut_pct"] for r in ladder[1:]] == pytest.approx([10.0, 10.0, 10.0])
    assert [r["cumulative_cut_pct"] for r in ladder[1:]] == pytest.approx([10.0, 19.0, 27.1])
    assert ladder[3]["contract_date"] == D(2026, 1, 5) and ladder[3]["auction_date"] == D(2026, 2, 1)
    total = rows(warehouse, "select count(*) as n from marts.asset_price_ladder")[0]["n"]
    assert total == len(AUCTIONS)
