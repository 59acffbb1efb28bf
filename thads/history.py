"""The history of what was published: the headline figures of every published report.

Kept in the append-only audit store (`published_history`, one Parquet file per publishing run), outside
the rebuilt warehouse, so the committee can see what it was told on each date, and each night's build
can flag figures of closed periods that changed since they were last published (late corrections).
Long format (one row per figure) keeps it small and lets any column be compared the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import polars as pl

# The kpi_period columns the report shows (counts, money and rates).
TRACKED_METRICS = (
    "carried_over", "new_cases", "handled", "entrusted", "withdrawn", "moved_to_separate", "to_enforce",
    "with_conditions", "without_conditions", "completed", "carried_forward", "rate_cases",
    "money_to_enforce", "money_with_conditions", "money_completed", "money_carried_forward", "rate_money",
    "money_recovered",
)
KEYS = ("period_kind", "period_start", "period_end", "scope", "office_code")


def published_figures(warehouse: Path, run_id: str, as_of: date) -> pl.DataFrame:
    """This run's kpi_period rows in the history's long format."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        wide = con.sql(f"select {', '.join(KEYS + TRACKED_METRICS)} from marts.kpi_period").pl()
    finally:
        con.close()
    long = wide.with_columns(pl.col(m).cast(pl.Float64) for m in TRACKED_METRICS).unpivot(
        index=list(KEYS), on=list(TRACKED_METRICS), variable_name="metric", value_name="value")
    return long.with_columns(
        published_at=pl.lit(datetime.now(timezone.utc)), as_of=pl.lit(as_of), run_id=pl.lit(run_id),
    ).select("run_id", "published_at", "as_of", *KEYS, "metric", "value")
