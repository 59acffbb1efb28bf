"""Issue 8: the reader itself refuses paths that leave the inbox, whatever it is handed.

`scan_inbox` never produces such an `InboxFile` (tests/test_ingest_inbox.py covers links, FIFOs and odd
names at scan level, and test_reliability_runs.py proves it through the real flow); this is the second
line: `read_file` opens only `<batch>/<office>/<file>` below the inbox, without following links.
"""

from __future__ import annotations

from datetime import date

import pytest

from test_ingest_support import CASES_HEADER, case_row, ps  # noqa: F401 - ps is a fixture
from transforms.ingest.inbox import InboxFile
from transforms.ingest.read import read_file


@pytest.mark.parametrize("rel", ["../../outside/cases.csv", "/etc/outside/cases.csv", "2026-06-30/../cases.csv",
                                 "2026-06-30/NA01/../../outside/cases.csv", "2026-06-30//cases.csv",
                                 "2026-06-30/NA01/./cases.csv", "cases.csv"])
def test_read_file_refuses_a_relative_path_that_leaves_the_inbox(tmp_path, ps, rel):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "cases.csv").write_text(CASES_HEADER + "\n" + case_row(case_id="OUTSIDE-1") + "\n")
    inbox = tmp_path / "inbox"
    (inbox / "2026-06-30" / "NA01").mkdir(parents=True)
    f = InboxFile(date(2026, 6, 30), "NA01", "cases", inbox / rel, rel)
    pf = read_file(f, ps)
    assert pf.rejected and "refused" in pf.rejected, pf.rejected
    assert pf.frame is None


def test_read_file_refuses_an_inbox_batch_swapped_for_a_link_to_outside(tmp_path, ps):
    outside = tmp_path / "outside" / "NA01"
    outside.mkdir(parents=True)
    (outside / "cases.csv").write_text(CASES_HEADER + "\n" + case_row(case_id="OUTSIDE-1") + "\n")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "2026-06-30").symlink_to(tmp_path / "outside", target_is_directory=True)
    rel = "2026-06-30/NA01/cases.csv"
    pf = read_file(InboxFile(date(2026, 6, 30), "NA01", "cases", inbox / rel, rel), ps)
    assert pf.rejected and "refused" in pf.rejected and "OUTSIDE" not in pf.rejected
