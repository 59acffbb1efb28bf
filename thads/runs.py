"""What a nightly run needs around the pipeline itself: one writer at a time, where a run writes
(live or backfill), its summary, and retention of old nights.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from thads.settings import Settings


class RunLockedError(RuntimeError):
    pass


@contextmanager
def run_lock(state_dir: Path, wait_seconds: float = 0.0):
    """One writer: DuckDB allows one writing process per file, and two runs would race on the swap.

    A second run waits up to `wait_seconds` for the first, then stops with a clear message. The lock is
    an OS file lock, so it is released even when the holder is killed; whoever takes it next removes what
    the killed run left in the state folder (`remove_leftovers`).
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "run.lock"
    fh = open(path, "a+")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if time.monotonic() >= deadline:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                fh.close()
                raise RunLockedError(
                    f"Another thads run is in progress ({holder}); it holds {path}. "
                    f"Waited {wait_seconds:.0f} s. Try again when it has finished "
                    "(or raise --wait / THADS_LOCK_WAIT_SECONDS)."
                )
            time.sleep(0.5)
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()} since {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
    fh.flush()
    try:
        remove_leftovers(state_dir)
        yield
    finally:
        fh.seek(0)
        fh.truncate()
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()


def remove_leftovers(state_dir: Path) -> list[str]:
    """What killed runs left in the state folder: their run folders (`runs/<run_id>/`, the night's
    canonical Parquet) and half-written parse-cache entries (`parsed/<key>.tmp-<pid>`). A SIGKILL skips
    the `finally` that removes them; only the holder of the run lock calls this, so no live run owns them."""
    removed = []
    runs = state_dir / "runs"
    parsed = state_dir / "parsed"
    for folder, wanted in ((runs, lambda name: True), (parsed, lambda name: ".tmp-" in name)):
        if not folder.is_dir():
            continue
        for entry in os.scandir(folder):
            if not wanted(entry.name):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
            removed.append(f"{folder.name}/{entry.name}")
    return removed


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass(frozen=True)
class RunTargets:
    """Where a run writes. A backfill (as-of before the newest batch) never touches the live files."""

    as_of: date
    warehouse: Path
    exports: Path
    latest: bool  # also switch <exports>/latest
    backfill: bool


def resolve_targets(settings: Settings, as_of: date, newest_batch: date | None) -> RunTargets:
    backfill = newest_batch is not None and as_of < newest_batch
    if backfill:
        wh = settings.warehouse.with_name(f"{settings.warehouse.stem}-{as_of.isoformat()}{settings.warehouse.suffix}")
        return RunTargets(as_of, wh, settings.exports, latest=False, backfill=True)
    return RunTargets(as_of, settings.warehouse, settings.exports, latest=True, backfill=False)


def newest_batch_date(inbox: Path) -> date | None:
    best = None
    if not inbox.is_dir():
        return None
    for entry in os.scandir(inbox):
        if entry.is_dir(follow_symlinks=False):
            try:
                d = date.fromisoformat(entry.name)
            except ValueError:
                continue
            best = d if best is None or d > best else best
    return best


def apply_retention(settings: Settings, keep_nights: int, protected_batches: set[str]) -> list[str]:
    """Delete inbox batches and export folders older than the last `keep_nights` nights.

    Never deletes a batch folder holding the newest accepted version of any office's record type
    (`protected_batches`, relative paths like `2026-06-30/NA01`), nor the audit store or history.
    """
    removed = []
    for root, is_inbox in ((settings.inbox, True), (settings.exports, False)):
        if not root.is_dir():
            continue
        dated = sorted(e.name for e in os.scandir(root) if e.is_dir(follow_symlinks=False) and _is_date(e.name))
        for name in dated[:-keep_nights] if keep_nights > 0 else dated:
            folder = root / name
            if is_inbox:
                kept_any = False
                for office in os.scandir(folder):
                    rel = f"{name}/{office.name}"
                    if rel in protected_batches:
                        kept_any = True
                        continue
                    shutil.rmtree(office.path) if office.is_dir(follow_symlinks=False) else os.unlink(office.path)
                    removed.append(f"inbox/{rel}")
                if not kept_any:
                    folder.rmdir()
            else:
                shutil.rmtree(folder)
                removed.append(f"exports/{name}")
    return removed


def _is_date(name: str) -> bool:
    try:
        date.fromisoformat(name)
        return True
    except ValueError:
        return False
