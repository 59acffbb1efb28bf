"""Cross-record facts, computed in polars before GX sees a table.

GX 1.x on pandas checks one table at a time, so whatever needs another record type (a parent's
existence, its received_date, the running total of a case's payments) is computed here as a `chk_*`
column, and the suites check those columns like any other.
"""

from __future__ import annotations

import polars as pl

from thads.contract import RECORD_TYPES


def parent_facts(child: pl.DataFrame, ref_column: str, all_ids: pl.Series,
                 accepted_ids: pl.Series, nullable: bool = False) -> pl.DataFrame:
    """chk_parent_exists / chk_parent_clean: an orphan is reported once, as an orphan."""
    ref = pl.col(ref_column)
    exists = ref.is_in(all_ids.implode()) | (ref.is_null() if nullable else pl.lit(False))
    clean = ref.is_in(accepted_ids.implode()) | ~exists | (ref.is_null() if nullable else pl.lit(False))
    return child.with_columns(chk_parent_exists=exists.fill_null(False), chk_parent_clean=clean.fill_null(False))


def with_case_received_date(child: pl.DataFrame, accepted_cases: pl.DataFrame) -> pl.DataFrame:
    dates = accepted_cases.select("case_id", pl.col("received_date").alias("chk_case_received_date"))
    return child.join(dates, on="case_id", how="left", maintain_order="left")


def within_amount_due(payments: pl.DataFrame, accepted_cases: pl.DataFrame,
                      known_offices: list[str]) -> pl.DataFrame:
    """chk_within_amount_due: false on the payment that first takes a case's running total over its
    amount_due, and on every later one (date order, then file order, then office folder order).

    The running total counts only payments that pass every other rule, so that one bad row does not
    also quarantine its neighbours.
    """
    due = accepted_cases.select("case_id", pl.col("amount_due").alias("_due"))
    p = payments.join(due, on="case_id", how="left", maintain_order="left")
    dup = pl.len().over(["batch_office", "payment_id"]) > 1
    passes = (
        pl.col("_due").is_not_null()
        & (pl.col("amount") > 0)
        & ~dup
        & pl.col("office_code").is_in(known_offices)
        & (pl.col("payment_date") <= pl.col("batch_date"))
        & (pl.col("payment_date") >= pl.col("chk_case_received_date")).fill_null(True)
    ).fill_null(False)
    p = p.with_columns(_passes=passes)
    counted = (
        p.filter("_passes")
        .sort(["case_id", "payment_date", "batch_office", "source_row"])
        .with_columns(_running=pl.col("amount").cum_sum().over("case_id"))
        .select("_idx", (pl.col("_running") <= pl.col("_due")).alias("chk_within_amount_due"))
    )
    p = p.join(counted, on="_idx", how="left", maintain_order="left")
    return p.with_columns(pl.col("chk_within_amount_due").fill_null(True)).drop("_due", "_passes")


def key_of(record_type: str) -> str:
    return RECORD_TYPES[record_type].key
