"""Issue 8, 'History of what was published': each publication appends its figures to an append-only
history outside the warehouse, and a late correction to a closed period is flagged in the next report.
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

from tests.conftest import SAMPLE_AS_OF, make_settings, run_nightly

LATE_PAYMENT = 1_000_000  # VND, dated in January 2026: a month already closed and published


def pick_quiet_open_case(office_dir) -> tuple[str, str]:
    """An NA01 case `dang_thi_hanh` since before the statistical year (its last status event is older,
    so it is open with conditions throughout) with at least 1 million VND still to pay: a payment on it
    in January 2026 is money completed (and recovered) of that month, nothing else."""
    cases = pl.read_csv(office_dir / "cases.csv", infer_schema=False)
    events = pl.read_csv(office_dir / "status_events.csv", infer_schema=False)
    pays = pl.read_csv(office_dir / "payments.csv", infer_schema=False)
    one_event = (events.group_by("case_id").agg(pl.col("event_date").max().alias("last_event"))
                 .filter(pl.col("last_event") < "2025-09-01").select("case_id"))
    paid = pays.group_by("case_id").agg(pl.col("amount").cast(pl.Int64).sum().alias("paid"))
    candidates = (
        cases.join(one_event, on="case_id")
        .join(paid, on="case_id", how="left")
        .with_columns(pl.col("paid").fill_null(0), pl.col("amount_due").cast(pl.Int64))
        .filter((pl.col("status") == "dang_thi_hanh") & (pl.col("received_date") < "2025-09-01")
                & (pl.col("amount_due") - pl.col("paid") >= LATE_PAYMENT) & (pl.col("office_code") == "NA01"))
        .sort("case_id")
    )
    assert candidates.height, "the generated NA01 file has no quiet open case"
    return candidates["case_id"][0], candidates["office_code"][0]


def test_late_correction_to_a_closed_period_is_flagged(tmp_path, generated_inbox, prefect_harness, monkeypatch):
    monkeypatch.setenv("THADS_NO_BROWSER", "1")
    inbox = tmp_path / "inbox"
    shutil.copytree(generated_inbox, inbox)
    settings = make_settings(tmp_path / "data", inbox)
    run_nightly(settings)

    office_dir = inbox / SAMPLE_AS_OF.isoformat() / "NA01"
    case_id, office = pick_quiet_open_case(office_dir)
    with open(office_dir / "payments.csv", "a", encoding="utf-8") as fh:
        fh.write(f"LATE-0001,{case_id},{office},2026-01-15,{LATE_PAYMENT},tu_nguyen\n")
    report = run_nightly(settings)
    assert report.status == "published"

    history_files = sorted((settings.audit_dir / "published_history").glob("*.parquet"))
    assert len(history_files) == 2, "one history file per publication, none rewritten"

    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rev = con.sql("""select period_kind, period_start, metric, difference from marts.kpi_revisions
                         where scope = 'all' and office_code = 'ALL'""").pl()
        ends = [r[0] for r in con.execute("select period_end from marts.kpi_revisions").fetchall()]
    finally:
        con.close()
    got = {(r["period_kind"], r["period_start"], r["metric"]): r["difference"] for r in rev.to_dicts()}
    jan = date(2026, 1, 1)
    # January's money completed and recovered rise by the payment; money carried forward falls by it.
    assert got[("month", jan, "money_completed")] == LATE_PAYMENT
    assert got[("month", jan, "money_recovered")] == LATE_PAYMENT
    assert got[("month", jan, "money_carried_forward")] == -LATE_PAYMENT
    # Periods that ended before the payment date are untouched.
    assert not [k for k in got if k[0] == "month" and k[1] < jan]
    # The case was not completed, so no count changed in January.
    assert not [k for k in got if k[:2] == ("month", jan) and not k[2].startswith(("money", "rate_money"))]
    # Only periods that ended before the as-of date are compared (the running ones are not closed).
    assert rev.height and all(d < SAMPLE_AS_OF for d in ends)

    html = (settings.exports / "latest" / "index.html").read_text(encoding="utf-8")
    assert 'data-metric="revisions_count"' in html
    count = int(html.split('data-metric="revisions_count" data-value="')[1].split('"')[0])
    n_province = len([1 for _ in rev.iter_rows()])  # scope all, office ALL; the page counts both scopes
    assert count >= n_province > 0
