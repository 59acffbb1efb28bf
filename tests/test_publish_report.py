"""publish_report without a browser (the HTML-only path), its atomic swap, the page's content, and the
Excel forms. The browser path is in test_publish_browser.py."""

from __future__ import annotations

import logging
import os
import re
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest
from plotly.offline import get_plotlyjs

from test_publish_warehouse import AS_OF, B, make_warehouse
from thads.publish import charts as C
from thads.publish import report as R
from thads.publish.report import PublishError, publish_report


@pytest.fixture()
def no_browser(monkeypatch):
    monkeypatch.setenv("THADS_NO_BROWSER", "1")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return make_warehouse(tmp_path_factory.mktemp("report") / "thads.duckdb")


@pytest.fixture(scope="module")
def figures_once(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return R.build_figures(con, AS_OF, strict=True)
    finally:
        con.close()


@pytest.fixture()
def quick_figures(figures_once, monkeypatch):
    """For the tests of the file mechanics: the charts of the test warehouse, built once per module."""
    monkeypatch.setattr(R, "build_figures", lambda con, as_of, **kw: figures_once)


def listing(exports: Path) -> list[str]:
    return sorted(p.name for p in exports.iterdir())


def test_without_a_browser_the_html_is_published_and_the_skip_said_once(warehouse, tmp_path, no_browser, caplog):
    exports = tmp_path / "exports"
    with caplog.at_level(logging.WARNING, logger="thads.publish"):
        result = publish_report(warehouse, exports, AS_OF, strict=True)
    assert result.path == exports / "2026-06-30" and result.html.exists() and result.xlsx.exists()
    assert result.pdf is None and result.pngs == [] and result.skipped_browser_outputs
    notices = [m for m in result.messages if "skipped" in m]
    assert len(notices) == 1 and "apt-get install chromium" in notices[0] and "PNG" in notices[0]
    assert result.messages == notices                       # nothing else to say on the full warehouse
    logged = [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(logged) == 1
    assert listing(exports) == ["2026-06-30", "latest"]     # no temporary folder left behind
    assert (exports / "latest").is_symlink() and os.readlink(exports / "latest") == "2026-06-30"
    assert (exports / "latest" / "index.html").read_bytes() == result.html.read_bytes()
    assert sorted(p.name for p in result.path.iterdir()) == ["bang", "bao_cao.xlsx", "chat_luong_du_lieu.html", "index.html"]


def test_asking_for_png_without_a_browser_fails_and_writes_nothing(warehouse, tmp_path, no_browser):
    exports = tmp_path / "exports"
    with pytest.raises(PublishError, match="apt-get install chromium"):
        publish_report(warehouse, exports, AS_OF, png=True)
    assert not exports.exists() or listing(exports) == []


def test_the_page_is_self_contained_and_bilingual(warehouse, tmp_path, no_browser):
    page = publish_report(warehouse, tmp_path / "exports", AS_OF, strict=True).html.read_text(encoding="utf-8")
    assert page.count("plotly.js v") == 1                   # plotly.js inlined exactly once
    # nothing to fetch: no script or stylesheet from elsewhere (plotly.js itself only names its CDN as the
    # default topojson address of geo maps, which the report does not draw)
    ours = page.replace(get_plotlyjs(), "")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import|url\(|https?://", ours)
    assert '<html lang="vi" class="lang-vi">' in page and 'id="lang-switch"' in page
    for sid in range(1, 11):
        assert f'<section class="report-section" id="s{sid}">' in page
    assert page.count('class="chart"') == 17
    # both languages are in the page
    assert "Tỷ lệ thi hành xong" in page and "Completion rates" in page
    assert "Luồng việc trong năm" in page and "Case flow of the year" in page
    # headline numbers carry their raw values; Vietnamese text shows them rounded half up
    assert 'data-metric="rate_cases" data-value="72.72727272727273">72,73 %' in page
    assert 'data-metric="rate_cases" data-value="72.72727272727273">72.73 %' in page
    assert 'data-metric="moved_to_separate" data-value="40">40<' in page
    assert 'data-metric="stuck_value_locked" data-value="9000000000">9,00 tỷ đồng<' in page
    assert "chuyển sổ theo dõi riêng" in page                # the waterfall sentence says what is taken out
    assert "106/2025/QH15" in page and "Luật THADS 2008 sửa đổi 2014" in page and "tạm tính" in page
    assert "số tiền hiện nay" in page                         # past periods use today's amounts
    # a register value shown in a table is escaped, never markup
    assert "=HYPERLINK(&quot;x&quot;) thiếu cột Mã việc" in page
    # the figures: one JSON blob with both languages of every chart
    blob = re.search(r'<script type="application/json" id="report-figures">(.*?)</script>', page, re.S).group(1)
    assert "</" not in blob
    import json
    figures = json.loads(blob)
    assert set(figures) == set(C.CHARTS) and all(set(v) == {"vi", "en"} for v in figures.values())


def test_republishing_a_date_replaces_it_atomically(warehouse, tmp_path, no_browser, quick_figures):
    exports = tmp_path / "exports"
    first = publish_report(warehouse, exports, AS_OF)
    (first.path / "stale-file.txt").write_text("from an earlier publish")
    second = publish_report(warehouse, exports, AS_OF)
    assert second.path == first.path and not (second.path / "stale-file.txt").exists()
    assert listing(exports) == ["2026-06-30", "latest"]


def test_a_failed_publish_leaves_the_previous_report(warehouse, tmp_path, no_browser, quick_figures, monkeypatch):
    exports = tmp_path / "exports"
    publish_report(warehouse, exports, AS_OF)
    before = (exports / "2026-06-30" / "index.html").read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(R, "write_kpi_workbook", broken)
    with pytest.raises(OSError, match="disk full"):
        publish_report(warehouse, exports, AS_OF)
    assert (exports / "2026-06-30" / "index.html").read_bytes() == before
    assert (exports / "2026-06-30" / "bao_cao.xlsx").exists()
    assert listing(exports) == ["2026-06-30", "latest"]     # the temporary folder is gone
    assert os.readlink(exports / "latest") == "2026-06-30"


def test_latest_follows_the_newest_publish_unless_told_not_to(warehouse, tmp_path, no_browser, quick_figures):
    exports = tmp_path / "exports"
    publish_report(warehouse, exports, AS_OF)
    publish_report(warehouse, exports, date(2026, 6, 29), latest=False)   # a backfill
    assert os.readlink(exports / "latest") == "2026-06-30"
    publish_report(warehouse, exports, date(2026, 7, 1))
    assert os.readlink(exports / "latest") == "2026-07-01"
    assert listing(exports) == ["2026-06-29", "2026-06-30", "2026-07-01", "latest"]


def test_abandoned_temporary_folders_are_cleaned(warehouse, tmp_path, no_browser, quick_figures):
    exports = tmp_path / "exports"
    exports.mkdir()
    dead = exports / ".tmp-2026-06-30-999999999"       # a pid that cannot exist
    dead.mkdir()
    (dead / "index.html").write_text("half")
    publish_report(warehouse, exports, AS_OF)
    assert not dead.exists()


def test_a_failing_chart_is_replaced_and_reported(warehouse, tmp_path, no_browser, monkeypatch):
    def boom(con, as_of, lang="vi"):
        raise ValueError("unexpected column")

    monkeypatch.setitem(C.CHARTS, "waterfall", boom)
    result = publish_report(warehouse, tmp_path / "exports", AS_OF)
    assert any(m.startswith("chart waterfall failed") and "unexpected column" in m for m in result.messages)
    assert 'data-chart="waterfall"' in result.html.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        publish_report(warehouse, tmp_path / "exports2", AS_OF, strict=True)


def test_a_warehouse_without_audit_tables_says_no_data(tmp_path, no_browser):
    path = make_warehouse(tmp_path / "thads.duckdb")
    con = duckdb.connect(str(path))
    con.execute("drop schema audit cascade")
    con.close()
    result = publish_report(path, tmp_path / "exports", AS_OF, strict=True)
    page = result.html.read_text(encoding="utf-8")
    assert "Không có dữ liệu về lần nạp đêm nay" in page
    assert "chart data_quality: no data" in result.messages


def test_excel_forms(warehouse, tmp_path, no_browser):
    # an office name from the reference data that a spreadsheet would run as a formula
    path = tmp_path / "thads.duckdb"
    path.write_bytes(warehouse.read_bytes())
    con = duckdb.connect(str(path))
    con.execute("update ref.agencies set office_name = '=HYPERLINK(\"http://evil\",\"x\")' where office_code = 'NA02'")
    con.close()
    result = publish_report(path, tmp_path / "exports", AS_OF, strict=True)
    wb = openpyxl.load_workbook(result.xlsx)
    assert wb.sheetnames == ["Về việc - Tất cả", "Về tiền - Tất cả", "Về việc - Tín dụng", "Về tiền - Tín dụng", "Ghi chú"]
    ws = wb["Về việc - Tất cả"]
    assert ws["A1"].value == "KẾT QUẢ THI HÀNH ÁN DÂN SỰ TÍNH BẰNG VIỆC"
    assert ws["A2"].value == "Năm thống kê 2026: từ ngày 01/10/2025 đến ngày 30/06/2026"
    headings = [c.value for c in ws[5]]
    assert headings[:4] == ["STT", "Đơn vị", "Tổng số thụ lý", "Năm trước chuyển sang"]
    assert headings[-1] == "Tỷ lệ thi hành xong về việc (%)"
    assert [c.value for c in ws[6]][2] == "(1) = (2) + (3)"
    province, na01, na02 = ([c.value for c in ws[r]] for r in (7, 8, 9))
    assert province[:4] == [None, "Toàn tỉnh", 1500, 900]      # numbers are numbers
    assert province[headings.index("Thi hành xong (kể cả đình chỉ)")] == 800
    assert province[-1] == pytest.approx(800 / 1100 * 100)      # unrounded, shown with two decimals
    assert ws.cell(7, len(headings)).number_format == "0.00"
    assert na01[:2] == ["1", "Phòng Thi hành án dân sự khu vực 1 - Nghệ An"]
    assert na02[1] == "'=HYPERLINK(\"http://evil\",\"x\")"     # text, neutralised
    assert ws.cell(9, 2).data_type == "s"
    money = wb["Về tiền - Tất cả"]
    mh = [c.value for c in money[5]]
    prow = [c.value for c in money[7]]
    assert prow[mh.index("Tổng số tiền phải thi hành")] == 400 * B
    assert prow[mh.index("Chưa có điều kiện thi hành")] == 140 * B      # 400 - 260
    assert prow[mh.index("Thi hành xong")] == 110 * B
    assert money.cell(7, mh.index("Thi hành xong") + 1).number_format == "#,##0"
    credit = wb["Về việc - Tín dụng"]
    assert [c.value for c in credit[7]][:3] == [None, "Toàn tỉnh", 150]


def test_the_nightly_report_matches_the_real_marts(nightly_run):
    """The report the real nightly flow published over the generated province: every chart has data, and
    the headline numbers on the page are the marts' (read here through their own tables, the province's
    `ALL` rows where the page sums offices)."""
    settings, report = nightly_run
    assert not [m for m in report.messages if m.startswith("chart ")], report.messages
    page = (settings.exports / "latest" / "index.html").read_text(encoding="utf-8")
    shown: dict[str, set[str]] = {}
    for name, value in re.findall(r'data-metric="([^"]+)" data-value="([^"]*)"', page):
        shown.setdefault(name, set()).add(value)
    assert {k: v for k, v in shown.items() if len(v) != 1} == {}
    value = {k: next(iter(v)) for k, v in shown.items()}
    as_of = report.as_of
    con = duckdb.connect(str(settings.warehouse), read_only=True)

    def one(sql, params=()):
        return con.execute(sql, list(params)).fetchall()[0][0]

    kpi = ("select {} from marts.kpi_period where period_kind = 'ytd' and scope = 'all' and office_code = 'ALL' "
           "and period_end = ?")
    for col in ("rate_cases", "rate_money", "completed", "with_conditions", "carried_forward", "moved_to_separate"):
        expected = one(kpi.format(col), [as_of])
        assert float(value[col]) == pytest.approx(float(expected)), col
    assert int(value["backlog_with_over_1y"]) == one(
        "select sum(cases) from marts.backlog_ageing where scope = 'all' and office_code = 'ALL' "
        "and condition_class = 'with' and age_bucket in ('1-2y', '2-5y', '5-10y', '10y+')")
    assert int(value["stuck_value_locked"]) == one(
        "select coalesce(sum(latest_starting_price), 0) from marts.asset_pipeline where stuck and not disposed")
    assert int(value["open_breaches"]) == one("select count(*) from marts.deadline_breaches where open")
    assert float(value["credit_share_money"]) == pytest.approx(one(
        "select sum(share_of_all_money) from marts.credit_institutions where period_kind = 'ytd' and period_end = ?",
        [as_of]))
    assert int(value["rows_read"]) == report.totals["rows_read"]
    con.close()
    wb = openpyxl.load_workbook(settings.exports / "latest" / "bao_cao.xlsx")
    ws = wb["Về việc - Tất cả"]
    headings = [c.value for c in ws[5]]
    assert ws.cell(7, 2).value == "Toàn tỉnh"
    assert ws.cell(7, headings.index("Thi hành xong (kể cả đình chỉ)") + 1).value == int(value["completed"])
