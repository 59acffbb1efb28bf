"""The analysts' notebooks (`notebooks/*.ipynb`).

They are stored without outputs (no results, execution counts, timings or widget state in the repository),
and each runs top to bottom, in a real Jupyter kernel, against the shared warehouse of the session's
nightly run, found the way an analyst's notebook finds it: `open_warehouse()` reads `THADS_WAREHOUSE`.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from thads.publish.formatting import format_date

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
EXPECTED = ["01-backlog.ipynb", "02-valuation-auction.ipynb", "03-credit-banking.ipynb",
            "04-data-quality.ipynb"]
# Each notebook runs in well under 30 s on the 3,000-case warehouse; the bound leaves room for a busy machine.
SECONDS_LIMIT = 60


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {cell.id} has outputs"
            assert cell.execution_count is None, f"{path.name} cell {cell.id} has an execution count"
        assert "execution" not in cell.metadata, f"{path.name} cell {cell.id} keeps execution timings"
    assert "widgets" not in nb.metadata, f"{path.name} keeps widget state"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom_on_the_published_warehouse(path, nightly_run, monkeypatch):
    settings, report = nightly_run
    assert report.status == "published"
    monkeypatch.setenv("THADS_WAREHOUSE", str(settings.warehouse))
    before = settings.warehouse.stat().st_mtime_ns

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOKS_DIR)}})
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, when any cell fails
    seconds = time.perf_counter() - started

    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # it read this warehouse (the as-of date comes from ref.run_context), and drew its charts
    texts = "\n".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
    assert f"Kho dữ liệu ngày **{format_date(report.as_of)}**" in texts
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)
    # read-only: the published warehouse is untouched, and the stored notebook keeps no outputs
    assert settings.warehouse.stat().st_mtime_ns == before
    assert all(not c.get("outputs") for c in nbformat.read(path, as_version=4).cells)
    assert seconds < SECONDS_LIMIT, f"{path.name} took {seconds:.1f} s"
