"""The append-only audit store, kept outside the nightly-rebuilt warehouse.

Each table is a folder of Parquet files, one file per run (`<audit_dir>/<table>/<run_id>.parquet`),
written to a temporary name and renamed, never rewritten: a crashed or failed run can add at most a
complete file, and no run can damage another's. Each published warehouse carries a copy of every table
as of its run, under the schema `audit`.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import polars as pl

TABLES = ("runs", "file_manifest", "quarantine", "warnings", "inbox_messages", "published_history")


class AuditStore:
    def __init__(self, audit_dir: Path):
        self.root = Path(audit_dir)

    def append(self, table: str, run_id: str, df: pl.DataFrame) -> Path:
        if table not in TABLES:
            raise ValueError(f"unknown audit table {table!r}")
        folder = self.root / table
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{run_id}.parquet"
        if target.exists():
            raise FileExistsError(f"the audit store already holds {table} for run {run_id}; it is append-only")
        tmp = folder / f".{run_id}.parquet.tmp-{os.getpid()}"
        df.with_columns(run_id=pl.lit(run_id)).write_parquet(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        return target

    def files(self, table: str) -> list[Path]:
        folder = self.root / table
        return sorted(folder.glob("*.parquet")) if folder.exists() else []

    def read(self, table: str) -> pl.DataFrame | None:
        files = self.files(table)
        if not files:
            return None
        return pl.concat([pl.read_parquet(f) for f in files], how="diagonal_relaxed")

    def copy_into(self, con: duckdb.DuckDBPyConnection, pending: dict[str, pl.DataFrame] | None = None) -> None:
        """Copy every audit table into the warehouse being built (schema `audit`).

        `pending` adds rows not yet in the store, such as the running run's own `runs` row (written to
        the store only when the run ends), so each warehouse lists the run that built it.
        """
        con.execute("create schema if not exists audit")
        for table in TABLES:
            df = self.read(table)
            extra = (pending or {}).get(table)
            if extra is not None:
                df = extra if df is None else pl.concat([df, extra], how="diagonal_relaxed")
            if df is None:
                continue
            con.register("_audit_df", df.to_arrow())
            con.execute(f"create or replace table audit.{table} as select * from _audit_df")
            con.unregister("_audit_df")
