"""Issue 8: a kill between the two renames of `thads.publish.report._swap_in` (found by reading it while
writing the crash trials, too short a window for random kills to hit).

Re-publishing a date renames the complete old folder aside (`.old-<date>-<pid>`), then the new one into
place. A SIGKILL between the two leaves no `<exports>/<date>/`: `latest/index.html` is gone until the
next run publishes again, and that run's `_remove_abandoned` deletes the `.old-` folder holding the last
good report instead of putting it back. The kill is simulated exactly: a child process whose second
`os.rename` in `_swap_in` is replaced by `os._exit(137)` (no `finally`, no `except`, as with SIGKILL).

Not fixed here (thads/publish/ belongs to the publish owners); proposed fix in the report: publish each
run into its own folder and switch `<date>` (like `latest`) as a symbolic link with `os.replace`, or at
least have `_remove_abandoned` rename an orphaned `.old-<date>-<pid>` back when `<date>` is missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CHILD = """
import os, sys
from pathlib import Path
import thads.publish.report as R
tmp, dated = Path(sys.argv[1]), Path(sys.argv[2])
calls = []
real = os.rename
def rename(a, b):
    calls.append((a, b))
    if len(calls) == 2:
        os._exit(137)  # killed between the two renames
    real(a, b)
R.os.rename = rename
R._swap_in(tmp, dated)
"""


def _report(folder: Path, text: str) -> None:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(f"<html>{text}</html>", encoding="utf-8")


@pytest.mark.xfail(strict=True, reason="publish._swap_in leaves no report for the date when killed between "
                                       "its two renames (see module docstring; not fixed: thads/publish)")
def test_kill_between_the_renames_leaves_the_last_report_in_place(tmp_path):
    exports = tmp_path / "exports"
    dated = exports / "2026-06-30"
    _report(dated, "last night")
    (exports / "latest").symlink_to("2026-06-30", target_is_directory=True)
    tmp = exports / ".tmp-2026-06-30-99999999"
    _report(tmp, "tonight")
    out = subprocess.run([sys.executable, "-c", CHILD, str(tmp), str(dated)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 137, out.stderr
    latest = exports / "latest" / "index.html"
    assert latest.exists(), f"after the kill: {sorted(p.name for p in exports.iterdir())}"
