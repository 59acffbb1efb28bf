"""Issue 8: a kill while a re-published report is swapped in (too short a window for random kills).

Re-publishing a date replaces `<exports>/<date>/`. It used to rename the old folder aside, then the new
one in: a SIGKILL between the two left no report for the date (and `latest/` pointing at nothing). Now
the two folders are exchanged in one atomic step (renameat2 RENAME_EXCHANGE) and the old one is deleted
afterwards. The kill is simulated exactly: a child process that dies (`os._exit(137)`, no `finally`,
as with SIGKILL) at the first step after the exchange, before the old folder is deleted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = """
import os, sys
from pathlib import Path
import thads.publish.report as R
tmp, dated = Path(sys.argv[1]), Path(sys.argv[2])
def die(*args, **kwargs):
    os._exit(137)  # killed right after the swap, before the old report is deleted
R.shutil.rmtree = die
R._swap_in(tmp, dated)
"""


def _report(folder: Path, text: str) -> None:
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(f"<html>{text}</html>", encoding="utf-8")


def test_kill_during_the_swap_leaves_a_complete_report_in_place(tmp_path):
    import thads.publish.report as R

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
    assert latest.read_text(encoding="utf-8") == "<html>tonight</html>"  # complete, and the new one
    # the old report waits under the dead process's temporary name; the next publish removes it
    assert (tmp / "index.html").read_text(encoding="utf-8") == "<html>last night</html>"
    R._remove_abandoned(exports)
    assert sorted(p.name for p in exports.iterdir()) == ["2026-06-30", "latest"]
