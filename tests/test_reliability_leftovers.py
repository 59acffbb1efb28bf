"""Issue 8: what a killed run leaves behind is removed by the next run, not kept forever.

A SIGKILL skips every `finally`: the run's folder `state/runs/<run_id>/` (the whole night as canonical
Parquet) and half-written parse-cache entries `state/parsed/<key>.tmp-<pid>` stayed on disk for ever,
one set per crash (found by the crash trials of test_reliability_runs.py). Holding the run lock means
no other run is alive, so the lock removes them when it is taken.
"""

from __future__ import annotations

import os

import pytest

from thads.runs import RunLockedError, run_lock


def test_taking_the_lock_removes_what_killed_runs_left(tmp_path):
    state = tmp_path / "state"
    dead_run = state / "runs" / "20260630T010000Z-abc123" / "canonical"
    dead_run.mkdir(parents=True)
    (dead_run / "cases.parquet").write_bytes(b"PAR1...")
    half = state / "parsed" / "0123abcd-cases-1-ffff.tmp-4242"
    half.mkdir(parents=True)
    (half / "frame.parquet").write_bytes(b"PAR1")
    kept = state / "parsed" / "0123abcd-cases-1-ffff"
    kept.mkdir()
    (kept / "meta.json").write_text("{}")
    other = state / "prefect"
    other.mkdir()
    with run_lock(state):
        assert not (state / "runs" / "20260630T010000Z-abc123").exists()
        assert not half.exists()
        assert (kept / "meta.json").exists() and other.exists()


def test_a_run_in_progress_keeps_its_folder(tmp_path):
    state = tmp_path / "state"
    with run_lock(state):
        mine = state / "runs" / "20260630T010000Z-mine00"
        mine.mkdir(parents=True)
        with pytest.raises(RunLockedError):
            with run_lock(state):  # a second writer: refused, and it removes nothing
                pass
        assert mine.exists()
    assert os.path.isdir(state)
