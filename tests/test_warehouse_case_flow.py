"""Case flow: incoming, outgoing, pending, clearance, disposition time and time to disposition
(metrics.md, "Case flow"), as of 30/06/2026. All cases are in office NA06."""

from __future__ import annotations

from datetime import date as d

import pytest

from warehouse_data import Dataset, build, one, rows

AS_OF = d(2026, 6, 30)


def dataset() -> Dataset:
    ds = Dataset()
    # F1 closes (xong), reopens, closes again (dinh_chi): two outgoings
    ds.case("F1", d(2025, 6, 1), office="NA06")
    ds.history("F1", (d(2025, 6, 1), "dang_thi_hanh"), (d(2025, 8, 10), "xong"), (d(2025, 9, 5), "dang_thi_hanh"),
               (d(2025, 11, 20), "dinh_chi"))
    ds.case("F2", d(2026, 1, 5), office="NA06")    # done in 20 days
    ds.history("F2", (d(2026, 1, 5), "dang_thi_hanh"), (d(2026, 1, 25), "xong"))
    ds.case("F3", d(2025, 1, 10), office="NA06")   # dinh_chi after 375 days
    ds.history("F3", (d(2025, 1, 10), "dang_thi_hanh"), (d(2026, 1, 20), "dinh_chi"))
    ds.case("F4", d(2025, 12, 15), office="NA06")  # open
    ds.case("F5", d(2024, 1, 1), office="NA06")    # in the separate register: not pending in the flow
    ds.history("F5", (d(2024, 1, 1), "dang_thi_hanh"), (d(2025, 1, 1), "theo_doi_rieng"))
    ds.case("F6", d(2026, 1, 10), office="NA06")   # entrusted: outgoing, but not a completion
    ds.history("F6", (d(2026, 1, 10), "dang_thi_hanh"), (d(2026, 1, 28), "uy_thac"))
    ds.case("F7", d(2026, 2, 1), office="NA06")    # closed and reopened on the same day
    ds.history("F7", (d(2026, 2, 1), "dang_thi_hanh"), (d(2026, 2, 10), "xong"), (d(2026, 2, 10), "dang_thi_hanh"))
    return ds


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    con = build(tmp_path_factory.mktemp("flow"), dataset(), AS_OF)
    yield con
    con.close()


def flow(con, kind: str, start: d, office: str = "NA06") -> dict:
    return one(con, "select * from marts.case_flow where period_kind = ? and period_start = ? and office_code = ?",
               [kind, start, office])


def test_january_2026(wh):
    row = flow(wh, "month", d(2026, 1, 1))
    # incoming F2, F6; outgoing F2 (xong), F3 (dinh_chi), F6 (uy_thac); pending on 31/01: F4 only
    # (F5 is in the separate register, F7 not yet received)
    assert (row["incoming"], row["outgoing"], row["pending_end"]) == (2, 3, 1)
    assert row["clearance_rate"] == pytest.approx(150.0)             # 3 / 2
    assert row["disposition_time_days"] == pytest.approx(31 / 3)     # 1 / 3 x 31 days
    # time to disposition over F2 (20 days) and F3 (375 days); F6 was entrusted, not completed
    assert row["ttd_median_days"] == pytest.approx(197.5)
    assert row["ttd_p90_days"] == pytest.approx(20 + 0.9 * 355)      # 339.5, continuous
    assert row["ttd_share_within_365"] == pytest.approx(50.0)


def test_reopen_and_close_counts_each_time(wh):
    aug = flow(wh, "month", d(2025, 8, 1))
    # F1 xong on 10/08; nothing received: clearance empty; pending on 31/08: F3
    assert (aug["incoming"], aug["outgoing"], aug["pending_end"], aug["clearance_rate"]) == (0, 1, 1, None)
    assert aug["disposition_time_days"] == pytest.approx(31.0)
    nov = flow(wh, "month", d(2025, 11, 1))
    # F1 again: dinh_chi on 20/11 after reopening, 172 days after 01/06/2025
    assert (nov["outgoing"], nov["ttd_median_days"]) == (1, pytest.approx(172.0))


def test_same_day_close_and_reopen_counts_as_outgoing(wh):
    feb = flow(wh, "month", d(2026, 2, 1))
    # F7 received 01/02, xong then dang_thi_hanh on 10/02: one closing; still pending on 28/02 with F4
    assert (feb["incoming"], feb["outgoing"], feb["pending_end"]) == (1, 1, 2)


def test_statistical_years(wh):
    y2025 = flow(wh, "year", d(2024, 10, 1))
    # received F1, F3; F1's xong in August; pending on 30/09/2025: F1 (reopened) and F3
    assert (y2025["incoming"], y2025["outgoing"], y2025["pending_end"]) == (2, 1, 2)
    y2026 = flow(wh, "year", d(2025, 10, 1))
    assert y2026["period_end"] == AS_OF  # the running year ends on the as-of date
    # received F2, F4, F6, F7; closings F1 (Nov), F2, F3, F6, F7; pending on 30/06/2026: F4, F7
    assert (y2026["incoming"], y2026["outgoing"], y2026["pending_end"]) == (4, 5, 2)
    assert y2026["disposition_time_days"] == pytest.approx(2 / 5 * 273)
    # completions F7 9, F2 20, F1 172, F3 375 days: median (20 + 172) / 2, p90 at 2.7 -> 172 + 0.7 x 203
    assert y2026["ttd_median_days"] == pytest.approx(96.0)
    assert y2026["ttd_p90_days"] == pytest.approx(314.1)
    assert y2026["ttd_share_within_365"] == pytest.approx(75.0)


def test_grid_and_province_rows(wh):
    # 36 months (07/2023 - 06/2026) + statistical years 2024 (F5's) to 2026, x (ALL + 10 offices)
    assert one(wh, "select count(*) as n from marts.case_flow")["n"] == (36 + 3) * 11
    months = rows(wh, "select min(period_start) as first, max(period_end) as last from marts.case_flow "
                      "where period_kind = 'month'")
    assert months == [{"first": d(2023, 7, 1), "last": AS_OF}]
    differ = rows(wh, """
        select a.period_kind, a.period_start from marts.case_flow a
        join marts.case_flow o using (period_kind, period_start)
        where a.office_code = 'ALL' and o.office_code = 'NA06'
          and (a.incoming, a.outgoing, a.pending_end) <> (o.incoming, o.outgoing, o.pending_end)""")
    assert differ == []
