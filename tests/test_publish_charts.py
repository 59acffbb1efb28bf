"""Each chart function on the hand-made warehouse of test_publish_warehouse.py: the figure carries the
figures worked out by hand there (comments give the arithmetic), with Vietnamese labels and separators."""

from __future__ import annotations

from datetime import date

import duckdb
import plotly.graph_objects as go
import pytest

from test_publish_warehouse import AS_OF, B, KPI_COLUMNS, kpi, make_warehouse
from thads.publish import charts as C


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = make_warehouse(tmp_path_factory.mktemp("charts") / "thads.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def trace(fig: go.Figure, name: str):
    found = [t for t in fig.data if t.name == name]
    assert found, f"no trace {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def test_every_chart_has_the_shared_signature_and_vietnamese_layout(con):
    assert len(C.CHARTS) == 17
    for name, fn in C.CHARTS.items():
        fig = fn(con, AS_OF)
        assert isinstance(fig, go.Figure), name
        assert fig.layout.separators == ",.", name          # decimal comma, thousands dot
        assert fig.layout.meta["chart"] == name
        assert not C.is_no_data(fig), name
        en = fn(con, AS_OF, "en")
        assert en.layout.separators == ".,"
        assert en.layout.title.text != fig.layout.title.text, name


def test_completion(con):
    fig = C.chart_completion(con, AS_OF)
    assert fig.layout.title.text == "Tỷ lệ thi hành xong năm 2026"
    assert list(fig.data[0].x) == ["Về việc", "Về tiền"]
    ytd = trace(fig, "Lũy kế đến 30/06/2026")
    # 800 of 1100 cases = 72.7272...; 110 of 260 bn = 42.3077...
    assert ytd.y == pytest.approx((800 / 1100 * 100, 110 / 260 * 100))
    assert list(ytd.text) == ["72,73 %", "42,31 %"]
    last_year = trace(fig, "Cùng kỳ năm trước (30/06/2025)")
    assert list(last_year.text) == ["70,00 %", "36,00 %"]            # 700/1000, 90/250
    assert list(trace(fig, "Dự báo cả năm 2026").y) == [80.5, 47.25]
    target = trace(fig, "Chỉ tiêu (năm 2025)")                     # no 2026 target: the latest, labelled 2025
    assert list(target.y) == [83.9, 51.9] and list(target.text) == ["83,90 %", "51,90 %"]


def test_completion_credit_has_no_target_bar(con):
    fig = C.chart_completion_credit(con, AS_OF)
    assert [t.name for t in fig.data] == ["Cùng kỳ năm trước (30/06/2025)", "Lũy kế đến 30/06/2026", "Dự báo cả năm 2026"]
    assert list(trace(fig, "Lũy kế đến 30/06/2026").text) == ["54,55 %", "30,00 %"]  # 60/110, 45/150


def test_completion_trend(con):
    fig = C.chart_completion_trend(con, AS_OF)
    cases = trace(fig, "Về việc")
    # month ends October .. May, then the as-of date (a month end, so labelled by its month)
    assert list(cases.x) == ["10/2025", "11/2025", "12/2025", "01/2026", "02/2026", "03/2026", "04/2026",
                             "05/2026", "06/2026"]
    # October: done 80, with conditions 900 + 60 - 120 = 840 -> 9.52 %; the as-of point is 800/1100
    assert cases.text[0] == "9,52 %" and cases.text[-1] == "72,73 %"
    assert list(fig.layout.xaxis.categoryarray)[-1] == "09/2026"      # the year runs to September
    proj = trace(fig, "Dự báo 30/09/2026 về việc")
    assert list(proj.x) == ["09/2026"] and list(proj.y) == [80.5]
    target = trace(fig, "Chỉ tiêu về việc (năm 2025): 83,90 %")
    assert list(target.y) == [83.9, 83.9]


def test_completion_trend_mid_month(con, tmp_path):
    # an as-of date that is not a month end is its own category, placed in its month
    path = tmp_path / "mid.duckdb"
    c = duckdb.connect(str(path))
    c.execute("create schema marts")
    c.execute(f"create table marts.kpi_period ({KPI_COLUMNS})")
    rows = [kpi("ytd", date(2025, 10, 1), d, "all", "ALL", co=100, new=10, ent=0, wd=0, sep=0, without=10,
                done=done, m_enf=B, m_with=B, paid=0, exempt=0, rem=0, recovered=0)
            for d, done in ((date(2025, 10, 31), 10), (date(2025, 11, 12), 20))]
    cols = list(rows[0])
    c.executemany(f"insert into marts.kpi_period ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
                  [[r[col] for col in cols] for r in rows])
    c.close()
    c = duckdb.connect(str(path), read_only=True)
    fig = C.chart_completion_trend(c, date(2025, 11, 12))
    assert list(trace(fig, "Về việc").x) == ["10/2025", "12/11/2025"]
    cats = list(fig.layout.xaxis.categoryarray)
    assert cats[:3] == ["10/2025", "12/11/2025", "11/2025"]
    c.close()


def test_waterfall_adds_up(con):
    fig = C.chart_waterfall(con, AS_OF)
    wf = fig.data[0]
    assert list(wf.x) == ["Năm trước chuyển sang", "Thụ lý mới", "Tổng số thụ lý", "Ủy thác", "Thu hồi, hủy quyết định",
                          "Chuyển sổ theo dõi riêng", "Phải thi hành", "Thi hành xong", "Chuyển kỳ sau"]
    assert list(wf.measure) == ["absolute", "relative", "total", "relative", "relative", "relative", "total",
                                "relative", "total"]
    # 900 + 600 = 1500; - 25 - 15 - 40 = 1420; - 800 = 620
    assert list(wf.y) == [900, 600, 0, -25, -15, -40, 0, -800, 0]
    assert list(wf.text) == ["900", "+600", "1.500", "−25", "−15", "−40", "1.420", "−800", "620"]
    steps = [y for y, m in zip(wf.y, wf.measure) if m != "total"]
    assert sum(steps) == 620


def test_backlog_ageing(con):
    fig = C.chart_backlog_ageing(con, AS_OF)
    with_cases = [t for t in fig.data if t.name == "Có điều kiện" and t.xaxis == "x"][0]
    assert list(with_cases.x) == ["Dưới 6 tháng", "6–12 tháng", "1–2 năm", "2–5 năm", "5–10 năm", "Trên 10 năm"]
    # NA01 + NA02: 100+50, 80, 60+20, 40, 10, 0+5 (the 29/06 row and the credit scope left out)
    assert list(with_cases.y) == [150, 80, 80, 40, 10, 5]
    with_money = [t for t in fig.data if t.name == "Có điều kiện" and t.xaxis == "x2"][0]
    assert list(with_money.y) == pytest.approx([14, 8, 15, 20, 5, 1])   # tỷ đồng
    assert with_money.text[0] == "14,00 tỷ đồng"
    assert C.backlog_with_over_one_year(con, AS_OF) == 135            # 60+40+10 + 20+5


def test_backlog_offices(con):
    fig = C.chart_backlog_offices(con, AS_OF)
    over_10 = [t for t in fig.data if t.name == "Trên 10 năm" and t.xaxis == "x"][0]  # with conditions, cases
    assert list(over_10.y) == ["NA02", "NA01"] and list(over_10.x) == [5, 0]
    separate = [t for t in fig.data if t.name == "Trên 10 năm" and t.xaxis == "x3"][0]
    assert list(separate.x) == [0, 15]
    assert fig.layout.annotations[0].text == "Có điều kiện – số việc"


def test_case_flow_trend(con):
    fig = C.chart_case_flow_trend(con, AS_OF)
    incoming = trace(fig, "Thụ lý mới")
    assert len(incoming.x) == 36                                       # July 2023 .. June 2026
    assert incoming.x[0] == date(2023, 7, 1) and incoming.x[-1] == date(2026, 6, 1)
    assert incoming.y[0] == 101 and incoming.y[-1] == 136             # 100 + i, i = 1 .. 36
    clearance = trace(fig, "Tỷ lệ giải quyết (ra/vào)")
    assert clearance.text[0] == "91,09 %"                              # 92 / 101
    year = C.load_case_flow_year(con, AS_OF)
    assert year["incoming"] == 900 and year["clearance_rate"] == 120.0


def test_case_flow_sums_offices_without_a_province_row(tmp_path):
    path = tmp_path / "flow.duckdb"
    c = duckdb.connect(str(path))
    c.execute("create schema marts")
    c.execute("""create table marts.case_flow (period_kind VARCHAR, period_start DATE, period_end DATE,
                 office_code VARCHAR, incoming BIGINT, outgoing BIGINT, pending_end BIGINT, clearance_rate DOUBLE,
                 disposition_time_days DOUBLE, ttd_median_days DOUBLE, ttd_p90_days DOUBLE, ttd_share_within_365 DOUBLE)""")
    c.execute("insert into marts.case_flow values ('month', '2026-06-01', '2026-06-30', 'NA01', 10, 5, 100, 50, 600, 1, 1, 1),"
              " ('month', '2026-06-01', '2026-06-30', 'NA02', 30, 45, 50, 150, 33, 1, 1, 1)")
    c.close()
    c = duckdb.connect(str(path), read_only=True)
    fig = C.chart_case_flow_trend(c, AS_OF)
    assert list(trace(fig, "Thụ lý mới").y) == [40]
    assert list(trace(fig, "Tỷ lệ giải quyết (ra/vào)").y) == [125.0]   # 50 out / 40 in, not the mean of rates
    c.close()


def test_asset_funnel(con):
    fig = C.chart_asset_funnel(con, AS_OF)
    normal, stuck = trace(fig, "Bình thường"), trace(fig, "Vướng (≥ 3 lần đấu giá không thành)")
    assert list(normal.y) == ["Chờ thẩm định giá", "Chờ đấu giá", "Đang đấu giá", "Đã bán, chưa bàn giao",
                              "Đã bán và bàn giao", "Giải tỏa kê biên"]
    assert list(normal.x) == [1, 0, 1, 1, 1, 1] and list(stuck.x) == [0, 3, 0, 0, 0, 0]
    assert fig.layout.xaxis.dtick == 1                                  # small counts: whole-number ticks


def test_price_ladders(con):
    fig = C.chart_price_ladders(con, AS_OF)
    # stuck assets by latest starting price: A2 (6 bn), A3 (2 bn), A8 (1 bn); A4 is not stuck
    assert [t.name for t in fig.data] == ["A2", "A3", "A8"]
    assert list(fig.data[0].x) == [1, 2, 3, 4] and list(fig.data[0].y) == [10, 8, 7, 6]
    assert list(fig.data[1].y) == [4, 3.5, 3, 2.5, 2]
    assert fig.data[0].text[0] == "10,00 tỷ đồng"
    assert fig.data[0].customdata[-1] == "chưa có kết quả" and fig.data[0].customdata[0] == "không thành"


def test_stuck_value(con):
    fig = C.chart_stuck_value(con, AS_OF)
    locked = trace(fig, "Giá khởi điểm gần nhất của tài sản vướng")
    owed = trace(fig, "Số tiền còn phải thi hành của các việc đó")
    assert list(locked.x) == ["NA01", "NA02"] and list(locked.y) == [6, 3]
    assert list(owed.y) == [50, 8]                                      # C3 counted once for A3 and A8
    assert C.load_stuck_summary(con)["stuck_value_locked"] == 9 * B


def test_credit_institutions(con):
    fig = C.chart_credit_institutions(con, AS_OF)
    enforce, done = trace(fig, "Phải thi hành"), trace(fig, "Thi hành xong")
    assert list(enforce.y) == ["Vietcombank", "Agribank", "BIDV"]      # the 2025 'Old bank' row is another period
    assert list(enforce.x) == [120, 60, 20] and list(done.x) == [30, 12, 3]
    assert done.customdata[0][1] == "25,00 %"                          # 30 / 120


def test_credit_share(con):
    fig = C.chart_credit_share(con, AS_OF)
    credit = trace(fig, "Tín dụng, ngân hàng")
    # cases to enforce 140 of 1420 = 9.859 %; money 200 of 400 bn = 50 %
    assert list(credit.text) == ["9,86 %", "50,00 %"]
    assert trace(fig, "Các việc khác").text[0] == "90,14 %"


def test_deadline_breaches(con):
    fig = C.chart_deadline_breaches(con, AS_OF)
    decision_open = [t for t in fig.data if t.name == "Ra quyết định thi hành án muộn" and t.xaxis == "x"][0]
    decision_done = [t for t in fig.data if t.name == "Ra quyết định thi hành án muộn" and t.xaxis == "x2"][0]
    assert list(decision_open.y) == ["NA02", "NA01"] and list(decision_open.x) == [1, 0]
    assert list(decision_done.x) == [0, 1]
    oldest = C.load_oldest_open_breaches(con)
    assert oldest["days_over"].to_list() == [200, 120, 40, 15]


def test_office_rates(con):
    fig = C.chart_office_rates(con, AS_OF)
    cases = trace(fig, "Về việc")
    assert list(cases.x) == ["NA01", "NA02"] and list(cases.text) == ["71,43 %", "75,00 %"]  # 500/700, 300/400
    assert trace(fig, "Toàn tỉnh về việc: 72,73 %")
    assert [s.y0 for s in fig.layout.shapes] == pytest.approx([800 / 1100 * 100, 110 / 260 * 100])


def test_office_workload(con):
    fig = C.chart_office_workload(con, AS_OF)
    # NA01 (290 + 100) / 3 officers = 130; NA02 (75 + 30) / 2 officers = 52.5 (10 unassigned count as pending)
    assert list(fig.data[0].x) == ["NA01", "NA02"] and list(fig.data[0].y) == [130, 52.5]


def test_data_quality_reads_the_nights_run(con):
    fig = C.chart_data_quality(con, AS_OF)
    assert list(trace(fig, "Đã nạp").y) == ["NA02", "NA01"]
    assert list(trace(fig, "Đã nạp").x) == [0, 1485]
    assert list(trace(fig, "Tệp bị từ chối").x) == [300, 0]
    q = C.load_night_quality(con, AS_OF)
    assert (q["run_id"], q["rows_read"], q["files_rejected"], q["files_standing"]) == ("R2", 1800, 1, 1)


def test_missing_marts_give_no_data_figures(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    c = duckdb.connect(str(path), read_only=True)
    for name, fn in C.CHARTS.items():
        fig = fn(c, AS_OF)
        assert C.is_no_data(fig), name
        assert "Không có dữ liệu" in fig.layout.annotations[0].text
    c.close()
