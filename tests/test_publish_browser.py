"""The published page in a real (headless, offline) Chromium: every chart draws, no console error, no
network request, the headline numbers equal the marts, the language switch works, print hides it.

The browser is driven through the Chrome DevTools Protocol over a pipe (`--remote-debugging-pipe`: the
browser reads commands on fd 3 and writes on fd 4, NUL-terminated JSON), so no extra package is needed.
A full-page screenshot goes to `test-artifacts/report.png` (and the print view to
`test-artifacts/report-print.png`) for a human to look at.

Marked `browser`. Without Chromium these tests skip, except under CI (`CI=true`), where they fail.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from test_publish_warehouse import AS_OF, LAST_YEAR_SAME_DAY, make_warehouse
from thads.publish.browser import HEADLESS_FLAGS, find_browser, print_command
from thads.publish.report import publish_report

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_browser()
    if path is None:
        message = "Chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message}: browser tests must run in CI")
        pytest.skip(message)
    return path


class CDP:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe."""

    def __init__(self, browser: str, *, width: int = 1280, height: int = 900):
        self.profile = tempfile.mkdtemp(prefix="thads-cdp-")
        to_browser_r, self._to_browser_w = os.pipe()
        self._from_browser_r, from_browser_w = os.pipe()

        def wire_fds():  # in the child: our pipe ends become fd 3 (commands in) and fd 4 (replies out)
            high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)  # out of the way of 3 and 4 first
            high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [browser, *HEADLESS_FLAGS, f"--user-data-dir={self.profile}", f"--window-size={width},{height}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire_fds, pass_fds=(3, 4))  # keep 3 and 4 open past close_fds
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def close(self) -> None:
        try:
            self.call("Browser.close", session=False, timeout=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser_w, self._from_browser_r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from the browser")
            ready, _, _ = select.select([self._from_browser_r], [], [], left)
            if ready:
                chunk = os.read(self._from_browser_r, 1 << 20)
                if not chunk:
                    raise RuntimeError("the browser closed the pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, params: dict | None = None, *, session: bool = True, timeout: float = 30) -> dict:
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self._to_browser_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def open_page(self, url: str) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable")
        self.call("Page.navigate", {"url": url})

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error evaluating {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        last_error = None
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except RuntimeError as exc:  # the document is still being replaced
                value, last_error = None, exc
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"timed out waiting for {expression} (last error: {last_error})")

    def screenshot(self, path: Path, *, full_page: bool = True) -> None:
        params = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        data = self.call("Page.captureScreenshot", params, timeout=60)["data"]
        path.write_bytes(base64.b64decode(data))

    def problems(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions, log errors, and any request off this machine."""
        out = []
        for ev in self.events:
            method, p = ev["method"], ev.get("params", {})
            if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: " + " ".join(str(a.get("value", a.get("description")))
                                                               for a in p.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {p['exceptionDetails'].get('exception', {}).get('description')}")
            elif method == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                out.append(f"log {p['entry']['level']}: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif method == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(("file:", "data:", "blob:", "about:")):
                    out.append(f"network request: {url}")
        return out


@pytest.fixture(scope="module")
def published(chromium, tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    warehouse = make_warehouse(root / "thads.duckdb")
    start = time.perf_counter()
    result = publish_report(warehouse, root / "exports", AS_OF, strict=True)
    result.timings["measured_total"] = time.perf_counter() - start
    return warehouse, result


@pytest.fixture(scope="module")
def page(chromium, published):
    _, result = published
    cdp = CDP(chromium)
    try:
        cdp.open_page(result.html.as_uri())
        cdp.wait_for("document.documentElement.getAttribute('data-charts-drawn')")
        yield cdp
    finally:
        cdp.close()


def test_every_chart_draws_offline_without_errors(page, published):
    _, result = published
    charts = page.evaluate("""Array.from(document.querySelectorAll('.chart[data-chart]')).map(d => ({
        name: d.dataset.chart, svg: d.querySelectorAll('.main-svg').length, w: d.getBoundingClientRect().width}))""")
    assert len(charts) == 17
    assert [c["name"] for c in charts if c["svg"] == 0] == []
    assert all(c["w"] > 300 for c in charts)
    assert page.problems() == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(ARTIFACTS / "report.png")
    # plotly.js is on the page once, inline, and nothing is loaded from elsewhere
    page_html = result.html.read_text(encoding="utf-8")
    assert page_html.count("plotly.js v") == 1
    assert page.evaluate("Array.from(document.querySelectorAll('script[src], link[href]')).length") == 0


def _mart(con, sql, params=()):
    return con.execute(sql, list(params)).fetchall()[0][0]


def test_headline_numbers_equal_the_marts(page, published):
    warehouse, _ = published
    found = page.evaluate("""Array.from(document.querySelectorAll('[data-metric]')).map(e =>
        [e.dataset.metric, e.dataset.value])""")
    metrics: dict[str, set[str]] = {}
    for name, value in found:
        metrics.setdefault(name, set()).add(value)
    # every metric shows one value wherever it appears (both languages' sentences)
    assert {k: v for k, v in metrics.items() if len(v) != 1} == {}
    shown = {k: next(iter(v)) for k, v in metrics.items()}

    con = duckdb.connect(str(warehouse), read_only=True)
    kpi = "select {} from marts.kpi_period where period_kind = 'ytd' and scope = ? and office_code = 'ALL' and period_end = ?"
    expected = {}
    for prefix, scope in (("", "all"), ("credit_", "credit")):
        for col in ("rate_cases", "rate_money", "completed", "with_conditions", "projected_rate_cases",
                    "projected_rate_money"):
            expected[prefix + col] = _mart(con, kpi.format(col), [scope, AS_OF])
        expected[prefix + "last_year_rate_cases"] = _mart(con, kpi.format("rate_cases"), [scope, LAST_YEAR_SAME_DAY])
    for col in ("target_rate_cases", "target_rate_money", "target_year", "carried_over", "new_cases", "entrusted",
                "withdrawn", "moved_to_separate", "carried_forward", "target_met_projected"):
        expected[col] = _mart(con, kpi.format(col), ["all", AS_OF])
    expected["backlog_with_over_1y"] = _mart(con, """select sum(cases) from marts.backlog_ageing where as_of = ?
        and scope = 'all' and office_code <> 'ALL' and condition_class = 'with' and age_bucket in ('1-2y', '2-5y', '5-10y', '10y+')""",
                                             [AS_OF])
    expected["clearance_rate_year"] = _mart(con, "select clearance_rate from marts.case_flow where period_kind = 'year' "
                                                 "and office_code = 'ALL' and period_end = ?", [AS_OF])
    for col in ("stuck_value_locked", "stuck_cases_money_outstanding", "stuck_assets", "pending_assets",
                "sold_not_handed_over"):
        expected[col] = _mart(con, f"select {col} from marts.asset_stuck_summary where office_code = 'ALL'")
    expected["open_breaches"] = _mart(con, "select count(*) from marts.deadline_breaches where open")
    expected["late_this_year"] = _mart(con, "select count(*) from marts.deadline_breaches where not open "
                                            "and actual_date between '2025-10-01' and ?", [AS_OF])
    for col in ("rows_read", "rows_loaded", "rows_quarantined", "rows_rejected"):
        expected[col] = _mart(con, f"select sum({col}) from audit.file_manifest where run_id = 'R2' and status <> 'standing'")
    expected["files_rejected"] = _mart(con, "select count(*) from audit.file_manifest where run_id = 'R2' and status = 'rejected'")
    con.close()

    def same(raw: str, value) -> bool:
        if value is None:
            return raw == ""
        if isinstance(value, bool):
            return raw == ("true" if value else "false")
        if isinstance(value, float):
            return float(raw) == value
        return int(raw) == int(value)

    assert {k: (shown.get(k), v) for k, v in expected.items() if k not in shown or not same(shown[k], v)} == {}
    # and the hand-worked values of the test warehouse (tests/test_publish_warehouse.py)
    assert int(shown["backlog_with_over_1y"]) == 135
    assert int(shown["stuck_value_locked"]) == 9_000_000_000
    assert int(shown["carried_forward"]) == 620
    assert int(shown["late_this_year"]) == 2                 # C10 on 13/11/2025, A2-R3 on 11/12/2025


def test_the_text_is_vietnamese_with_vietnamese_numbers(page):
    text = page.evaluate("document.querySelector('#s1 p.lead').innerText")
    # 800 of 1100 = 72.7272... % -> 72,73 %; money 110 of 260 bn = 42.3076... % -> 42,31 %
    assert "72,73 %" in text and "42,31 %" in text and "30/06/2026" in text
    assert "Lũy kế đến" in text
    assert page.evaluate("getComputedStyle(document.querySelector('#s1 p.lead .en')).display") == "none"


def test_language_switch_redraws_in_english(page):
    page.evaluate("document.getElementById('lang-switch').click()")
    page.wait_for("document.documentElement.getAttribute('data-lang-drawn') === 'en'")
    try:
        text = page.evaluate("document.querySelector('#s1 p.lead').innerText")
        assert "72.73 %" in text and "Year to" in text
        titles = page.evaluate("Array.from(document.querySelectorAll('#chart-completion .gtitle')).map(e => e.textContent)")
        assert titles and titles[0].startswith("Completion rate")
        assert page.evaluate("document.querySelectorAll('.chart .main-svg').length") >= 17
        assert page.problems() == []
    finally:
        page.evaluate("document.getElementById('lang-switch').click()")
        page.wait_for("document.documentElement.getAttribute('data-lang-drawn') === 'vi'")


def test_print_view_hides_the_switch_and_fits_a4(page):
    page.call("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert page.evaluate("getComputedStyle(document.getElementById('lang-switch')).display") == "none"
        page.call("Emulation.setDeviceMetricsOverride", {"width": 718, "height": 1000, "deviceScaleFactor": 1,
                                                         "mobile": False})
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        time.sleep(0.5)
        widths = page.evaluate("Array.from(document.querySelectorAll('.chart .main-svg:first-child'))"
                               ".map(s => s.getBoundingClientRect().width)")
        assert widths and max(widths) <= 718
        assert page.evaluate("document.documentElement.scrollWidth") <= 718   # nothing wider than the paper
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(ARTIFACTS / "report-print.png")
    finally:
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        page.call("Emulation.clearDeviceMetricsOverride")
        page.call("Emulation.setEmulatedMedia", {"media": ""})


def test_the_pdf_run_prints_the_page_with_every_chart_drawn(chromium, published, tmp_path):
    # the PDF cannot be looked into here (no rasteriser), so dump the DOM with the very flags of the PDF
    # run: what it prints is this page, with every chart drawn at the A4 width
    _, result = published
    cmd = print_command(chromium, tmp_path / "profile", result.html, ["--dump-dom"])
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    assert dom.count('class="main-svg"') >= 17
    assert 'data-charts-drawn="17"' in dom
    widths = [int(float(w)) for w in re.findall(r'<svg class="main-svg"[^>]*width="([0-9.]+)"', dom)]
    assert widths and max(widths) <= 718


def test_pdf_and_pngs_are_written(published):
    _, result = published
    assert result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", result.pdf.read_bytes()))
    assert 4 <= pages <= 20  # A4 pages of the whole report
    assert len(result.pngs) == 17
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in result.pngs)
    assert result.messages == [] and not result.skipped_browser_outputs
    print("publish timings:", {k: round(v, 2) for k, v in result.timings.items()})
