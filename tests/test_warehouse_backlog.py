"""Backlog ageing and the case register on the as-of date (metrics.md, "Backlog ageing"), as of 30/06/2026."""

from __future__ import annotations

from datetime import date as d, timedelta

import pytest

from warehouse_data import Dataset, build, one, rows

AS_OF = d(2026, 6, 30)
M = 1_000_000

# Exact day boundaries of the buckets: age -> expected bucket.
BOUNDARIES = {
    0: "0-6m", 182: "0-6m", 183: "6-12m", 365: "6-12m", 366: "1-2y", 730: "1-2y", 731: "2-5y",
    1826: "2-5y", 1827: "5-10y", 3652: "5-10y", 3653: "10y+",
}


def dataset() -> Dataset:
    ds = Dataset()
    for age in BOUNDARIES:  # NA05: one open case per boundary age, 1m due each
        ds.case(f"A{age}", AS_OF - timedelta(days=age), 1 * M, office="NA05",
                credit=(age == 0), institution="BIDV" if age == 0 else None,
                judgment_type="hinh_su" if age == 3653 else "dan_su")
    ds.pay("A365", d(2026, 1, 5), 400_000)           # A365 owes 600,000 on the as-of date
    ds.case("H1", AS_OF - timedelta(days=100), 3 * M, office="NA05")  # postponed: without conditions
    ds.event("H1", AS_OF - timedelta(days=100), "dang_thi_hanh").event("H1", d(2026, 5, 1), "hoan")
    ds.case("X1", d(2025, 1, 1), 5 * M, office="NA05")  # closed: not pending
    ds.history("X1", (d(2025, 1, 1), "dang_thi_hanh"), (d(2026, 2, 1), "xong"))
    ds.case("LATE", d(2026, 7, 5), 5 * M, office="NA05")  # received after the as-of date: not yet there
    # NA01: worked examples 1 and 3 of metrics.md
    ds.case("W1", d(2023, 2, 1), 200 * M, office="NA01")
    ds.pay("W1", d(2024, 1, 10), 50 * M).pay("W1", d(2026, 1, 5), 30 * M)
    ds.case("W3", d(2016, 5, 1), 15 * M, office="NA01")
    ds.history("W3", (d(2016, 5, 1), "dang_thi_hanh"), (d(2016, 12, 1), "chua_co_dieu_kien"),
               (d(2025, 12, 1), "theo_doi_rieng"))
    return ds


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("backlog"), dataset(), AS_OF)
    yield con
    con.close()


def test_every_bucket_boundary(wh):
    got = {r["case_id"]: (r["age_days"], r["age_bucket"]) for r in rows(
        wh, "select case_id, age_days, age_bucket from marts.cases_current where case_id like 'A%'")}
    assert got == {f"A{age}": (age, bucket) for age, bucket in BOUNDARIES.items()}


def test_backlog_counts_by_class_and_bucket(wh):
    got = {(r["condition_class"], r["age_bucket"]): (r["cases"], r["money_outstanding"]) for r in rows(
        wh, "select * from marts.backlog_ageing where scope = 'all' and office_code = 'NA05' and cases > 0")}
    assert got == {
        ("with", "0-6m"): (2, 2 * M),             # ages 0 and 182
        ("with", "6-12m"): (2, 1 * M + 600_000),  # 183, and 365 less its 400,000 payment
        ("with", "1-2y"): (2, 2 * M),             # 366, 730
        ("with", "2-5y"): (2, 2 * M),             # 731, 1826
        ("with", "5-10y"): (2, 2 * M),            # 1827, 3652
        ("with", "10y+"): (1, 1 * M),             # 3653
        ("without", "0-6m"): (1, 3 * M),          # H1, postponed on other grounds
    }   # X1 (closed) and LATE (received after the as-of date) are not pending


def test_backlog_grid_is_dense(wh):
    # 2 scopes x (ALL + 10 offices) x 3 classes x 6 buckets
    assert one(wh, "select count(*) as n from marts.backlog_ageing")["n"] == 2 * 11 * 3 * 6


def test_worked_examples_in_the_backlog(wh):
    w1 = one(wh, "select * from marts.cases_current where case_id = 'W1'")
    # 01/02/2023 -> 30/06/2026 = 1,245 days; 200m - 50m - 30m = 120m outstanding
    assert (w1["age_days"], w1["age_bucket"], w1["condition_class"], w1["money_outstanding"],
            w1["money_paid_to_date"]) == (1245, "2-5y", "with", 120 * M, 80 * M)
    w3 = one(wh, "select * from marts.cases_current where case_id = 'W3'")
    assert (w3["condition_class"], w3["age_bucket"]) == ("separate", "10y+")
    na01 = {(r["condition_class"], r["age_bucket"]): r["cases"] for r in rows(
        wh, "select * from marts.backlog_ageing where scope = 'all' and office_code = 'NA01' and cases > 0")}
    assert na01 == {("with", "2-5y"): 1, ("separate", "10y+"): 1}


def test_province_and_credit_rows(wh):
    province = {(r["condition_class"], r["age_bucket"]): r["cases"] for r in rows(
        wh, "select * from marts.backlog_ageing where scope = 'all' and office_code = 'ALL' and cases > 0")}
    # NA05's rows plus W1 in with/2-5y and W3 in separate/10y+
    assert province == {("with", "0-6m"): 2, ("with", "6-12m"): 2, ("with", "1-2y"): 2, ("with", "2-5y"): 3,
                        ("with", "5-10y"): 2, ("with", "10y+"): 1, ("without", "0-6m"): 1,
                        ("separate", "10y+"): 1}
    credit = rows(wh, "select office_code, condition_class, age_bucket, cases from marts.backlog_ageing "
                      "where scope = 'credit' and cases > 0 order by office_code")
    assert credit == [{"office_code": "ALL", "condition_class": "with", "age_bucket": "0-6m", "cases": 1},
                      {"office_code": "NA05", "condition_class": "with", "age_bucket": "0-6m", "cases": 1}]


def test_backlog_by_judgment_type(wh):
    got = rows(wh, "select judgment_type, cases from marts.backlog_ageing_by_judgment_type where scope = 'all' "
                   "and office_code = 'NA05' and condition_class = 'with' and age_bucket = '10y+' and cases > 0")
    assert got == [{"judgment_type": "hinh_su", "cases": 1}]  # A3653


def test_cases_current_register(wh):
    ids = {r["case_id"] for r in rows(wh, "select case_id from marts.cases_current")}
    assert "LATE" not in ids and len(ids) == len(BOUNDARIES) + 4  # + H1, X1, W1, W3
    x1 = one(wh, "select * from marts.cases_current where case_id = 'X1'")
    assert (x1["status"], x1["status_date"], x1["condition_class"], x1["age_days"], x1["age_bucket"]) == (
        "xong", d(2026, 2, 1), "closed", None, None)
    a0 = one(wh, "select * from marts.cases_current where case_id = 'A0'")
    assert (a0["credit_case"], a0["credit_institution_canonical"], a0["assets"], a0["open_breaches"] >= 0) == (
        True, "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam (BIDV)", 0, True)
