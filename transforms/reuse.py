"""What a warehouse build may keep from the previous warehouse, decided by fingerprints.

On most nights only some offices' files change, and a rebuild from scratch recomputes everything for
the offices that did not (at 1,000,000 cases, 6.5 million KPI rows, a third of the build). So a build
starts from a copy of the published warehouse and, table by table (`transforms/build.py` asks):

* **keeps** a table whose *input fingerprint* is the one stored with it: a raw table whose canonical
  Parquet file has the same bytes; a SQL model with the same text, reading tables whose *versions*
  (below) are the same;
* for a model marked `-- partition_by: office_code`, **recomputes only the offices** whose rows in its
  inputs changed (when that is not every office): it deletes those offices' rows and inserts them again
  from the model's own SQL, run with its case-keyed inputs narrowed to those offices' cases;
* otherwise **rebuilds** the table whole.

A table's *version* is the hash of its content when it is small (so a rebuilt table that came out the
same, such as the list of periods, does not force its readers to rebuild), and its input fingerprint
when it is large (hashing millions of rows every night would cost what reuse saves). Python models, ref
tables and SQL that reads a clock, random numbers, files or the environment (`_VOLATILE`) have no input
fingerprint: they are rebuilt every time (whole, even when partitioned), and their version is their
content.

A partitioned model must be office-local: its rows for an office depend only on the rows of that
office's cases in the inputs that have a `case_id` column (the office of a case is
`staging.stg_cases.office_code`), and on the whole of its other inputs. Its partition column holds the
office of the row's case and is never empty (when some case has no office, the model is rebuilt whole and
its check fails the build, as a build from scratch would). `tests/test_build_reuse.py` checks that a
build which reuses equals a build from scratch, table by table.

Fingerprints live in the warehouse (`_build.tables`, `_build.partitions`), next to the tables they
describe. Any change to this module, to `build.py` or to DuckDB's version invalidates them all.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

CASES_TABLE = "staging.stg_cases"  # where a case's office is read
CASE_KEY = "case_id"
OFFICE_COLUMN = "office_code"
STATE_SCHEMA = "_build"
CONTENT_VERSION_MAX_ROWS = 50_000  # above this, a table's version is its input fingerprint
# Columns that are stamps, not data: left out of a table's content fingerprint.
STAMP_COLUMNS: dict[str, tuple[str, ...]] = {"ref.run_context": ("built_at",)}
# SQL that reads a clock, draws random numbers, or reads what no fingerprint covers (files, the
# environment, settings) may give a new answer each build: never kept.
_VOLATILE = re.compile(
    r"\b(now|current_date|current_time|current_timestamp|current_localtime|current_localtimestamp|"
    r"localtime|localtimestamp|transaction_timestamp|get_current_time|get_current_timestamp|today|age|"
    r"random|gen_random_uuid|uuid|uuidv4|uuidv7|setseed|built_at|getenv|getvariable|current_setting|"
    r"read_\w+|parquet_scan|sniff_csv|glob|query|query_table)\b"
    r"|\b(from|join)\s*''",  # a file named in a string literal: `from 'x.parquet'` (literals are blanked)
    re.IGNORECASE)
_PARTITION_MARK = re.compile(r"^\s*--\s*partition_by:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", re.MULTILINE)


def _sha(*parts: object) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(repr(p).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def recipe_salt() -> str:
    """Changes whenever the code that builds or fingerprints tables changes."""
    here = Path(__file__).parent
    return _sha(duckdb.__version__, (here / "build.py").read_bytes(), (here / "reuse.py").read_bytes())


def file_fingerprint(path: Path) -> str:
    from transforms.intake import file_sha256  # the parse cache's hash (intake imports polars: lazily)

    return "sha256:" + file_sha256(path) if path.is_file() else "absent"


def partition_column(sql: str) -> str | None:
    """The column named by a `-- partition_by: <column>` line of a model, if any."""
    m = _PARTITION_MARK.search(sql)
    return m.group(1) if m else None


def is_volatile(sql_without_noise: str) -> bool:
    """Whether SQL (comments gone, literals blanked) may give another answer on the same inputs."""
    return bool(_VOLATILE.search(re.sub(r"\bdistinct\s+from\b", "distinct_from", sql_without_noise,
                                        flags=re.IGNORECASE)))


@dataclass
class PreviousState:
    """The fingerprints stored in the previous warehouse (already copied to the build's file)."""

    tables: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # name -> (input, version)
    partitions: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> office -> input fp


def start_from_previous(previous: Path, target: Path, salt: str) -> PreviousState | None:
    """Copy the previous warehouse to `target` and read its fingerprints, when this code made them.

    Returns None (and leaves no file at `target`) when nothing can be reused: no previous warehouse,
    one built before fingerprints existed or by other code, or one that cannot be read. The state is
    read from the copy, so tables and fingerprints always come from the same build.
    """
    if not previous.is_file():
        return None
    shutil.copyfile(previous, target)
    try:
        con = duckdb.connect(str(target), read_only=True)
        try:
            tables = con.execute(f"select name, input_fp, version from {STATE_SCHEMA}.tables").fetchall()
            parts = con.execute(f"select name, office, input_fp from {STATE_SCHEMA}.partitions").fetchall()
        finally:
            con.close()
    except duckdb.Error:
        tables, parts = [], []
    state = PreviousState({n: (i, v) for n, i, v in tables})
    if state.tables.get("__recipe__", (None, None))[0] != salt:
        target.unlink()
        return None
    for name, office, fp in parts:
        state.partitions.setdefault(name, {})[office] = fp
    return state


class Fingerprints:
    """Fingerprints of the tables of one build, computed when first asked for, then stored."""

    def __init__(self, con: duckdb.DuckDBPyConnection, previous: PreviousState | None, salt: str):
        self.con = con
        self.previous = previous or PreviousState()
        self.salt = salt
        self.input_fps: dict[str, str | None] = {}
        self.versions: dict[str, str] = {}
        self.partitions: dict[str, dict[str, str]] = {}
        self._columns: dict[str, list[tuple[str, str]]] = {}
        self._by_office: dict[str, dict[str, str]] = {}

    # -- what is known about a table -------------------------------------------------------------

    def columns(self, name: str) -> list[tuple[str, str]]:
        if name not in self._columns:
            self._columns[name] = [(r[0], r[1]) for r in self.con.execute(f"describe {name}").fetchall()]
        return self._columns[name]

    def is_case_keyed(self, name: str) -> bool:
        return any(c == CASE_KEY for c, _ in self.columns(name))

    def _content(self, name: str, by_office: bool = False) -> list[tuple]:
        """Row count and two sums of row hashes (each row's columns hashed together), whole or per office."""
        excluded = STAMP_COLUMNS.get(name, ())
        exclude = f" exclude ({', '.join(excluded)})" if excluded else ""
        key = OFFICE_COLUMN if name == CASES_TABLE else CASE_KEY  # how a row finds its office
        hashed = (f"select {key if by_office else 'null'} as __key, hash(*columns(*)) as __h1, "
                  f"hash(*columns(*), 'thads') as __h2 from (select *{exclude} from {name})")
        sums = "count(*), coalesce(sum(__h1), 0)::hugeint, coalesce(sum(__h2), 0)::hugeint"
        if not by_office:
            return self.con.execute(f"select {sums} from ({hashed})").fetchall()
        if name == CASES_TABLE:
            return self.con.execute(f"select __key, {sums} from ({hashed}) group by 1").fetchall()
        return self.con.execute(
            f"select c.{OFFICE_COLUMN}, {sums} from ({hashed}) as r "
            f"inner join {CASES_TABLE} as c on r.__key = c.{CASE_KEY} group by 1").fetchall()

    def version(self, name: str) -> str:
        """What a reader's fingerprint records of this table (see the module's docstring)."""
        if name not in self.versions:
            input_fp = self.input_fps.get(name)
            if input_fp is not None and self._row_count(name) > CONTENT_VERSION_MAX_ROWS:
                self.versions[name] = "input:" + input_fp
            else:
                self.versions[name] = "content:" + _sha(self.columns(name), self._content(name))
        return self.versions[name]

    def _row_count(self, name: str) -> int:
        return self.con.execute(f"select count(*) from {name}").fetchone()[0]

    def by_office(self, name: str) -> dict[str | None, str]:
        """One fingerprint per office of the rows of a case-keyed table (None: cases with no office)."""
        if name not in self._by_office:
            self._by_office[name] = {office: _sha(self.columns(name), rest)
                                     for office, *rest in self._content(name, by_office=True)}
        return self._by_office[name]

    def forget(self, name: str) -> None:
        """The table is being rebuilt: what was computed of its old content no longer holds."""
        for cache in (self.versions, self._columns, self._by_office):
            cache.pop(name, None)

    # -- decisions ----------------------------------------------------------------------------------

    def keep_raw(self, name: str, file_fp: str, exists: bool) -> bool:
        self.input_fps[name] = file_fp
        self.versions[name] = "input:" + file_fp
        return exists and self.previous.tables.get(name, (None, None))[0] == file_fp

    def model_input_fp(self, name: str, text: str, reads: list[str]) -> str:
        return _sha(self.salt, name, text, [(r, self.version(r)) for r in sorted(reads)])

    def keep_model(self, name: str, input_fp: str | None, exists: bool) -> bool:
        self.input_fps[name] = input_fp
        if input_fp is None or not exists:
            return False
        stored_input, stored_version = self.previous.tables.get(name, (None, None))
        if stored_input != input_fp:
            return False
        if stored_version:
            self.versions[name] = stored_version
        if name in self.previous.partitions:
            self.partitions[name] = self.previous.partitions[name]
        return True

    def office_fps(self, name: str, text: str, reads: list[str]) -> dict[str, str] | None:
        """Per office: the model's text, its whole non-case-keyed inputs, that office's case-keyed rows.

        None when some input rows belong to a case with no office: such rows fit no partition, so the
        model is rebuilt whole (and its own check says what is wrong)."""
        keyed = sorted(r for r in reads if self.is_case_keyed(r))
        whole = [(r, self.version(r)) for r in sorted(reads) if r not in keyed]
        per_input = {r: self.by_office(r) for r in keyed}
        offices = set().union(*per_input.values()) if per_input else set()
        if None in offices:
            return None
        return {o: _sha(self.salt, name, text, whole, [(r, per_input[r].get(o)) for r in keyed])
                for o in sorted(offices)}

    def offices_to_recompute(self, name: str, new: dict[str, str]) -> list[str] | None:
        """The offices whose partition changed, or None when the model must be rebuilt whole."""
        old = self.previous.partitions.get(name)
        if old is None:
            return None
        changed = sorted(o for o in set(old) | set(new) if old.get(o) != new.get(o))
        return None if len(changed) == len(set(old) | set(new)) else changed

    # -- storing ------------------------------------------------------------------------------------

    def save(self, names: list[str]) -> None:
        """Store every table's fingerprints in the warehouse being built (`_build`)."""
        # a version not computed here (no reader asked) is computed by the next build that needs it
        rows = [("__recipe__", self.salt, None)]
        rows += [(name, self.input_fps.get(name), self.versions.get(name)) for name in names]
        parts = [(n, o, fp) for n, offices in self.partitions.items() for o, fp in offices.items()]
        self.con.execute(f"create schema if not exists {STATE_SCHEMA}")
        self.con.execute(f"create or replace table {STATE_SCHEMA}.tables "
                         "(name varchar, input_fp varchar, version varchar)")
        self.con.executemany(f"insert into {STATE_SCHEMA}.tables values (?, ?, ?)", rows)
        self.con.execute(f"create or replace table {STATE_SCHEMA}.partitions "
                         "(name varchar, office varchar, input_fp varchar)")
        if parts:
            self.con.executemany(f"insert into {STATE_SCHEMA}.partitions values (?, ?, ?)", parts)
