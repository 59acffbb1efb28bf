"""Builders for small hand-made warehouses: canonical Parquet inputs with every column, and a build of
only the models a test needs (so a colleague's unrelated model in progress cannot break these tests).

Rows are given as dicts with the columns that matter; every other column gets a plain default and the
lineage columns are filled in (batch_date = the as-of date, batch_office = the row's office, source_row
= the row's position in its list, i.e. file order).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import duckdb
import polars as pl

from thads.settings import MODELS_DIR, REPO_ROOT
from transforms.build import RAW_TABLES, build_warehouse, list_models, open_warehouse, sql_references

_PL_TYPES = {"VARCHAR": pl.String, "DATE": pl.Date, "BOOLEAN": pl.Boolean, "BIGINT": pl.Int64,
             "INTEGER": pl.Int32}

_DEFAULTS: dict[str, dict[str, Any]] = {
    "cases": {"office_code": "NA01", "officer_id": "CHV01", "judgment_no": "BA-01/2024", "judgment_type": "dan_su",
              "initiation": "chu_dong", "obligee_type": "ca_nhan", "obligee_key": "PSEUDO-E",
              "obligor_key": "PSEUDO-O", "credit_case": False, "amount_due": 100_000_000,
              "status": "dang_thi_hanh"},
    "status_events": {"office_code": "NA01", "has_reason": False},
    "payments": {"office_code": "NA01", "kind": "tu_nguyen"},
    "assets": {"office_code": "NA01", "asset_type": "dong_san", "price_agreed": False, "is_collateral": False},
    "valuations": {"office_code": "NA01", "kind": "lan_dau", "value": 1_000_000_000, "valuer": "Cty TĐG A",
                   "disputed": False},
    "auctions": {"office_code": "NA01", "starting_price": 1_000_000_000, "auction_org": "Cty ĐG B"},
    "complaints": {"office_code": "NA01", "kind": "khieu_nai", "escalated": False},
}


def frame(record_type: str, rows: Iterable[dict[str, Any]], batch_date: date) -> pl.DataFrame:
    """One raw table as the ingest step writes it: every contract column plus lineage."""
    columns = RAW_TABLES[record_type]
    out: dict[str, list[Any]] = {name: [] for name, _ in columns}
    for i, row in enumerate(rows, start=1):
        unknown = set(row) - set(out)
        assert not unknown, f"{record_type}: unknown column(s) {unknown}"
        full = {**_DEFAULTS.get(record_type, {}), **row}
        if record_type == "cases":
            full.setdefault("status_date", full.get("received_date"))
        office = full.get("office_code")
        lineage = {"batch_date": batch_date, "batch_office": office,
                   "source_file": f"{batch_date.isoformat()}/{office}/{record_type}.csv", "source_row": i,
                   "file_sha256": "0" * 64}
        for name, _ in columns:
            out[name].append(full[name] if name in full else lineage.get(name))
    schema = {name: _PL_TYPES[typ] for name, typ in columns}
    return pl.DataFrame(out, schema=schema)


def write_canonical(folder: Path, as_of: date, **tables: Iterable[dict[str, Any]]) -> Path:
    """Write `<record type>.parquet` for every table given (cases=[...], assets=[...], ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    for record_type, rows in tables.items():
        if rows is None:
            continue
        if record_type == "file_manifest":
            pl.DataFrame(list(rows), schema={n: _PL_TYPES[t] for n, t in RAW_TABLES["file_manifest"]}).write_parquet(
                folder / "file_manifest.parquet")
        else:
            frame(record_type, rows, as_of).write_parquet(folder / f"{record_type}.parquet")
    return folder


def models_for(targets: Iterable[str], dest: Path) -> Path:
    """Copy the models `targets` need (and their checks that only read those) into `dest`."""
    models = {m.name: m for m in list_models(MODELS_DIR)}
    needed: set[str] = set()
    stack = list(targets)
    while stack:
        name = stack.pop()
        if name in needed:
            continue
        needed.add(name)
        stack.extend(models[name].depends_on)
    for name in needed:
        m = models[name]
        target = dest / m.schema / m.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(m.path, target)
    checks = MODELS_DIR / "checks"
    for path in sorted(checks.glob("*.sql")) if checks.is_dir() else []:
        if set(sql_references(path.read_text(encoding="utf-8"))) <= needed:
            (dest / "checks").mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest / "checks" / path.name)
    return dest


def build(tmp_path: Path, as_of: date, targets: Iterable[str], **tables) -> duckdb.DuckDBPyConnection:
    """Build a warehouse of `targets` from the given rows; returns a read-only connection to it."""
    canonical = write_canonical(tmp_path / "canonical", as_of, **tables)
    models_dir = models_for(targets, tmp_path / "models")
    db = tmp_path / "warehouse" / "thads.duckdb"
    build_warehouse(db, canonical, as_of, reference_dir=REPO_ROOT / "data" / "reference", models_dir=models_dir)
    return open_warehouse(db)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]
