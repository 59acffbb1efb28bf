"""Completion KPIs (metrics.md) on a hand-made province, as of 30/06/2026.

Statistical year 2026 runs 01/10/2025 - 30/09/2026; the as-of ytd period is [01/10/2025, 30/06/2026]
(273 days of 365). Each office holds one group of scenarios so its rows can be worked out by hand:

  NA01  the three worked examples of metrics.md, exactly
  NA02  first / last day of a period, same-day events, cumulative vs standalone periods
  NA03  money with partial payments before and during the period; postponement by agreement vs other
        grounds; suspension
  NA04  separate register (out and back, straight to closed); entrustment with and without payments
        in the period; withdrawal
  NA05  age-bucket boundaries (tests/test_warehouse_backlog.py)
  NA06  case flow (tests/test_warehouse_case_flow.py)
  NA07  credit scope and credit institutions
  NA08  only cases without conditions: empty rates
  NA09  projection from last year's seasonality; NA10 projection by the share of the year
"""

from __future__ import annotations

from datetime import date as d

import pytest

from warehouse_data import Dataset, build, one, rows

AS_OF = d(2026, 6, 30)
YTD = "2026 ytd to 2026-06-30"
M = 1_000_000  # one million VND


def province() -> Dataset:
    ds = Dataset()

    # NA01 - the worked examples of metrics.md.
    # W1: received 01/02/2023, 200m due; paid 50m on 10/01/2024 and 30m on 05/01/2026; dang_thi_hanh.
    ds.case("W1", d(2023, 2, 1), 200 * M, office="NA01").event("W1", d(2023, 2, 1), "dang_thi_hanh")
    ds.pay("W1", d(2024, 1, 10), 50 * M).pay("W1", d(2026, 1, 5), 30 * M)
    # W2: received 03/11/2025, 60m; mien_giam 10m on 20/01/2026; uy_thac on 01/02/2026.
    ds.case("W2", d(2025, 11, 3), 60 * M, office="NA01", initiation="chu_dong", judgment_type="hinh_su")
    ds.history("W2", (d(2025, 11, 3), "dang_thi_hanh"), (d(2026, 2, 1), "uy_thac"))
    ds.pay("W2", d(2026, 1, 20), 10 * M, "mien_giam")
    # W3: received 01/05/2016, chua_co_dieu_kien from 01/12/2016, theo_doi_rieng from 01/12/2025; 15m due.
    ds.case("W3", d(2016, 5, 1), 15 * M, office="NA01")
    ds.history("W3", (d(2016, 5, 1), "dang_thi_hanh"), (d(2016, 12, 1), "chua_co_dieu_kien"),
               (d(2025, 12, 1), "theo_doi_rieng"))

    # NA02 - period boundaries and same-day events (1m each).
    ds.case("B1", d(2025, 10, 1), 1 * M, office="NA02")   # first day of the statistical year 2026
    ds.case("B2", d(2025, 9, 30), 1 * M, office="NA02")   # last day of the statistical year 2025
    ds.case("B3", d(2026, 3, 31), 1 * M, office="NA02")   # last day of 2026 H1, Q2 and of March
    # S1: closed and reopened on the same day, in that file order: open at the end.
    ds.case("S1", d(2025, 11, 10), 1 * M, office="NA02")
    ds.history("S1", (d(2025, 11, 10), "dang_thi_hanh"), (d(2026, 1, 15), "xong"), (d(2026, 1, 15), "dang_thi_hanh"))
    # S2: two events on the same day, the later row closes it: completed.
    ds.case("S2", d(2025, 12, 1), 1 * M, office="NA02")
    ds.history("S2", (d(2025, 12, 1), "dang_thi_hanh"), (d(2026, 2, 20), "dang_thi_hanh"), (d(2026, 2, 20), "xong"))

    # NA03 - money and conditions.
    # M1: 100m; 20m paid before the year, then 30m tu_nguyen, 10m cuong_che, 5m mien_giam within it.
    ds.case("M1", d(2024, 5, 1), 100 * M, office="NA03")
    ds.pay("M1", d(2024, 6, 1), 20 * M).pay("M1", d(2025, 11, 1), 30 * M)
    ds.pay("M1", d(2026, 2, 1), 10 * M, "cuong_che").pay("M1", d(2026, 3, 1), 5 * M, "mien_giam")
    # M2: 50m; 10m paid before the year, 15m from a sold asset within it, then xong on 20/01/2026.
    ds.case("M2", d(2024, 7, 1), 50 * M, office="NA03")
    ds.history("M2", (d(2024, 7, 1), "dang_thi_hanh"), (d(2026, 1, 20), "xong"))
    ds.pay("M2", d(2025, 1, 10), 10 * M).pay("M2", d(2025, 12, 10), 15 * M, "ban_tai_san")
    # P1 postponed by agreement (with conditions); P2 postponed on other grounds, P3 suspended, P4 no
    # conditions after paying 5m (all three without conditions).
    ds.case("P1", d(2025, 10, 15), 10 * M, office="NA03")
    ds.history("P1", (d(2025, 10, 15), "dang_thi_hanh"), (d(2025, 12, 1), "hoan_thoa_thuan"))
    ds.case("P2", d(2025, 10, 20), 12 * M, office="NA03")
    ds.history("P2", (d(2025, 10, 20), "dang_thi_hanh"), (d(2025, 12, 1), "hoan"))
    ds.case("P3", d(2025, 11, 1), 14 * M, office="NA03")
    ds.history("P3", (d(2025, 11, 1), "dang_thi_hanh"), (d(2026, 1, 10), "tam_dinh_chi"))
    ds.case("P4", d(2025, 11, 5), 20 * M, office="NA03")
    ds.history("P4", (d(2025, 11, 5), "dang_thi_hanh"), (d(2026, 2, 1), "chua_co_dieu_kien"))
    ds.pay("P4", d(2026, 1, 15), 5 * M)

    # NA04 - separate register, entrustment, withdrawal.
    ds.case("R1", d(2018, 3, 1), 25 * M, office="NA04")  # out to the register and back
    ds.history("R1", (d(2018, 3, 1), "dang_thi_hanh"), (d(2018, 6, 1), "chua_co_dieu_kien"),
               (d(2024, 5, 1), "theo_doi_rieng"), (d(2026, 2, 1), "dang_thi_hanh"))
    ds.case("R2", d(2018, 4, 1), 9 * M, office="NA04")  # from the register straight to closed
    ds.history("R2", (d(2018, 4, 1), "dang_thi_hanh"), (d(2018, 6, 1), "chua_co_dieu_kien"),
               (d(2024, 5, 1), "theo_doi_rieng"), (d(2026, 3, 1), "xong"))
    ds.case("E1", d(2025, 10, 10), 40 * M, office="NA04")  # entrusted, nothing paid
    ds.history("E1", (d(2025, 10, 10), "dang_thi_hanh"), (d(2026, 1, 10), "uy_thac"))
    ds.case("E2", d(2025, 10, 12), 40 * M, office="NA04")  # 8m paid, then entrusted: partly done
    ds.history("E2", (d(2025, 10, 12), "dang_thi_hanh"), (d(2026, 1, 10), "uy_thac"))
    ds.pay("E2", d(2026, 1, 5), 8 * M)
    ds.case("E3", d(2024, 11, 1), 30 * M, office="NA04")  # paid 6m last year only: entrusted
    ds.history("E3", (d(2024, 11, 1), "dang_thi_hanh"), (d(2026, 1, 10), "uy_thac"))
    ds.pay("E3", d(2025, 3, 1), 6 * M)
    ds.case("T1", d(2025, 10, 20), 7 * M, office="NA04")  # withdrawn
    ds.history("T1", (d(2025, 10, 20), "dang_thi_hanh"), (d(2025, 12, 20), "thu_hoi"))

    # NA07 - credit cases; spellings of the institution vary.
    ds.case("K1", d(2025, 11, 1), 100 * M, office="NA07", credit=True, institution="  vietcombank ")
    ds.history("K1", (d(2025, 11, 1), "dang_thi_hanh"), (d(2026, 2, 1), "xong"))
    ds.pay("K1", d(2026, 1, 25), 100 * M, "ban_tai_san")
    ds.case("K2", d(2025, 12, 1), 50 * M, office="NA07", credit=True,
            institution="Ngan hang TMCP Ngoai thuong Viet Nam")
    ds.case("K3", d(2025, 12, 5), 20 * M, office="NA07", credit=True, institution="Ngân Hàng ABC Mới")
    ds.case("K4", d(2026, 1, 10), 30 * M, office="NA07", credit=True, institution="nh ĐẦU TƯ và phát triển")
    ds.case("K5", d(2025, 12, 10), 10 * M, office="NA07")

    # NA08 - without conditions only.
    ds.case("Z1", d(2025, 11, 1), 5 * M, office="NA08").event("Z1", d(2025, 11, 1), "chua_co_dieu_kien")

    # NA09 - last year exists: seasonal projection.
    ds.case("Y1", d(2024, 11, 1), 10 * M, office="NA09")
    ds.history("Y1", (d(2024, 11, 1), "dang_thi_hanh"), (d(2025, 3, 1), "xong"))
    ds.case("Y2", d(2024, 12, 1), 10 * M, office="NA09")
    ds.history("Y2", (d(2024, 12, 1), "dang_thi_hanh"), (d(2025, 8, 15), "xong"))
    ds.case("Y3", d(2025, 8, 1), 10 * M, office="NA09")
    ds.case("Y4", d(2025, 11, 1), 20 * M, office="NA09")
    ds.history("Y4", (d(2025, 11, 1), "dang_thi_hanh"), (d(2026, 2, 1), "xong"))

    # NA10 - nothing on the same day last year: projection by the share of the year.
    ds.case("V0", d(2025, 7, 15), 40 * M, office="NA10")
    ds.case("V1", d(2025, 12, 1), 30 * M, office="NA10")
    ds.history("V1", (d(2025, 12, 1), "dang_thi_hanh"), (d(2026, 3, 1), "xong"))
    ds.case("V2", d(2026, 1, 15), 20 * M, office="NA10")
    return ds


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("kpi"), province(), AS_OF)
    yield con
    con.close()


def kpi(con, office: str, label: str = YTD, scope: str = "all") -> dict:
    return one(con, "select * from marts.kpi_period where office_code = ? and period_label = ? and scope = ?",
               [office, label, scope])


def fact(con, case_id: str, label: str = YTD) -> dict:
    return one(con, """
        select f.* from intermediate.int_case_period_kpi f
        join intermediate.int_periods p using (period_id)
        where f.case_id = ? and p.period_label = ?""", [case_id, label])


def figures(row: dict, names: str) -> dict:
    return {n: row[n] for n in names.split()}


COUNTS = ("carried_over new_cases handled entrusted withdrawn moved_to_separate to_enforce with_conditions "
          "without_conditions completed carried_forward")
MONEY = ("money_to_enforce money_with_conditions money_completed money_paid money_exempted "
         "money_closed_remainder money_carried_forward money_recovered")


# --------------------------------------------------------------------------------------------------
# The worked examples of metrics.md (NA01)
# --------------------------------------------------------------------------------------------------

def test_worked_example_1_carried_over_with_partial_payments(wh):
    f = fact(wh, "W1")
    # received 2023, open on 30/09/2025: carried over, with conditions, not completed
    assert (f["carried_over"], f["is_with_conditions"], f["is_completed"]) == (True, True, False)
    # outstanding_start = 200m - 50m paid on 10/01/2024 = 150m; completed = the 30m of 05/01/2026, all paid
    assert figures(f, "outstanding_start money_to_enforce money_with_conditions money_completed money_paid") == {
        "outstanding_start": 150 * M, "money_to_enforce": 150 * M, "money_with_conditions": 150 * M,
        "money_completed": 30 * M, "money_paid": 30 * M}


def test_worked_example_2_partly_done_and_entrusted(wh):
    f = fact(wh, "W2")
    assert (f["is_new"], f["partly_done_entrusted"], f["is_completed"], f["is_with_conditions"],
            f["is_entrusted"]) == (True, True, True, True, False)
    # money to enforce, with conditions and completed are the 10m write-down, all money_exempted
    assert figures(f, "money_to_enforce money_with_conditions money_completed money_exempted money_paid "
                      "money_recovered") == {
        "money_to_enforce": 10 * M, "money_with_conditions": 10 * M, "money_completed": 10 * M,
        "money_exempted": 10 * M, "money_paid": 0, "money_recovered": 0}


def test_worked_example_3_moved_to_the_separate_register(wh):
    f = fact(wh, "W3")
    # open (chua_co_dieu_kien) on 30/09/2025: carried over; theo_doi_rieng at the end: out of to_enforce
    assert (f["carried_over"], f["is_moved_to_separate"], f["is_to_enforce"], f["money_to_enforce"]) == (
        True, True, False, 0)


def test_worked_examples_office_row(wh):
    row = kpi(wh, "NA01")
    # carried over W1, W3; new W2; W3 moved to the register; to enforce W1, W2 (both with conditions);
    # completed W2 (partly done, entrusted); carried forward W1.
    assert figures(row, COUNTS) == dict(
        carried_over=2, new_cases=1, handled=3, entrusted=0, withdrawn=0, moved_to_separate=1, to_enforce=2,
        with_conditions=2, without_conditions=0, completed=1, carried_forward=1)
    assert row["rate_cases"] == pytest.approx(50.0)  # 1 of 2
    # to enforce 150m (W1) + 10m (W2) = 160m; completed 30m paid (W1) + 10m exempted (W2) = 40m;
    # carried forward 160m - 40m = 120m; recovered: W1's 30m only (a write-down is not recovered).
    assert figures(row, MONEY) == dict(
        money_to_enforce=160 * M, money_with_conditions=160 * M, money_completed=40 * M, money_paid=30 * M,
        money_exempted=10 * M, money_closed_remainder=0, money_carried_forward=120 * M,
        money_recovered=30 * M)
    assert row["rate_money"] == pytest.approx(25.0)  # 40m of 160m


# --------------------------------------------------------------------------------------------------
# Periods: first and last days, same-day events, cumulative and standalone (NA02)
# --------------------------------------------------------------------------------------------------

def test_kpi_periods_of_the_running_and_previous_years(wh):
    periods = rows(wh, "select period_kind, period_label, period_start, period_end from intermediate.int_periods "
                       "where purpose = 'kpi' order by period_kind, period_start, period_end")
    by_kind: dict[str, list] = {}
    for p in periods:
        by_kind.setdefault(p["period_kind"], []).append(p)
    # ytd: 9 month ends 31/10/2025 .. 30/06/2026 (the last is the as-of date) + the same day last year
    assert [p["period_end"] for p in by_kind["ytd"]] == [
        d(2025, 6, 30), d(2025, 10, 31), d(2025, 11, 30), d(2025, 12, 31), d(2026, 1, 31), d(2026, 2, 28),
        d(2026, 3, 31), d(2026, 4, 30), d(2026, 5, 31), d(2026, 6, 30)]
    assert by_kind["ytd"][0]["period_start"] == d(2024, 10, 1)
    assert {p["period_start"] for p in by_kind["ytd"][1:]} == {d(2025, 10, 1)}
    assert [p["period_label"] for p in by_kind["year"]] == ["2022", "2023", "2024", "2025"]
    assert (by_kind["year"][0]["period_start"], by_kind["year"][-1]["period_end"]) == (d(2021, 10, 1), d(2025, 9, 30))
    # halves of 2025 and 2026; 2026 H2 has begun (01/04/2026) and ends on the as-of date
    assert [(p["period_label"], p["period_start"], p["period_end"]) for p in by_kind["half"]] == [
        ("2025 H1", d(2024, 10, 1), d(2025, 3, 31)), ("2025 H2", d(2025, 4, 1), d(2025, 9, 30)),
        ("2026 H1", d(2025, 10, 1), d(2026, 3, 31)), ("2026 H2", d(2026, 4, 1), d(2026, 6, 30))]
    # quarters: 4 of 2025, 3 of 2026 (Q4 = July-September 2026 has not begun)
    assert [p["period_label"] for p in by_kind["quarter"]] == [
        "2025 Q1", "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3"]
    # months: October 2024 .. June 2026
    assert len(by_kind["month"]) == 21
    assert (by_kind["month"][0]["period_label"], by_kind["month"][-1]["period_label"]) == ("2024-10", "2026-06")


def test_first_and_last_day_of_a_period(wh):
    # year 2025: B2 (received on its last day, 30/09/2025) is new and carried forward
    assert figures(kpi(wh, "NA02", "2025"), "carried_over new_cases handled carried_forward") == dict(
        carried_over=0, new_cases=1, handled=1, carried_forward=1)
    # October 2025: B2 open on 30/09 is carried over; B1 received on 01/10 is new
    assert figures(kpi(wh, "NA02", "2025-10"), "carried_over new_cases") == dict(carried_over=1, new_cases=1)
    # 2026 Q2 (01/01-31/03/2026): B1, B2, S1, S2 carried over; B3 received on 31/03 is new
    assert figures(kpi(wh, "NA02", "2026 Q2"), "carried_over new_cases") == dict(carried_over=4, new_cases=1)
    # April 2026: B3 (received 31/03) is now carried over with B1, B2, S1; S2 closed in February
    assert figures(kpi(wh, "NA02", "2026-04"), "carried_over new_cases handled") == dict(
        carried_over=4, new_cases=0, handled=4)
    # the as-of ytd: B2 carried over; B1, B3, S1, S2 new
    assert figures(kpi(wh, "NA02"), "carried_over new_cases handled") == dict(carried_over=1, new_cases=4, handled=5)


def test_same_day_events_keep_file_order(wh):
    # S1: xong then dang_thi_hanh on 15/01/2026 -> open; S2: dang_thi_hanh then xong on 20/02/2026 -> done
    assert fact(wh, "S1")["status_at_end"] == "dang_thi_hanh"
    assert fact(wh, "S2")["status_at_end"] == "xong"
    assert figures(kpi(wh, "NA02"), "completed with_conditions carried_forward") == dict(
        completed=1, with_conditions=5, carried_forward=4)
    # in January 2026 S1 was closed for zero days: its status on 15/01 is dang_thi_hanh
    assert one(wh, "select status from intermediate.int_case_status_intervals where case_id = 'S1' "
                   "and valid_from <= date '2026-01-15' and coalesce(valid_to, date '9999-12-31') > date '2026-01-15'"
               )["status"] == "dang_thi_hanh"


def test_cumulative_and_standalone_periods(wh):
    # M1 (NA03): cumulative money completed grows 30m (Nov) -> 40m (Feb: +10m) -> 45m (Mar: +5m write-down)
    cumulative = {r["period_end"]: r["money_completed"] for r in rows(wh, """
        select f.money_completed, p.period_end from intermediate.int_case_period_kpi f
        join intermediate.int_periods p using (period_id)
        where f.case_id = 'M1' and p.period_kind = 'ytd' and p.statistical_year = 2026""")}
    assert cumulative == {d(2025, 10, 31): 0, d(2025, 11, 30): 30 * M, d(2025, 12, 31): 30 * M,
                          d(2026, 1, 31): 30 * M, d(2026, 2, 28): 40 * M, d(2026, 3, 31): 45 * M,
                          d(2026, 4, 30): 45 * M, d(2026, 5, 31): 45 * M, d(2026, 6, 30): 45 * M}
    # standalone February 2026: outstanding_start = 100m - 20m - 30m = 50m; completed the 10m of 01/02
    feb = fact(wh, "M1", "2026-02")
    assert (feb["carried_over"], feb["outstanding_start"], feb["money_completed"]) == (True, 50 * M, 10 * M)
    # NA03 in February: only M1 has money moving (M2 closed 20/01; P4 paid in January)
    assert figures(kpi(wh, "NA03", "2026-02"), "money_completed money_recovered") == dict(
        money_completed=10 * M, money_recovered=10 * M)
    # 2026 Q2 (January-March): M1 completed 10m cuong_che + 5m mien_giam
    q2 = fact(wh, "M1", "2026 Q2")
    assert (q2["money_completed"], q2["money_paid"], q2["money_exempted"]) == (15 * M, 10 * M, 5 * M)


# --------------------------------------------------------------------------------------------------
# Money and conditions (NA03)
# --------------------------------------------------------------------------------------------------

def test_money_with_partial_payments_before_and_during_the_period(wh):
    m1 = fact(wh, "M1")
    # 100m - 20m paid before 01/10/2025 = 80m; 30m + 10m paid and 5m written down within the year
    assert figures(m1, "outstanding_start money_completed money_paid money_exempted money_carried_forward") == dict(
        outstanding_start=80 * M, money_completed=45 * M, money_paid=40 * M, money_exempted=5 * M,
        money_carried_forward=35 * M)
    m2 = fact(wh, "M2")
    # closed xong: completed = outstanding_start 50m - 10m = 40m, of which 15m from the sale, 25m remainder
    assert figures(m2, "outstanding_start money_completed money_paid money_closed_remainder") == dict(
        outstanding_start=40 * M, money_completed=40 * M, money_paid=15 * M, money_closed_remainder=25 * M)


def test_postponement_by_agreement_counts_with_conditions(wh):
    assert (fact(wh, "P1")["is_with_conditions"], fact(wh, "P1")["is_without_conditions"]) == (True, False)
    for case_id in ("P2", "P3", "P4"):  # hoan (other grounds), tam_dinh_chi, chua_co_dieu_kien
        f = fact(wh, case_id)
        assert (f["is_with_conditions"], f["is_without_conditions"], f["is_carried_forward"]) == (False, True, True)


def test_money_and_conditions_office_row(wh):
    row = kpi(wh, "NA03")
    # carried over M1, M2; new P1-P4; with conditions M1, M2, P1; without P2, P3, P4; completed M2
    assert figures(row, COUNTS) == dict(
        carried_over=2, new_cases=4, handled=6, entrusted=0, withdrawn=0, moved_to_separate=0, to_enforce=6,
        with_conditions=3, without_conditions=3, completed=1, carried_forward=5)
    # to enforce: M1 80 + M2 40 + P1 10 + P2 12 + P3 14 + P4 20 (paid 5m within the year, not credited
    # to a case without conditions) = 176m; with conditions 80 + 40 + 10 = 130m;
    # completed 45 (M1) + 40 (M2) = 85m = paid 40 + 15, exempted 5, closed remainder 25;
    # carried forward 176 - 85 = 91m; recovered 40 (M1) + 15 (M2) + 5 (P4) = 60m
    assert figures(row, MONEY) == dict(
        money_to_enforce=176 * M, money_with_conditions=130 * M, money_completed=85 * M, money_paid=55 * M,
        money_exempted=5 * M, money_closed_remainder=25 * M, money_carried_forward=91 * M,
        money_recovered=60 * M)
    assert row["rate_cases"] == pytest.approx(100 / 3)
    assert row["rate_money"] == pytest.approx(85 / 130 * 100)


# --------------------------------------------------------------------------------------------------
# Separate register, entrustment, withdrawal (NA04)
# --------------------------------------------------------------------------------------------------

def test_separate_register_out_and_back(wh):
    # R1 went to the register on 01/05/2024: in year 2024 it was carried over and moved to separate
    y2024 = fact(wh, "R1", "2024")
    assert (y2024["carried_over"], y2024["is_moved_to_separate"]) == (True, True)
    # in 2025 it stayed in the register: outside the counts
    assert fact(wh, "R1", "2025")["is_handled"] is False
    # back to dang_thi_hanh on 01/02/2026: new in the 2026 ytd, not carried over
    ytd = fact(wh, "R1")
    assert (ytd["carried_over"], ytd["is_new"], ytd["is_with_conditions"]) == (False, True, True)


def test_separate_register_straight_to_closed_is_outside_the_counts(wh):
    # in the register on 30/09/2025, xong on 01/03/2026 without coming back to an open status
    r2 = fact(wh, "R2")
    assert (r2["is_handled"], r2["is_new"], r2["is_completed"], r2["money_completed"]) == (False, False, False, 0)


def test_entrustment_with_and_without_payment_in_the_period(wh):
    assert (fact(wh, "E1")["is_entrusted"], fact(wh, "E1")["is_completed"]) == (True, False)
    e2 = fact(wh, "E2")  # 8m paid on 05/01/2026, entrusted 10/01/2026: partly done
    assert (e2["partly_done_entrusted"], e2["is_completed"], e2["money_completed"], e2["money_paid"]) == (
        True, True, 8 * M, 8 * M)
    e3 = fact(wh, "E3")  # its only payment predates the period: entrusted, not completed
    assert (e3["partly_done_entrusted"], e3["is_entrusted"], e3["money_to_enforce"]) == (False, True, 0)


def test_register_and_entrustment_office_row(wh):
    row = kpi(wh, "NA04")
    # carried over E3; new R1 (back from the register), E1, E2, T1; entrusted E1, E3; withdrawn T1;
    # to enforce R1, E2, both with conditions; completed E2; carried forward R1
    assert figures(row, COUNTS) == dict(
        carried_over=1, new_cases=4, handled=5, entrusted=2, withdrawn=1, moved_to_separate=0, to_enforce=2,
        with_conditions=2, without_conditions=0, completed=1, carried_forward=1)
    # R1 25m + E2's 8m = 33m to enforce; completed 8m; recovered 8m (E3's payment predates the year)
    assert figures(row, "money_to_enforce money_completed money_carried_forward money_recovered") == dict(
        money_to_enforce=33 * M, money_completed=8 * M, money_carried_forward=25 * M, money_recovered=8 * M)


# --------------------------------------------------------------------------------------------------
# Credit scope (NA07), empty rates (NA08, NA10 ...), province row
# --------------------------------------------------------------------------------------------------

def test_credit_scope(wh):
    credit = kpi(wh, "NA07", scope="credit")
    # K1..K4 are credit cases (K5 is not); K1 closed xong after a 100m sale
    assert figures(credit, "handled to_enforce with_conditions completed money_to_enforce money_completed "
                           "money_recovered") == dict(
        handled=4, to_enforce=4, with_conditions=4, completed=1, money_to_enforce=200 * M,
        money_completed=100 * M, money_recovered=100 * M)
    assert credit["rate_money"] == pytest.approx(50.0)
    assert figures(kpi(wh, "NA07"), "handled money_to_enforce") == dict(handled=5, money_to_enforce=210 * M)
    # the province's credit row holds NA07's credit cases only (no other office has any)
    assert figures(kpi(wh, "ALL", scope="credit"), "handled money_to_enforce") == dict(
        handled=4, money_to_enforce=200 * M)


def test_credit_institution_spellings(wh):
    got = {r["case_id"]: (r["credit_institution_canonical"], r["credit_institution_known"])
           for r in rows(wh, "select * from staging.stg_cases where credit_case")}
    vcb = "Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)"
    assert got == {
        "K1": (vcb, True),  # "  vietcombank ": case and spaces
        "K2": (vcb, True),  # written without diacritics
        "K3": ("Ngân Hàng ABC Mới", False),  # unknown: kept as written, flagged
        "K4": ("Ngân hàng TMCP Đầu tư và Phát triển Việt Nam (BIDV)", True),  # "nh ĐẦU TƯ ...": đ and case
    }


def test_credit_institutions_mart(wh):
    by_name = {r["credit_institution"]: r for r in rows(
        wh, "select * from marts.credit_institutions where period_label = ?", [YTD])}
    vcb = by_name["Ngân hàng TMCP Ngoại thương Việt Nam (Vietcombank)"]
    # K1 (100m, completed by the 100m sale) + K2 (50m open)
    assert figures(vcb, "cases money_to_enforce money_completed money_recovered") == dict(
        cases=2, money_to_enforce=150 * M, money_completed=100 * M, money_recovered=100 * M)
    assert vcb["rate_money"] == pytest.approx(100 / 150 * 100)
    province_money = kpi(wh, "ALL")["money_to_enforce"]
    assert vcb["share_of_all_money"] == pytest.approx(150 * M / province_money * 100)
    assert by_name["Ngân Hàng ABC Mới"]["credit_institution_known"] is False
    assert sum(r["money_to_enforce"] for r in by_name.values()) == 200 * M


def test_rates_are_empty_when_the_divisor_is_zero(wh):
    z = kpi(wh, "NA08")  # Z1: chua_co_dieu_kien from its first day
    assert (z["with_conditions"], z["without_conditions"], z["rate_cases"], z["rate_money"]) == (0, 1, None, None)
    # an office with nothing in a period still has its row, with zeros and empty rates
    empty = kpi(wh, "NA08", "2025")
    assert (empty["handled"], empty["money_to_enforce"], empty["rate_cases"], empty["rate_money"]) == (0, 0, None, None)


def test_one_row_per_period_scope_and_office(wh):
    # 46 KPI periods x 2 scopes x (ALL + 10 offices)
    assert one(wh, "select count(*) as n, count(distinct (period_kind, period_start, period_end, scope, "
                   "office_code)) as keys from marts.kpi_period") == {"n": 46 * 2 * 11, "keys": 46 * 2 * 11}


def test_breakdown_by_initiation_and_judgment_type(wh):
    # NA01: W2 is chu_dong / hinh_su; W1 and W3 theo_don / dan_su (W3 moved to the register)
    got = {(r["breakdown"], r["breakdown_value"]): figures(r, "handled to_enforce completed money_to_enforce")
           for r in rows(wh, "select * from marts.kpi_breakdown where office_code = 'NA01' and scope = 'all' "
                             "and period_label = ?", [YTD])}
    assert got == {
        ("initiation", "chu_dong"): dict(handled=1, to_enforce=1, completed=1, money_to_enforce=10 * M),
        ("initiation", "theo_don"): dict(handled=2, to_enforce=1, completed=0, money_to_enforce=150 * M),
        ("judgment_type", "hinh_su"): dict(handled=1, to_enforce=1, completed=1, money_to_enforce=10 * M),
        ("judgment_type", "dan_su"): dict(handled=2, to_enforce=1, completed=0, money_to_enforce=150 * M),
    }
    kinds = {r["period_kind"] for r in rows(wh, "select distinct period_kind from marts.kpi_breakdown")}
    assert kinds == {"ytd", "year"}


# --------------------------------------------------------------------------------------------------
# Targets and projection (NA09, NA10)
# --------------------------------------------------------------------------------------------------

def test_targets_fall_back_to_the_latest_known_year(wh):
    # 2026 has no target in targets.csv: the 2025 one (83.90 / 51.90), labelled 2025
    assert figures(kpi(wh, "ALL"), "target_rate_cases target_rate_money target_year") == dict(
        target_rate_cases=83.90, target_rate_money=51.90, target_year=2025)
    # an office shows the province's target; 2022 has its own
    assert figures(kpi(wh, "NA03", "2022"), "target_rate_cases target_rate_money target_year") == dict(
        target_rate_cases=81.50, target_rate_money=40.10, target_year=2022)
    # no credit target is known: empty
    assert kpi(wh, "ALL", scope="credit")["target_year"] is None


def test_projection_from_last_years_seasonality(wh):
    row = kpi(wh, "NA09")
    # same day last year (to 30/06/2025): with conditions Y1, Y2 (20m), completed Y1 (10m)
    # full year 2025: with conditions Y1, Y2, Y3 (30m), completed Y1, Y2 (20m)
    # ratios: completed 2/1 = 2, with conditions 3/2 = 1.5, money 20/10 = 2 and 30/20 = 1.5
    # this year to date: with conditions Y3, Y4 (30m), completed Y4 (20m)
    assert row["projection_method"] == "seasonal_last_year"
    assert row["projected_completed"] == pytest.approx(2.0)            # 1 x 2
    assert row["projected_with_conditions"] == pytest.approx(3.0)      # 2 x 1.5
    assert row["projected_money_completed"] == pytest.approx(40 * M)   # 20m x 2
    assert row["projected_money_with_conditions"] == pytest.approx(45 * M)  # 30m x 1.5
    assert row["projected_rate_cases"] == pytest.approx(200 / 3)       # 2 / 3
    assert row["projected_rate_money"] == pytest.approx(40 / 45 * 100)
    assert row["target_met_projected"] is False                        # 66.67 % < 83.90 %


def test_projection_by_share_of_the_year(wh):
    row = kpi(wh, "NA10")
    # nothing on 30/06/2025 (V0 arrived 15/07/2025): scale by 365 days / 273 elapsed.
    # completed V1 -> 365/273; with conditions: V0 carried over kept, V1 and V2 new scaled: 1 + 2 x 365/273
    assert row["projection_method"] == "share_of_year"
    assert row["projected_completed"] == pytest.approx(365 / 273)
    assert row["projected_with_conditions"] == pytest.approx(1 + 2 * 365 / 273)
    assert row["projected_rate_cases"] == pytest.approx(365 / 1003 * 100)  # = 36.39 %
    # money: completed 30m x 365/273; with conditions 40m (V0) + 50m (V1, V2) x 365/273
    assert row["projected_money_with_conditions"] == pytest.approx(40 * M + 50 * M * 365 / 273)
    assert row["projected_rate_money"] == pytest.approx(10950 / 29170 * 100)  # = 37.54 %
    assert row["target_met_projected"] is False


def test_projection_only_on_the_running_years_as_of_row(wh):
    got = rows(wh, "select distinct period_label from marts.kpi_period where projection_method is not null")
    assert got == [{"period_label": YTD}]


def test_projection_never_completes_more_than_it_has(tmp_path):
    # C1 (NA01), received 01/05/2025, carried over into 2026 and closed xong on 10/01/2026: completed 1 of 1.
    # Last year's same-day row has nothing completed, so share_of_year: 1 x 365/273 = 1.34 completed of
    # 1 with conditions (carried over, kept as is) -> capped at 1: 100 %.
    ds = Dataset().case("C1", d(2025, 5, 1), 10 * M, office="NA01")
    ds.history("C1", (d(2025, 5, 1), "dang_thi_hanh"), (d(2026, 1, 10), "xong"))
    con = build(tmp_path, ds, AS_OF)
    row = kpi(con, "NA01")
    con.close()
    assert row["projection_method"] == "share_of_year"
    assert (row["projected_completed"], row["projected_with_conditions"]) == (pytest.approx(1.0), pytest.approx(1.0))
    assert (row["projected_rate_cases"], row["projected_rate_money"]) == (pytest.approx(100.0), pytest.approx(100.0))
    assert row["target_met_projected"] is True  # 100 % >= 83.90 % and >= 51.90 %


MART_COLUMNS = {
    "kpi_period": ["period_kind", "period_label", "period_start", "period_end", "statistical_year", "scope",
                   "office_code"] + COUNTS.split()[:11] + ["rate_cases"]
                  + MONEY.split()[:7] + ["rate_money", "money_recovered", "target_rate_cases", "target_rate_money",
                                         "target_year", "projected_rate_cases", "projected_rate_money",
                                         "projected_completed", "projected_with_conditions",
                                         "projected_money_completed", "projected_money_with_conditions",
                                         "projection_method", "target_met_projected"],
}


def test_mart_columns_and_types(wh):
    cols = rows(wh, "select table_name, column_name, data_type from information_schema.columns "
                    "where table_schema = 'marts' order by table_name, ordinal_position")
    kpi_cols = [c["column_name"] for c in cols if c["table_name"] == "kpi_period"]
    assert kpi_cols == MART_COLUMNS["kpi_period"]
    breakdown_cols = [c["column_name"] for c in cols if c["table_name"] == "kpi_breakdown"]
    assert breakdown_cols == kpi_cols[:7] + ["breakdown", "breakdown_value"] + kpi_cols[7:]
    mine = {"kpi_period", "kpi_breakdown", "backlog_ageing", "backlog_ageing_by_judgment_type", "case_flow",
            "credit_institutions", "cases_current"}
    types = {(c["table_name"], c["column_name"]): c["data_type"] for c in cols if c["table_name"] in mine}
    # counts and money are BIGINT (never HUGEINT from an unconverted SUM or COUNT_IF); rates DOUBLE
    assert [k for k, t in types.items() if t.startswith(("HUGEINT", "DECIMAL", "INT128"))] == []
    for name in COUNTS.split() + MONEY.split():
        assert types[("kpi_period", name)] == "BIGINT", name
    assert types[("kpi_period", "rate_cases")] == types[("kpi_period", "rate_money")] == "DOUBLE"
