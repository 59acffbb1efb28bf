"""Run-level helpers: retention, backfill targets, the one-writer lock, the audit store's append-only rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import make_settings
from thads.audit import AuditStore
from thads.runs import RunLockedError, apply_retention, resolve_targets, run_lock


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")


def test_retention_keeps_the_last_nights_and_every_version_still_standing(tmp_path):
    s = make_settings(tmp_path, tmp_path / "inbox")
    nights = ["2026-06-26", "2026-06-27", "2026-06-28", "2026-06-29", "2026-06-30"]
    for night in nights:
        for office in ("NA01", "NA02"):
            _touch(s.inbox / night / office / "cases.csv")
        _touch(s.exports / night / "index.html")
    _touch(s.audit_dir / "runs" / "r1.parquet")
    # NA02's payments have not been re-sent since 26/06: that batch folder still holds what stands.
    removed = apply_retention(s, keep_nights=2, protected_batches={"2026-06-26/NA02"})
    # kept: the last two nights everywhere; the protected office folder of 26/06
    assert sorted(p.name for p in s.inbox.iterdir()) == ["2026-06-26", "2026-06-29", "2026-06-30"]
    assert [p.name for p in (s.inbox / "2026-06-26").iterdir()] == ["NA02"]
    assert sorted(p.name for p in s.exports.iterdir()) == ["2026-06-29", "2026-06-30"]
    assert (s.audit_dir / "runs" / "r1.parquet").exists()  # the audit store is never pruned
    assert "inbox/2026-06-26/NA01" in removed and "exports/2026-06-28" in removed


def test_backfill_targets_leave_the_live_files_alone(tmp_path):
    s = make_settings(tmp_path, tmp_path / "inbox")
    live = resolve_targets(s, date(2026, 6, 30), newest_batch=date(2026, 6, 30))
    assert (live.warehouse, live.latest, live.backfill) == (s.warehouse, True, False)
    back = resolve_targets(s, date(2026, 3, 31), newest_batch=date(2026, 6, 30))
    assert back.backfill and not back.latest
    assert back.warehouse.name == "thads-2026-03-31.duckdb" and back.warehouse != s.warehouse


def test_second_lock_holder_is_told_who_holds_it(tmp_path):
    with run_lock(tmp_path):
        with pytest.raises(RunLockedError, match="Another thads run is in progress"):
            with run_lock(tmp_path, wait_seconds=0.6):
                pass
    with run_lock(tmp_path):  # released: free again
        pass


def test_audit_store_is_append_only(tmp_path):
    store = AuditStore(tmp_path)
    store.append("runs", "r1", pl.DataFrame({"status": ["published"]}))
    with pytest.raises(FileExistsError):
        store.append("runs", "r1", pl.DataFrame({"status": ["failed"]}))
    store.append("runs", "r2", pl.DataFrame({"status": ["failed"]}))
    assert store.read("runs").sort("run_id")["status"].to_list() == ["published", "failed"]
    assert not list((tmp_path / "runs").glob(".*tmp*"))
