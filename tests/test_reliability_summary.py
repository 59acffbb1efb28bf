"""Issue 8: the reliability suite's summary, printed last (this module sorts after every
`test_reliability_*` module): inputs tried, files rejected, rows read / loaded / quarantined /
superseded / rejected (balanced for all), crash trials survived, leaks found.

Each reliability test appends its figures to a JSON-lines file in the session's temporary folder
(`reliability_helpers.Summary`); this test prints them, totals them and checks the totals: every row
accounted for, no unbalanced file, every crash trial survived, no leak. It also copies the summary to
`$THADS_RELIABILITY_SUMMARY` when that is set (CI can keep it as an artifact).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from reliability_helpers import reliability  # noqa: F401 - a fixture

ROWS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_superseded", "rows_rejected")


def render(entries: list[dict]) -> tuple[str, dict]:
    total = {k: 0 for k in ("inputs_tried", "files_rejected", *ROWS, "unbalanced_files", "crash_trials",
                            "crash_survived", "recovery_failures", "leaks_found", "unneutralised",
                            "reader_errors")}
    lines = ["", "=" * 100, "THADS reliability suite — summary", "=" * 100]
    for e in entries:
        figures = ", ".join(f"{k} {v}" for k, v in e.items() if k != "section")
        lines.append(f"- {e['section']}: {figures}")
        for k in total:
            if isinstance(e.get(k), int):
                total[k] += e[k]
    lines += ["-" * 100,
              f"inputs tried: {total['inputs_tried']}; files rejected: {total['files_rejected']}",
              "rows: read {rows_read} = loaded {rows_loaded} + quarantined {rows_quarantined} + superseded "
              "{rows_superseded} + rejected {rows_rejected}; unbalanced files: {unbalanced_files}".format(**total),
              f"crash trials survived: {total['crash_survived']} of {total['crash_trials']} "
              f"(recovery runs failed: {total['recovery_failures']})",
              f"leaks found: {total['leaks_found']}; formula cells left live: {total['unneutralised']}; "
              f"reader errors during runs: {total['reader_errors']}",
              "=" * 100]
    return "\n".join(lines), total


def test_print_reliability_summary(reliability, capsys):
    entries = reliability.read()
    text, total = render(entries)
    with capsys.disabled():
        print(text)
    if os.environ.get("THADS_RELIABILITY_SUMMARY"):
        out = Path(os.environ["THADS_RELIABILITY_SUMMARY"])
        out.write_text(text + "\n\n" + json.dumps(entries, indent=1, default=str) + "\n", encoding="utf-8")
    assert total["rows_read"] == sum(total[k] for k in ROWS[1:])
    assert total["unbalanced_files"] == 0
    assert total["crash_survived"] == total["crash_trials"]
    assert total["recovery_failures"] == 0
    assert total["leaks_found"] == 0
    assert total["unneutralised"] == 0
