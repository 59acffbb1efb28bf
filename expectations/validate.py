"""Validate one night: superseded copies, then one GX suite per record type over all offices' rows.

Record types run parents first (cases → events, payments, assets, complaints; assets → valuations,
auctions) because a child's `parent_quarantined` depends on its parent's result. Each suite runs once per
record type over the whole night, never once per file.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import polars as pl

from expectations import assets, auctions, cases, complaints, facts, payments, status_events, valuations
from thads.contract import RECORD_TYPE_ORDER, RECORD_TYPES
# One quarantine shape for parsing and validation failures: the readers'.
from transforms.ingest.read import QUARANTINE_SCHEMA, empty_quarantine

SUITES = {
    "cases": cases,
    "status_events": status_events,
    "payments": payments,
    "assets": assets,
    "valuations": valuations,
    "auctions": auctions,
    "complaints": complaints,
}


@dataclass
class NightValidation:
    loaded: dict[str, pl.DataFrame]  # clean rows per record type (no chk_* columns)
    quarantine: pl.DataFrame  # one row per (row, rule) that failed, QUARANTINE_SCHEMA
    superseded: pl.DataFrame  # source_file, source_row, record_id, reason
    warnings: pl.DataFrame  # source_file, source_row, record_id, warning
    rule_seconds: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _context():
    """One ephemeral GX context per process: in memory, no progress bars, no analytics."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # GX fingerprints every pandas batch under 1 GB by hashing all of its values, only to label the
    # batch in its results; we never read that label, and it was ~45 % of the validation time.
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
    )
    ctx = gx.get_context(project_config=config, mode="ephemeral")
    source = ctx.data_sources.add_pandas("night")
    return ctx, source


_RUN_COUNTER = [0]


def run_suite(record_type: str, frame: pl.DataFrame, known_offices: list[str]) -> pl.DataFrame:
    """Run the record type's suite; return its failures as quarantine rows (QUARANTINE_SCHEMA)."""
    import great_expectations as gx

    if frame.height == 0:
        return empty_quarantine()
    ctx, source = _context()
    _RUN_COUNTER[0] += 1
    name = f"{record_type}-{_RUN_COUNTER[0]}"
    suite = gx.ExpectationSuite(name=name, expectations=SUITES[record_type].expectations(known_offices))
    asset = source.add_dataframe_asset(name)
    # GX reports failing rows as pandas index labels: keep a unique RangeIndex equal to `_idx`.
    pdf = frame.to_pandas(use_pyarrow_extension_array=True)
    batch = asset.add_batch_definition_whole_dataframe("night").get_batch(batch_parameters={"dataframe": pdf})
    # Validating the batch directly: the same validator as a ValidationDefinition's, without storing the
    # results in the context (we read them once, here).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
    parts = []
    key = RECORD_TYPES[record_type].key
    for r in result.results:
        meta = r.expectation_config.meta or {}
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"validation rule {meta.get('rule')} on {record_type}.{meta.get('column')} could not run: "
                f"{r.exception_info.get('exception_message')}"
            )
        if r.success:
            continue
        idx = [i if isinstance(i, int) else int(next(iter(i.values()))) for i in r.result.get("unexpected_index_list") or []]
        if not idx:
            continue
        column = meta["column"]
        rows = frame[idx]
        parts.append(
            rows.select(
                pl.col("source_file"),
                pl.col("source_row").cast(pl.Int32),
                pl.col(key).cast(pl.String).alias("record_id"),
                pl.lit(column).alias("column"),
                pl.col(column).cast(pl.String).alias("raw_value"),
                pl.lit(meta["rule"]).alias("reason"),
                pl.format("{} row {}: {}", pl.col("source_file"), pl.col("source_row"),
                          pl.lit(meta["message"])).alias("message"),
            )
        )
    source.delete_asset(name)
    return pl.concat(parts) if parts else empty_quarantine()


def split_superseded(frames: dict[str, pl.DataFrame], office_of: dict[str, str]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Drop the losing copies of records held by two offices (data contract, 'Delivery').

    Winner: the copy whose own office_code (legacy codes mapped) names the folder it came from; if both
    or neither, the newer batch; then the first office folder in code order. The loser's children sent
    by the same folder go with it.
    """
    out = dict(frames)
    superseded = []
    lost_keys: dict[str, pl.DataFrame] = {}  # record_type -> (batch_office, id) pairs that lost
    for record_type in RECORD_TYPE_ORDER:
        rt = RECORD_TYPES[record_type]
        df = out.get(record_type)
        if df is None or df.height == 0:
            continue
        drop = pl.lit(False)
        if rt.parent is not None:
            parent_type, ref = rt.parent
            lost_parent = lost_keys.get(parent_type)
            if lost_parent is not None and lost_parent.height:
                pairs = lost_parent.rename({"_id": ref}).with_columns(_lost_parent=pl.lit(True))
                df = df.join(pairs, on=["batch_office", ref], how="left", maintain_order="left")
                drop = pl.col("_lost_parent").fill_null(False)
            else:
                df = df.with_columns(_lost_parent=pl.lit(False))
        if record_type != "status_events":
            key = rt.key
            ranked = (
                df.filter(pl.col(key).is_not_null())
                .group_by(["batch_office", key])
                .agg(pl.col("batch_date").max(), pl.col("office_code").first())
                .with_columns(
                    _own=(pl.col("office_code").replace_strict(office_of, default=pl.col("office_code"))
                          == pl.col("batch_office"))
                )
                .sort([key, "_own", "batch_date", "batch_office"], descending=[False, True, True, False])
                .with_columns(_rank=pl.int_range(pl.len()).over(key))
            )
            losers = ranked.filter(pl.col("_rank") > 0).select("batch_office", pl.col(key).alias("_id"))
            if losers.height:
                df = df.join(losers.rename({"_id": key}).with_columns(_lost_self=pl.lit(True)),
                             on=["batch_office", key], how="left", maintain_order="left")
                drop = drop | pl.col("_lost_self").fill_null(False)
        key = rt.key
        gone = df.filter(drop)
        if gone.height:
            lost_keys[record_type] = gone.select("batch_office", pl.col(key).alias("_id")).unique()
            superseded.append(gone.select(
                "source_file", pl.col("source_row").cast(pl.Int32), pl.col(key).cast(pl.String).alias("record_id"),
                pl.lit("record held by another office").alias("reason"),
            ))
        out[record_type] = df.filter(~drop).drop([c for c in ("_lost_parent", "_lost_self") if c in df.columns])
    sup = pl.concat(superseded) if superseded else pl.DataFrame(
        schema={"source_file": pl.String, "source_row": pl.Int32, "record_id": pl.String, "reason": pl.String})
    return out, sup


def status_warnings(cases_df: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Cases whose status differs from their last status event: loaded, the events win, a warning."""
    if cases_df.height == 0 or events.height == 0:
        return pl.DataFrame(schema={"source_file": pl.String, "source_row": pl.Int32, "record_id": pl.String, "warning": pl.String})
    last = (
        events.sort(["case_id", "event_date", "source_row"])
        .group_by("case_id", maintain_order=True)
        .agg(pl.col("status").last().alias("_last_status"))
    )
    j = cases_df.join(last, on="case_id", how="inner")
    bad = j.filter(pl.col("status") != pl.col("_last_status"))
    return bad.select(
        "source_file", pl.col("source_row").cast(pl.Int32), pl.col("case_id").alias("record_id"),
        pl.format("status {} differs from the last status event {}: the events win",
                  pl.col("status"), pl.col("_last_status")).alias("warning"),
    )


def validate_night(frames: dict[str, pl.DataFrame], parse_quarantine: pl.DataFrame,
                   office_of: dict[str, str]) -> NightValidation:
    """Validate the night's parsed rows.

    frames: per record type, the rows that parsed cleanly from every office's file (canonical columns
    plus lineage). parse_quarantine: the readers' quarantine rows with a `record_type` column (their
    record_id lets a child of an unparseable parent be told apart from an orphan). office_of: every known office code (legacy ones
    included) -> current office code.
    """
    import time

    known_offices = sorted(office_of)
    frames, superseded = split_superseded(frames, office_of)
    quarantined_parts = [parse_quarantine.select(list(QUARANTINE_SCHEMA))] if parse_quarantine.height else []
    loaded: dict[str, pl.DataFrame] = {}
    all_ids: dict[str, pl.Series] = {}
    accepted_ids: dict[str, pl.Series] = {}
    seconds: dict[str, float] = {}
    parse_failed_ids = (
        parse_quarantine.select("record_type", "record_id") if parse_quarantine.height else None
    )

    for record_type in RECORD_TYPE_ORDER:
        t0 = time.perf_counter()
        rt = RECORD_TYPES[record_type]
        df = frames.get(record_type)
        if df is None:
            continue
        df = df.with_row_index("_idx")
        if rt.parent is not None:
            parent_type, ref = rt.parent
            if parent_type == "cases" and record_type != "complaints":
                df = facts.with_case_received_date(df, loaded.get("cases", frames["cases"].head(0)))
            df = facts.parent_facts(df, ref, all_ids.get(parent_type, pl.Series([], dtype=pl.String)),
                                    accepted_ids.get(parent_type, pl.Series([], dtype=pl.String)),
                                    nullable=rt.parent_optional)
        if record_type == "payments":
            df = facts.within_amount_due(df, loaded.get("cases", frames["cases"].head(0)), known_offices)
        q = run_suite(record_type, df, known_offices)
        quarantined_parts.append(q)
        bad_rows = q.select("source_file", "source_row").unique()
        keep = df.join(bad_rows, on=["source_file", "source_row"], how="anti", maintain_order="left")
        loaded[record_type] = keep.drop([c for c in keep.columns if c.startswith("chk_") or c == "_idx"])
        if record_type != "status_events":
            key = rt.key
            ids = [df.get_column(key)]
            if parse_failed_ids is not None:
                ids.append(parse_failed_ids.filter(pl.col("record_type") == record_type)
                           .get_column("record_id"))
            all_ids[record_type] = pl.concat(ids).drop_nulls().unique()
            accepted_ids[record_type] = loaded[record_type].get_column(key).drop_nulls().unique()
        seconds[record_type] = time.perf_counter() - t0

    quarantine = pl.concat(quarantined_parts) if quarantined_parts else empty_quarantine()
    warn = status_warnings(loaded.get("cases", pl.DataFrame()), loaded.get("status_events", pl.DataFrame()))
    return NightValidation(loaded=loaded, quarantine=quarantine, superseded=superseded,
                           warnings=warn, rule_seconds=seconds)
