"""The status of a case on a day (metrics.md, Periods) and the data-quality warnings of a build."""

from __future__ import annotations

from datetime import date as d

import duckdb
import pytest

from transforms.build import build_warehouse
from warehouse_data import Dataset, rows

AS_OF = d(2026, 6, 30)


def dataset() -> Dataset:
    ds = Dataset()
    # L1: history starts a month after it was received (a warning): dang_thi_hanh until 01/12/2025
    ds.case("L1", d(2025, 11, 1), office="NA01").event("L1", d(2025, 12, 1), "hoan")
    # N1: no events, status xong since 10/03/2026: dang_thi_hanh until then
    ds.case("N1", d(2025, 12, 1), office="NA01", status="xong", status_date=d(2026, 3, 10))
    # N2: no events, dang_thi_hanh
    ds.case("N2", d(2024, 1, 1), office="NA01", status="dang_thi_hanh", status_date=d(2024, 1, 1))
    # Q1: three events on one day: the last one (in file order) holds from that day
    ds.case("Q1", d(2026, 1, 5), office="NA01")
    ds.history("Q1", (d(2026, 1, 5), "dang_thi_hanh"), (d(2026, 1, 5), "hoan"), (d(2026, 1, 5), "tam_dinh_chi"))
    # D1: cases row disagrees with its events (the events win, and it is listed)
    ds.case("D1", d(2025, 10, 5), office="NA02", status="xong", status_date=d(2026, 1, 1))
    ds.event("D1", d(2025, 10, 5), "dang_thi_hanh")
    # K1: a spelling of a bank that the reference data does not know
    ds.case("K1", d(2025, 10, 5), office="NA02", credit=True, institution="Ngan hang Khong Ro")
    return ds


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("status")
    result = build_warehouse(root / "wh.duckdb", dataset().write(root / "canonical"), AS_OF)
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    yield result, con
    con.close()


def status_on(con, case_id: str, day: d) -> str | None:
    found = rows(con, "select status from intermediate.int_case_status_intervals where case_id = ? "
                      "and valid_from <= ? and coalesce(valid_to, date '9999-12-31') > ?", [case_id, day, day])
    assert len(found) <= 1
    return found[0]["status"] if found else None


def test_before_the_first_event_a_case_is_being_enforced(built):
    _, con = built
    assert status_on(con, "L1", d(2025, 10, 31)) is None  # not received yet
    assert status_on(con, "L1", d(2025, 11, 1)) == "dang_thi_hanh"
    assert status_on(con, "L1", d(2025, 11, 30)) == "dang_thi_hanh"
    assert status_on(con, "L1", d(2025, 12, 1)) == "hoan"
    # so on the November month end it counts with conditions, on the as-of date without
    by_end = {r["period_end"]: (r["is_with_conditions"], r["is_without_conditions"]) for r in rows(con, """
        select p.period_end, f.is_with_conditions, f.is_without_conditions from intermediate.int_case_period_kpi f
        join intermediate.int_periods p using (period_id)
        where f.case_id = 'L1' and p.period_kind = 'ytd' and p.period_end in ('2025-11-30', '2026-06-30')""")}
    assert by_end == {d(2025, 11, 30): (True, False), d(2026, 6, 30): (False, True)}


def test_a_case_without_events_takes_its_status_on_its_status_date(built):
    _, con = built
    assert status_on(con, "N1", d(2026, 3, 9)) == "dang_thi_hanh"
    assert status_on(con, "N1", d(2026, 3, 10)) == "xong"
    assert status_on(con, "N2", AS_OF) == "dang_thi_hanh"
    assert [r["status"] for r in rows(con, "select status from intermediate.int_case_status_intervals "
                                           "where case_id = 'N2'")] == ["dang_thi_hanh"]


def test_same_day_events_leave_zero_length_intervals(built):
    _, con = built
    got = rows(con, "select status, valid_from, valid_to from intermediate.int_case_status_intervals "
                    "where case_id = 'Q1' order by interval_seq")
    assert got == [
        {"status": "dang_thi_hanh", "valid_from": d(2026, 1, 5), "valid_to": d(2026, 1, 5)},
        {"status": "hoan", "valid_from": d(2026, 1, 5), "valid_to": d(2026, 1, 5)},
        {"status": "tam_dinh_chi", "valid_from": d(2026, 1, 5), "valid_to": None},
    ]
    assert status_on(con, "Q1", d(2026, 1, 5)) == "tam_dinh_chi"


def test_the_events_win_over_the_cases_row(built):
    _, con = built
    assert status_on(con, "D1", AS_OF) == "dang_thi_hanh"


def test_warnings_list_data_quality_findings_without_failing(built):
    result, _ = built
    warnings = {w.name: w for w in result.warnings}
    assert set(warnings) == {"warnings.first_event_after_received", "warnings.case_status_differs_from_events",
                             "warnings.unknown_credit_institution"}
    assert [r["case_id"] for r in warnings["warnings.first_event_after_received"].sample] == ["L1"]
    assert [r["case_id"] for r in warnings["warnings.case_status_differs_from_events"].sample] == ["D1"]
    assert warnings["warnings.unknown_credit_institution"].sample == [
        {"office_code": "NA02", "credit_institution": "Ngan hang Khong Ro", "cases": 1}]
