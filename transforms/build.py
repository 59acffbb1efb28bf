"""Build the DuckDB warehouse from the canonical Parquet files: raw -> staging -> intermediate -> marts.

Every build writes a temporary file beside the published one; only a build whose every model and every
check succeeded replaces the published file (atomically, with `os.replace`). Readers open the published
file read-only (`open_warehouse`). The temporary file starts as a copy of the published one, and the
build keeps the tables whose inputs did not change and recomputes only the changed offices of the models
marked `-- partition_by: office_code` (`transforms/reuse.py`); `reuse_previous=False` builds from nothing.

Models live in `transforms/models/{staging,intermediate,marts}/` (the folder is the schema):

* `<name>.sql` builds table `<folder>.<name>` as `create table <folder>.<name> as <file contents>`.
  Its dependencies are the `staging.x`, `intermediate.y` and `marts.z` names it mentions (comments and
  string literals ignored); with the `raw.x` and `ref.y` names, they are also what its fingerprint
  covers, so a model reads tables only through qualified names.
* `<name>.py` exposes `DEPENDS_ON: list[str]` (qualified names, e.g. `["staging.stg_cases"]`) and
  `build(con, context)`, which must create table `context.table` (a `ModelContext`).

Checks are `transforms/models/checks/*.sql`: each query returns the offending rows; any row fails the
build, and the error shows them. Warnings are `transforms/models/warnings/*.sql`, the same kind of query
for data-quality findings that must be listed but must not stop the build (`BuildResult.warnings`).

Inputs: `raw.<record type>` (one per Parquet file of `canonical_dir`; an absent file is an empty table
with the contract's columns), `ref.<csv stem>` (every CSV of the reference folder, all columns VARCHAR;
staging casts) and `ref.run_context` (one row: the as-of date and the statistical-year dates), so SQL never
pastes values into its text.
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import duckdb

from transforms import reuse

LAYERS: tuple[str, ...] = ("staging", "intermediate", "marts")
CHECKS_FOLDER = "checks"
WARNINGS_FOLDER = "warnings"

# --------------------------------------------------------------------------------------------------
# Raw inputs: the columns of each canonical Parquet file (what ingest writes), with DuckDB types.
# An absent file becomes an empty table with these columns; a present file is read with `select *` and
# these columns are cast to their types (a missing optional column is added as NULL; a missing key
# column fails the build).
# --------------------------------------------------------------------------------------------------

LINEAGE: tuple[tuple[str, str], ...] = (
    ("batch_date", "DATE"),
    ("batch_office", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_row", "INTEGER"),
    ("file_sha256", "VARCHAR"),
)

RAW_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "cases": (
        ("case_id", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("officer_id", "VARCHAR"),
        ("judgment_no", "VARCHAR"),
        ("judgment_type", "VARCHAR"),
        ("initiation", "VARCHAR"),
        ("received_date", "DATE"),
        ("decision_date", "DATE"),
        ("obligee_type", "VARCHAR"),
        ("obligee_key", "VARCHAR"),
        ("obligee_org_name", "VARCHAR"),
        ("obligor_key", "VARCHAR"),
        ("credit_case", "BOOLEAN"),
        ("credit_institution", "VARCHAR"),
        ("amount_due", "BIGINT"),
        ("status", "VARCHAR"),
        ("status_date", "DATE"),
    ) + LINEAGE,
    "status_events": (
        ("case_id", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("event_date", "DATE"),
        ("status", "VARCHAR"),
        ("has_reason", "BOOLEAN"),
    ) + LINEAGE,
    "payments": (
        ("payment_id", "VARCHAR"),
        ("case_id", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("payment_date", "DATE"),
        ("amount", "BIGINT"),
        ("kind", "VARCHAR"),
    ) + LINEAGE,
    "assets": (
        ("asset_id", "VARCHAR"),
        ("case_id", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("asset_type", "VARCHAR"),
        ("seizure_date", "DATE"),
        ("price_agreed", "BOOLEAN"),
        ("is_collateral", "BOOLEAN"),
        ("disposition", "VARCHAR"),
        ("disposition_date", "DATE"),
        ("handover_date", "DATE"),
    ) + LINEAGE,
    "valuations": (
        ("valuation_id", "VARCHAR"),
        ("asset_id", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("contract_date", "DATE"),
        ("certificate_date", "DATE"),
        ("valid_until", "DATE"),
        ("value", "BIGINT"),
        ("valuer", "VARCHAR"),
        ("disputed", "BOOLEAN"),
    ) + LINEAGE,
    "auctions": (
        ("auction_id", "VARCHAR"),
        ("asset_id", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("round_no", "INTEGER"),
        ("contract_date", "DATE"),
        ("auction_date", "DATE"),
        ("starting_price", "BIGINT"),
        ("outcome", "VARCHAR"),
        ("sale_price", "BIGINT"),
        ("auction_org", "VARCHAR"),
    ) + LINEAGE,
    "complaints": (
        ("complaint_id", "VARCHAR"),
        ("case_id", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("kind", "VARCHAR"),
        ("received_date", "DATE"),
        ("resolved_date", "DATE"),
        ("escalated", "BOOLEAN"),
    ) + LINEAGE,
    "file_manifest": (
        ("batch_date", "DATE"),
        ("office_code", "VARCHAR"),
        ("record_type", "VARCHAR"),
        ("source_file", "VARCHAR"),
        ("file_sha256", "VARCHAR"),
        ("status", "VARCHAR"),
        ("rows_read", "BIGINT"),
        ("rows_loaded", "BIGINT"),
        ("rows_quarantined", "BIGINT"),
        ("rows_superseded", "BIGINT"),
        ("rows_rejected", "BIGINT"),
    ),
    # What earlier nights published (thads/history.py), so a model can flag revised figures.
    "published_history": (
        ("run_id", "VARCHAR"),
        ("published_at", "TIMESTAMP WITH TIME ZONE"),
        ("as_of", "DATE"),
        ("period_kind", "VARCHAR"),
        ("period_start", "DATE"),
        ("period_end", "DATE"),
        ("scope", "VARCHAR"),
        ("office_code", "VARCHAR"),
        ("metric", "VARCHAR"),
        ("value", "DOUBLE"),
    ),
}

# Columns a present file must have (the record's keys); every other column may be absent.
RAW_KEYS: dict[str, tuple[str, ...]] = {
    "cases": ("case_id", "office_code", "received_date"),
    "status_events": ("case_id", "event_date", "status"),
    "payments": ("payment_id", "case_id", "payment_date", "amount"),
    "assets": ("asset_id", "case_id"),
    "valuations": ("valuation_id", "asset_id"),
    "auctions": ("auction_id", "asset_id"),
    "complaints": ("complaint_id",),
    "file_manifest": (),
    "published_history": (),
}

_TABLE_NAME = re.compile(r"\b(raw|ref|staging|intermediate|marts)\s*\.\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------------------------------
# Results and errors
# --------------------------------------------------------------------------------------------------

class BuildError(RuntimeError):
    """The build failed; the published warehouse (if any) is untouched.

    `stage` is one of `discover`, `load`, `model`, `check`, `warning` (a warning query that cannot run),
    `before_publish`, `publish`; `name` and `path`
    name the failing model or check; `rows` holds a check's offending rows (as dicts, at most 50).
    """

    def __init__(self, message: str, *, stage: str, name: str | None = None,
                 path: Path | None = None, rows: list[dict[str, Any]] | None = None,
                 row_count: int | None = None):
        super().__init__(message)
        self.stage = stage
        self.name = name
        self.path = path
        self.rows = rows or []
        self.row_count = row_count


@dataclass(frozen=True)
class ModelInfo:
    name: str  # qualified table name: "marts.kpi_period"
    path: Path
    kind: str  # "sql" | "py"
    depends_on: tuple[str, ...]

    @property
    def schema(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def table(self) -> str:
        return self.name.split(".", 1)[1]


@dataclass(frozen=True)
class ModelRun:
    name: str
    path: Path
    rows: int
    seconds: float
    # "built" (whole), "kept" (from the previous warehouse), or "offices A, B" (only their rows rebuilt)
    mode: str = "built"


@dataclass(frozen=True)
class CheckResult:
    name: str
    path: Path
    failing_rows: int
    seconds: float
    sample: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0


@dataclass(frozen=True)
class BuildResult:
    path: Path
    as_of: date
    models: list[ModelRun]
    checks: list[CheckResult]
    raw_rows: dict[str, int]
    seconds: float
    warnings: list[CheckResult] = field(default_factory=list)  # non-empty data-quality findings


@dataclass(frozen=True)
class ModelContext:
    """What a Python model's `build(con, context)` receives."""

    name: str  # qualified name of the table to create, e.g. "staging.stg_calendar"
    schema: str
    table: str
    path: Path
    as_of: date
    canonical_dir: Path
    reference_dir: Path
    models_dir: Path


# --------------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------------

def _sql_segments(sql: str) -> list[tuple[str, str]]:
    """The SQL text cut into ("code" | "comment" | "literal", text) pieces, in order."""
    pieces: list[tuple[str, str]] = []
    code_start, i, n = 0, 0, len(sql)
    while i < n:
        if sql.startswith("--", i) or sql.startswith("/*", i):
            j = sql.find("\n", i) if sql.startswith("--", i) else sql.find("*/", i + 2)
            end = n if j < 0 else (j if sql.startswith("--", i) else j + 2)
            kind = "comment"
        elif sql[i] == "'":
            j = i + 1
            while j < n and not (sql[j] == "'" and not sql.startswith("''", j)):
                j += 2 if sql.startswith("''", j) else 1
            end = min(j + 1, n)
            kind = "literal"
        else:
            i += 1
            continue
        pieces += [("code", sql[code_start:i]), (kind, sql[i:end])]
        code_start = i = end
    pieces.append(("code", sql[code_start:]))
    return [p for p in pieces if p[1]]


def _strip_sql_noise(sql: str) -> str:
    """SQL without comments and string literals (so a name in a comment is not a dependency)."""
    return "".join(text if kind == "code" else ("''" if kind == "literal" else "")
                   for kind, text in _sql_segments(sql))


def narrowed_sql(sql: str, views: dict[str, str]) -> str:
    """The model's SQL reading `temp.main.<view>` for each qualified name in `views` (code only: comments
    and string literals stay as written)."""
    def swap(m: re.Match) -> str:
        name = f"{m.group(1).lower()}.{m.group(2).lower()}"
        return f"temp.main.{views[name]}" if name in views else m.group(0)

    return "".join(_TABLE_NAME.sub(swap, text) if kind == "code" else text
                   for kind, text in _sql_segments(sql))


def _tables_read(code: str) -> list[str]:
    """Qualified table names (`raw.`, `ref.`, `staging.`, `intermediate.`, `marts.`) in SQL code whose
    comments and literals are already stripped, in order."""
    return list(dict.fromkeys(f"{m.group(1).lower()}.{m.group(2).lower()}" for m in _TABLE_NAME.finditer(code)))


def sql_references(sql: str) -> list[str]:
    """Qualified model names (`staging.x`, `intermediate.y`, `marts.z`) a SQL text reads, in order."""
    return [name for name in _tables_read(_strip_sql_noise(sql)) if name.split(".", 1)[0] in LAYERS]


def _load_py_module(path: Path) -> ModuleType:
    mod_name = "thads_model_" + re.sub(r"\W", "_", str(path.with_suffix("")))
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise BuildError(f"{path}: cannot be imported as a Python model", stage="discover", path=path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - reported with the file's name
        raise BuildError(f"{path}: importing the Python model failed: {exc!r}",
                         stage="discover", path=path) from exc
    if not callable(getattr(module, "build", None)):
        raise BuildError(f"{path}: a Python model must define build(con, context)",
                         stage="discover", path=path)
    return module


def _discover(models_dir: Path) -> tuple[list[ModelInfo], dict[str, ModuleType]]:
    models: dict[str, ModelInfo] = {}
    modules: dict[str, ModuleType] = {}
    for layer in LAYERS:
        folder = models_dir / layer
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".sql", ".py") or not path.is_file() or path.name.startswith(("_", ".")):
                continue
            stem = path.stem
            if not _IDENT.match(stem):
                raise BuildError(f"{path}: a model's file name must be a SQL identifier", stage="discover",
                                 path=path)
            name = f"{layer}.{stem.lower()}"
            if name in models:
                raise BuildError(f"{path}: table {name} is already built by {models[name].path}",
                                 stage="discover", name=name, path=path)
            if path.suffix == ".sql":
                deps = tuple(d for d in sql_references(path.read_text(encoding="utf-8")) if d != name)
                kind = "sql"
            else:
                module = _load_py_module(path)
                raw = getattr(module, "DEPENDS_ON", [])
                if isinstance(raw, str) or not all(isinstance(d, str) for d in raw):
                    raise BuildError(f"{path}: DEPENDS_ON must be a list of qualified table names",
                                     stage="discover", name=name, path=path)
                deps = tuple(d.lower() for d in raw if d.split(".", 1)[0].lower() in LAYERS)
                modules[name] = module
                kind = "py"
            models[name] = ModelInfo(name, path, kind, deps)
    _validate(models)
    return _topological(models), modules


def _validate(models: dict[str, ModelInfo]) -> None:
    for m in models.values():
        for dep in m.depends_on:
            if dep not in models:
                raise BuildError(
                    f"{m.path}: reads {dep}, which no model builds "
                    f"(expected a file {dep.split('.', 1)[0]}/{dep.split('.', 1)[1]}.sql or .py)",
                    stage="discover", name=m.name, path=m.path)
            if LAYERS.index(dep.split(".", 1)[0]) > LAYERS.index(m.schema):
                raise BuildError(
                    f"{m.path}: a {m.schema} model reads {dep}, a later layer "
                    f"(data flows staging -> intermediate -> marts)",
                    stage="discover", name=m.name, path=m.path)


def _topological(models: dict[str, ModelInfo]) -> list[ModelInfo]:
    """Dependencies first; ties in layer order, then by name (a stable, readable order)."""
    order_key = {name: (LAYERS.index(m.schema), name) for name, m in models.items()}
    done: list[ModelInfo] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(name: str, stack: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = stack[stack.index(name):] + [name]
            files = ", ".join(str(models[c].path) for c in cycle[:-1])
            raise BuildError(f"{models[name].path}: dependency cycle {' -> '.join(cycle)} (files: {files})",
                             stage="discover", name=name, path=models[name].path)
        state[name] = 1
        for dep in sorted(models[name].depends_on, key=lambda d: order_key[d]):
            visit(dep, stack + [name])
        state[name] = 2
        done.append(models[name])

    for name in sorted(models, key=lambda n: order_key[n]):
        visit(name, [])
    return done


def _default_models_dir() -> Path:
    from thads.settings import MODELS_DIR

    return MODELS_DIR


def list_models(models_dir: Path | None = None) -> list[ModelInfo]:
    """Every model in build order: table name, file, and the tables it reads (`thads models`)."""
    models, _ = _discover(Path(models_dir) if models_dir else _default_models_dir())
    return models


def format_models(models: list[ModelInfo]) -> str:
    """The model listing as text: `table <- file (reads ...)`."""
    lines = []
    for m in models:
        deps = ", ".join(m.depends_on) or "raw/ref only"
        lines.append(f"{m.name:<45} {m.path}  <- {deps}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Loading inputs
# --------------------------------------------------------------------------------------------------

def _quote(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    schema, table = name.split(".", 1)
    return con.execute("select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
                       [schema, table]).fetchone()[0] > 0


def _load_raw(con: duckdb.DuckDBPyConnection, canonical_dir: Path,
              fingerprints: reuse.Fingerprints) -> dict[str, int]:
    """One raw table per canonical file; a table whose file has the same bytes as last build is kept."""
    con.execute("create schema if not exists raw")
    counts: dict[str, int] = {}
    for table, columns in RAW_TABLES.items():
        path = canonical_dir / f"{table}.parquet"
        name = f"raw.{table}"
        if fingerprints.keep_raw(name, reuse.file_fingerprint(path), _table_exists(con, name)):
            counts[table] = con.execute(f"select count(*) from {name}").fetchone()[0]
            continue
        con.execute(f"drop table if exists {name}")
        if path.is_file():
            con.execute(f"create temp view _src as select * from read_parquet({_sql_str(str(path))})")
            present = {r[0] for r in con.execute("describe _src").fetchall()}
            missing_keys = [c for c in RAW_KEYS[table] if c not in present]
            if missing_keys:
                raise BuildError(f"{path}: missing column(s) {', '.join(missing_keys)}", stage="load",
                                 name=name, path=path)
            select = []
            for col, typ in columns:
                if col in present:
                    select.append(f"cast({_quote(col)} as {typ}) as {_quote(col)}")
                elif col == "source_row":  # file order, when the writer left it out
                    select.append(f"cast(row_number() over () as {typ}) as source_row")
                else:
                    select.append(f"cast(null as {typ}) as {_quote(col)}")
            known = {c for c, _ in columns}
            select += [_quote(c) for c in sorted(present - known)]
            con.execute(f"create table {name} as select {', '.join(select)} from _src")
            con.execute("drop view _src")
        else:
            cols = ", ".join(f"{_quote(c)} {t}" for c, t in columns)
            con.execute(f"create table {name} ({cols})")
        counts[table] = con.execute(f"select count(*) from {name}").fetchone()[0]
    return counts


def statistical_year(d: date) -> int:
    """Statistical year N runs from 1 October of N-1 to 30 September of N."""
    return d.year + 1 if d.month >= 10 else d.year


def _load_ref(con: duckdb.DuckDBPyConnection, reference_dir: Path, as_of: date) -> None:
    con.execute("create schema if not exists ref")
    for path in sorted(reference_dir.glob("*.csv")):
        name = path.stem.lower()
        if not _IDENT.match(name) or name == "run_context":
            raise BuildError(f"{path}: a reference file's name must be a SQL identifier (not run_context)",
                             stage="load", path=path)
        con.execute(
            f"create table ref.{name} as select * from read_csv(?, header = true, "
            f"all_varchar = true, auto_detect = true)", [str(path)]
        )
    con.execute(
        """
        create table ref.run_context as
        with base as (
            select
                cast($as_of as date) as as_of,
                cast($year as integer) as statistical_year
        )
        select
            as_of,
            statistical_year,
            make_date(statistical_year - 1, 10, 1) as year_start,
            make_date(statistical_year, 9, 30) as year_end,
            make_date(statistical_year - 2, 10, 1) as previous_year_start,
            make_date(statistical_year - 1, 9, 30) as previous_year_end,
            cast(as_of - interval 1 year as date) as same_day_previous_year,
            cast($built_at as timestamp) as built_at
        from base
        """,
        {"as_of": as_of, "year": statistical_year(as_of), "built_at": datetime.now()},
    )


# --------------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------------

def _rows_as_dicts(cur: duckdb.DuckDBPyConnection, limit: int) -> tuple[list[dict[str, Any]], int]:
    names = [d[0] for d in cur.description]
    rows = cur.fetchall()
    return [dict(zip(names, r)) for r in rows[:limit]], len(rows)


def _format_rows(rows: list[dict[str, Any]], total: int) -> str:
    if not rows:
        return ""
    lines = ["  " + ", ".join(f"{k}={v!r}" for k, v in r.items()) for r in rows[:20]]
    if total > len(lines):
        lines.append(f"  ... and {total - len(lines)} more row(s)")
    return "\n".join(lines)


def _fsync_path(path: Path, directory: bool = False) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if directory else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _remove_stale_temp_files(db_path: Path) -> None:
    """Temp files of builds whose process is gone (a crash or a kill) are removed."""
    for p in db_path.parent.glob(db_path.name + ".building-*"):
        pid_text = p.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            _remove(p)
        except PermissionError:
            pass


def _run_model(con: duckdb.DuckDBPyConnection, model: ModelInfo, module: ModuleType | None,
               context: ModelContext, sql: str) -> None:
    con.execute(f"create schema if not exists {model.schema}")
    if model.kind == "sql":
        con.execute(f"create table {model.name} as\n{sql}")
    else:
        assert module is not None
        module.build(con, context)
        if not _table_exists(con, model.name):
            raise RuntimeError(f"build() did not create table {model.name}")


def _run_checks(con: duckdb.DuckDBPyConnection, checks_dir: Path, fatal: bool = True) -> list[CheckResult]:
    results = []
    kind = "check" if fatal else "warning"
    for path in sorted(checks_dir.glob("*.sql")) if checks_dir.is_dir() else []:
        name = f"{checks_dir.name}.{path.stem}"
        sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
        t0 = time.perf_counter()
        try:
            cur = con.execute(sql)
            sample, total = _rows_as_dicts(cur, 50)
        except duckdb.Error as exc:
            raise BuildError(f"{kind} {name} ({path}) could not run: {exc}", stage=kind, name=name,
                             path=path) from exc
        result = CheckResult(name, path, total, time.perf_counter() - t0, sample)
        results.append(result)
        if total and fatal:
            raise BuildError(
                f"check {name} ({path}) failed: {total} offending row(s)\n{_format_rows(sample, total)}",
                stage="check", name=name, path=path, rows=sample, row_count=total)
    return results


def _drop_all_but_raw_and_models(con: duckdb.DuckDBPyConnection, models: list[ModelInfo]) -> None:
    """In a copy of the previous warehouse, keep only what a build may reuse: raw and model tables."""
    keep = {f"raw.{t}" for t in RAW_TABLES} | {m.name for m in models}
    for schema, table in con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal").fetchall():
        if f"{schema}.{table}" not in keep:
            con.execute(f"drop table {_quote(schema)}.{_quote(table)}")
    for schema, view in con.execute(
            "select schema_name, view_name from duckdb_views() where not internal").fetchall():
        con.execute(f"drop view {_quote(schema)}.{_quote(view)}")
    for (schema,) in con.execute(
            "select schema_name from duckdb_schemas() where not internal and database_name = current_database()"
    ).fetchall():
        if schema not in ("raw", "main", *LAYERS):
            con.execute(f"drop schema {_quote(schema)} cascade")


def _recompute_offices(con: duckdb.DuckDBPyConnection, model: ModelInfo, sql: str, reads: list[str],
                       column: str, offices: list[str], fingerprints: reuse.Fingerprints) -> None:
    """Replace the rows of `offices` in a partitioned model: its SQL run on their cases only."""
    keyed = {r: r.split(".", 1)[1] for r in reads if fingerprints.is_case_keyed(r)}
    if len(set(keyed.values())) < len(keyed):
        raise RuntimeError(f"a partitioned model cannot read two case-keyed tables of the same name: "
                           f"{sorted(keyed)}")
    con.execute("create or replace temp table _offices as select unnest(?::varchar[]) as office", [offices])
    con.execute(f"create or replace temp table _office_cases as select {reuse.CASE_KEY} from "
                f"{reuse.CASES_TABLE} where {reuse.OFFICE_COLUMN} in (select office from temp.main._offices)")
    try:
        for name, view in keyed.items():
            if name == reuse.CASES_TABLE:  # by office: a case id that two offices hold stays in each
                con.execute(f"create or replace temp view {view} as select * from {name} "
                            f"where {reuse.OFFICE_COLUMN} in (select office from temp.main._offices)")
            else:
                con.execute(f"create or replace temp view {view} as select * from {name} where "
                            f"{reuse.CASE_KEY} in (select {reuse.CASE_KEY} from temp.main._office_cases)")
        con.execute(f"delete from {model.name} where {_quote(column)} in (select office from temp.main._offices)")
        con.execute(f"insert into {model.name} by name select * from (\n{narrowed_sql(sql, keyed)}\n)")
    finally:
        for view in keyed.values():
            con.execute(f"drop view if exists temp.main.{view}")
        con.execute("drop table if exists temp.main._office_cases")
        con.execute("drop table if exists temp.main._offices")


def _build_model(con: duckdb.DuckDBPyConnection, model: ModelInfo, module: ModuleType | None,
                 context: ModelContext, fingerprints: reuse.Fingerprints) -> str:
    """Keep, partly rebuild or build one model (transforms/reuse.py decides); returns how."""
    exists = _table_exists(con, model.name)
    sql = model.path.read_text(encoding="utf-8").strip().rstrip(";").strip() if model.kind == "sql" else ""
    code = _strip_sql_noise(sql)
    reads = _tables_read(code)
    input_fp = fingerprints.model_input_fp(model.name, sql, reads) if sql and not reuse.is_volatile(code) else None
    if fingerprints.keep_model(model.name, input_fp, exists):
        return "kept"
    column = reuse.partition_column(sql) if sql else None
    office_fps = fingerprints.office_fps(model.name, sql, reads) if column and input_fp else None
    if office_fps is not None:  # not for SQL that reads a clock, nor when a case has no office
        offices = fingerprints.offices_to_recompute(model.name, office_fps) if exists else None
        fingerprints.partitions[model.name] = office_fps
        if offices is not None:
            fingerprints.forget(model.name)
            if offices:
                _recompute_offices(con, model, sql, reads, column, offices, fingerprints)
            return f"offices {', '.join(offices)}" if offices else "kept"
    con.execute(f"drop table if exists {model.name}")
    fingerprints.forget(model.name)
    _run_model(con, model, module, context, sql)
    if column is not None:
        empty = con.execute(f"select count(*) from {model.name} where {_quote(column)} is null").fetchone()[0]
        if empty:
            raise RuntimeError(f"{empty} row(s) with no {column}: a model partitioned by {column} "
                               f"(-- partition_by) must give every row its case's office")
    return "built"


def build_warehouse(
    db_path: Path,
    canonical_dir: Path,
    as_of: date,
    reference_dir: Path | None = None,
    before_publish: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    models_dir: Path | None = None,
    reuse_previous: bool = True,
) -> BuildResult:
    """Build the warehouse into `<db_path>.building-<pid>` and publish it atomically on success.

    With `reuse_previous`, the build starts from a copy of the warehouse at `db_path` (if its
    fingerprints were made by this code) and keeps what did not change (transforms/reuse.py).
    """
    t_start = time.perf_counter()
    db_path = Path(db_path)
    canonical_dir = Path(canonical_dir)
    if reference_dir is None:
        from thads.settings import get_settings

        reference_dir = get_settings().reference_dir
    reference_dir = Path(reference_dir)
    models_dir = Path(models_dir) if models_dir else _default_models_dir()

    models, modules = _discover(models_dir)

    db_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_files(db_path)
    tmp = db_path.with_name(f"{db_path.name}.building-{os.getpid()}")
    _remove(tmp)

    # A memory ceiling for the build (DuckDB spills to disk beyond it): the nightly process also holds
    # what ingest left behind, and the whole run must stay within its memory budget.
    salt = reuse.recipe_salt()
    try:
        previous = reuse.start_from_previous(db_path, tmp, salt) if reuse_previous else None
    except OSError as exc:
        _remove(tmp)
        raise BuildError(f"copying the previous warehouse {db_path} to {tmp} failed: {exc}",
                         stage="load") from exc
    con = duckdb.connect(str(tmp), config={"memory_limit": os.environ.get("THADS_BUILD_MEMORY_LIMIT", "3GB")})
    con.execute("set enable_progress_bar = false")  # a nightly log is no terminal
    fingerprints = reuse.Fingerprints(con, previous, salt)
    published = False
    try:
        try:
            if previous is not None:
                _drop_all_but_raw_and_models(con, models)
            raw_rows = _load_raw(con, canonical_dir, fingerprints)
            _load_ref(con, reference_dir, as_of)
        except BuildError:
            raise
        except duckdb.Error as exc:
            raise BuildError(f"loading inputs failed: {exc}", stage="load") from exc

        runs: list[ModelRun] = []
        for model in models:
            context = ModelContext(model.name, model.schema, model.table, model.path, as_of,
                                   canonical_dir, reference_dir, models_dir)
            t0 = time.perf_counter()
            try:
                mode = _build_model(con, model, modules.get(model.name), context, fingerprints)
                rows = con.execute(f"select count(*) from {model.name}").fetchone()[0]
            except Exception as exc:  # noqa: BLE001 - any failure names the model
                raise BuildError(f"model {model.name} ({model.path}) failed: {exc}", stage="model",
                                 name=model.name, path=model.path) from exc
            runs.append(ModelRun(model.name, model.path, rows, time.perf_counter() - t0, mode))
        fingerprints.save([f"raw.{t}" for t in RAW_TABLES] + [m.name for m in models])

        checks = _run_checks(con, models_dir / CHECKS_FOLDER)
        warnings = [w for w in _run_checks(con, models_dir / WARNINGS_FOLDER, fatal=False) if not w.passed]

        if before_publish is not None:
            try:
                before_publish(con)
            except BuildError:
                raise
            except Exception as exc:  # noqa: BLE001
                raise BuildError(f"before_publish failed: {exc}", stage="before_publish") from exc

        con.execute("checkpoint")
        con.close()
        _fsync_path(tmp)
        try:
            os.replace(tmp, db_path)
        except OSError as exc:
            raise BuildError(f"publishing {tmp} onto {db_path} failed: {exc}", stage="publish") from exc
        published = True
        _fsync_path(db_path.parent, directory=True)
        return BuildResult(db_path, as_of, runs, checks, raw_rows, time.perf_counter() - t_start, warnings)
    finally:
        if not published:
            try:
                con.close()
            except Exception:  # noqa: BLE001
                pass
            _remove(tmp)


def open_warehouse(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The published warehouse, read-only (readers never write to it)."""
    if db_path is None:
        from thads.settings import get_settings

        db_path = get_settings().warehouse
    return duckdb.connect(str(db_path), read_only=True)
