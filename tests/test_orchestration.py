"""Issue 6: the nightly flow is safe to repeat, safe to fail, one writer at a time, and schedulable.

Every test runs the real `nightly` flow (Prefect test server of the session), real GX and a real DuckDB
file, on copies of the session's generated inbox so the shared warehouse is left alone.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import SAMPLE_AS_OF, make_settings, run_nightly
from tests.reliability_helpers import marts_snapshot

REPO = Path(__file__).resolve().parent.parent


def assert_same_marts(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].equals(b[name]), f"marts.{name} differs"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def own_copy(tmp_path, generated_inbox, prefect_harness, monkeypatch):
    """A private copy of the generated inbox and settings rooted in tmp_path.

    These runs publish the HTML report only (the browser-made PNGs and PDF are tested elsewhere and
    cost ~10 s a run)."""
    monkeypatch.setenv("THADS_NO_BROWSER", "1")
    inbox = tmp_path / "inbox"
    shutil.copytree(generated_inbox, inbox)
    return make_settings(tmp_path / "data", inbox)


def test_same_batch_twice_gives_identical_marts(nightly_run, own_copy):
    shared_settings, _ = nightly_run
    report = run_nightly(own_copy)           # a fresh state: a full run
    first = marts_snapshot(own_copy.warehouse)
    again = run_nightly(own_copy)            # same batch again: cache reused, same figures
    assert report.status == again.status == "published"
    assert_same_marts(first, marts_snapshot(own_copy.warehouse))
    assert " 0 kept" in report.build and " 0 kept" not in again.build  # the rerun kept tables
    cached = {p.name: p.stat().st_mtime_ns for p in (own_copy.state_dir / "parsed").iterdir()}
    full = run_nightly(own_copy, full=True)  # --full: everything parsed and built again
    assert full.build.startswith("built in") and " 0 kept" in full.build
    assert all(p.stat().st_mtime_ns != cached.get(p.name) for p in (own_copy.state_dir / "parsed").iterdir())
    assert_same_marts(first, marts_snapshot(own_copy.warehouse))
    # and the shared run of the same inbox (other folders, other run) agrees too
    assert_same_marts(first, marts_snapshot(shared_settings.warehouse))


def test_incremental_run_equals_a_full_run(own_copy, tmp_path):
    run_nightly(own_copy)
    # One office re-sends its payments with the last row duplicated (a duplicate-ID pair to quarantine).
    office_dir = sorted(p for p in (own_copy.inbox / SAMPLE_AS_OF.isoformat()).iterdir() if p.is_dir())[0]
    target = next(p for p in office_dir.iterdir() if p.stem == "status_events")
    if target.suffix == ".csv":
        lines = target.read_bytes().rstrip(b"\r\n").split(b"\n")
        target.write_bytes(b"\n".join(lines[:-1]) + b"\n")  # drop the last event
    else:
        target.unlink()  # the office sends no events tonight: its last accepted version stands
    cached_before = set((own_copy.state_dir / "parsed").iterdir())
    incremental = run_nightly(own_copy)
    cached_after = set((own_copy.state_dir / "parsed").iterdir())
    assert len(cached_after - cached_before) <= 1, "only the changed file is parsed again"
    full = make_settings(tmp_path / "full", own_copy.inbox)
    run_nightly(full)
    assert incremental.status == "published"
    assert_same_marts(marts_snapshot(own_copy.warehouse), marts_snapshot(full.warehouse))


def test_failed_build_leaves_previous_warehouse_and_report(own_copy, tmp_path, monkeypatch):
    run_nightly(own_copy)
    wh_hash = sha(own_copy.warehouse)
    report_html = own_copy.exports / "latest" / "index.html"
    html_hash = sha(report_html) if report_html.exists() else None
    broken = tmp_path / "models"
    shutil.copytree(REPO / "transforms" / "models", broken)
    (broken / "marts" / "zz_broken.sql").write_text(
        "select case_id, 1 / 0 as x from staging.stg_cases where error('injected failure in a model') is null")
    monkeypatch.setenv("THADS_MODELS_DIR", str(broken))
    with pytest.raises(Exception, match="injected failure"):
        run_nightly(own_copy)
    assert sha(own_copy.warehouse) == wh_hash
    if html_hash:
        assert sha(report_html) == html_hash
    assert not list(own_copy.warehouse.parent.glob("*.building-*"))
    runs = pl.concat([pl.read_parquet(f) for f in (own_copy.audit_dir / "runs").glob("*.parquet")])
    assert sorted(runs["status"].to_list()) == ["failed", "published"]


def _thads(settings, *args, env_extra=None, timeout=300):
    env = os.environ | settings.path_env()
    env.pop("PREFECT_API_URL", None)
    env |= env_extra or {}
    return subprocess.run([str(Path(sys.executable).with_name("thads")), *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def test_a_failed_run_exits_1_with_one_clear_line(own_copy, tmp_path):
    """The real command (its own temporary Prefect server, the quick exit of thads.cli.main)."""
    broken = tmp_path / "models"
    shutil.copytree(REPO / "transforms" / "models", broken)
    (broken / "marts" / "zz_broken.sql").write_text(
        "select case_id from staging.stg_cases where error('injected failure in a model') is null")
    out = _thads(own_copy, "run", env_extra={"THADS_MODELS_DIR": str(broken)})
    assert out.returncode == 1, out.stderr[-2000:]
    line = next(x for x in out.stderr.splitlines() if x.startswith("thads run: FAILED"))
    assert "nothing was published" in line and "injected failure" in line
    assert not own_copy.warehouse.exists()
    assert not list(own_copy.warehouse.parent.glob("*.building-*"))


def test_second_writer_gets_a_clear_message(own_copy):
    from thads.runs import run_lock

    with run_lock(own_copy.state_dir):
        out = _thads(own_copy, "run")
    assert out.returncode == 3
    assert "Another thads run is in progress" in out.stderr


def test_reader_holding_the_warehouse_open_during_a_run(nightly_run, own_copy):
    run_nightly(own_copy)
    reader = duckdb.connect(str(own_copy.warehouse), read_only=True)  # a notebook holding it open
    before = reader.execute("select count(*) from marts.kpi_period").fetchone()[0]
    report = run_nightly(own_copy)
    assert report.status == "published"
    assert reader.execute("select count(*) from marts.kpi_period").fetchone()[0] == before
    reader.close()
    assert marts_snapshot(own_copy.warehouse)["kpi_period"].height == before


def test_backfill_writes_its_own_warehouse_and_leaves_latest_alone(own_copy):
    from thads.generate import generate_batch

    run_nightly(own_copy)
    live_hash = sha(own_copy.warehouse)
    latest = own_copy.exports / "latest"
    latest_target = os.path.realpath(latest) if latest.exists() else None
    earlier = date(2026, 3, 31)
    generate_batch(own_copy.inbox, n_cases=400, seed=3, as_of=earlier, defect_rate=0.0, progress=False)
    report = run_nightly(own_copy, as_of=earlier)
    assert report.status == "published"
    backfill_wh = own_copy.warehouse.with_name(f"thads-{earlier.isoformat()}.duckdb")
    assert backfill_wh.exists()
    assert sha(own_copy.warehouse) == live_hash
    if latest_target:
        assert os.path.realpath(latest) == latest_target
    con = duckdb.connect(str(backfill_wh), read_only=True)
    try:
        assert con.execute("select max(batch_date) from raw.cases").fetchone()[0] == earlier
    finally:
        con.close()


class _Listener(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        _Listener.received.append(body.decode())
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_failed_run_reaches_the_configured_notification(own_copy, monkeypatch):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        CustomWebhookNotificationBlock(
            name="thads-ops", url=f"http://127.0.0.1:{server.server_port}/hook",
            json_data={"text": "{{subject}}: {{body}}"},
        ).save("thads-ops", overwrite=True)
        monkeypatch.setenv("THADS_FAILURE_NOTIFICATION_BLOCK", "custom-webhook/thads-ops")
        shutil.rmtree(own_copy.inbox)
        own_copy.inbox.mkdir()  # an empty inbox: the run cannot publish
        with pytest.raises(Exception):
            run_nightly(own_copy)
        deadline = time.monotonic() + 20
        while not _Listener.received and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.shutdown()
    assert _Listener.received, "the webhook got no notification"
    assert "THADS nightly run failed" in _Listener.received[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_schedules_the_next_run_at_one_in_the_morning_vietnam_time(tmp_path):
    """A real `prefect server start` on loopback, `thads serve`, then the scheduled run is read back."""
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = os.environ | {"PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_API_URL": api,
                        "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
                        "PREFECT_UI_ENABLED": "false", "THADS_STATE_DIR": str(tmp_path / "state")}
    prefect = str(Path(sys.executable).with_name("prefect"))
    server = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    serve = None
    try:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("the Prefect server did not become healthy")
        serve = subprocess.Popen([str(Path(sys.executable).with_name("thads")), "serve"], env=env, cwd=REPO,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not runs:
            time.sleep(2)
            r = httpx.post(f"{api}/flow_runs/filter", json={
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "sort": "EXPECTED_START_TIME_ASC",
                "limit": 5}, timeout=10)
            runs = r.json() if r.status_code == 200 else []
        assert runs, "no scheduled run appeared"
        from datetime import datetime
        from zoneinfo import ZoneInfo

        first = datetime.fromisoformat(runs[0]["expected_start_time"].replace("Z", "+00:00"))
        local = first.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
        assert (local.hour, local.minute) == (1, 0)
    finally:
        for p in (serve, server):
            if p is not None:
                p.terminate()
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()


def test_dask_path_gives_the_same_marts(nightly_run, own_copy, monkeypatch):
    from distributed import LocalCluster

    shared_settings, _ = nightly_run
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        from flows.nightly import nightly
        from prefect_dask import DaskTaskRunner

        monkeypatch.setenv("THADS_DASK_ADDRESS", cluster.scheduler_address)
        dask_flow = nightly.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        monkeypatch.setattr("flows.nightly.nightly", dask_flow)
        report = run_nightly(own_copy)
    assert report.status == "published"
    assert_same_marts(marts_snapshot(own_copy.warehouse), marts_snapshot(shared_settings.warehouse))
