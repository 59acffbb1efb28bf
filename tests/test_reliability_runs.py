"""Issue 8: the real `thads run`, as an operator starts it, on an untrusted and leaky inbox, killed and
run twice at once.

One module-scoped world: a generated province of ~400 cases (seed 11, 2 % defects) in which
- names and ID numbers also sit in free text (the generator's `status_events.reason`) and in an unsafe
  extra column `Ghi chú` added to cases files of every format and to a status_events file;
- officers' IDs of one office look like spreadsheet formulas (`=HYPERLINK(...)`, `@SUM(1)`, `+1+1`, `-1+1`);
- a few files are damaged (TCVN3 text, a truncated workbook, a 1,000,000-character line, a hidden first
  sheet, flipped bytes in a parquet file);
- the inbox holds hostile entries: symbolic links to a canary file and folders outside the inbox (a
  file, an office folder, a batch folder, a relative `../..` link), a FIFO, a socket, names with `..`,
  a control character, bytes that are not UTF-8, a drive-letter name and a leading space.

Every run is a `thads run` subprocess (environment of `tests/test_orchestration.py::_thads`), against
the session's Prefect test server (`PREFECT_API_URL`: no temporary server to start per run), with
`THADS_NO_BROWSER=1` and a fresh pseudonym key file the first run creates.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pytest

from reliability_helpers import (  # noqa: F401 - reliability is a fixture
    AS_OF, REPO, LeakScanner, _table_edit, canonical_of, differing_marts, kill_run, manifest_totals,
    marts_snapshot, mutate, people_in_inbox, reliability, small_batch, start_thads, thads_env,
)
from tests.conftest import make_settings
from thads.audit import TABLES, AuditStore

BATCH = AS_OF.isoformat()
CANARY = "CANARYOUTSIDE"
FORMULAS = ('=HYPERLINK("http://example.invalid/?x","bấm vào đây")', "@SUM(1)", "+1+1", "-1+1")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class World:
    root: Path
    settings: object
    env: dict
    key_file: Path
    outside: Path
    names: set
    ids: set
    db_url: str
    baseline_rc: int
    baseline_seconds: float
    baseline_log: Path
    baseline: dict = field(default_factory=dict)
    refusals: list = field(default_factory=list)  # (entry, words its message must hold)
    mutants: dict = field(default_factory=dict)  # rel path -> words of the expected rejection ('' = any)


# ------------------------------------------------------------------------------------------------
# building the inbox
# ------------------------------------------------------------------------------------------------

def _add_leaky_extra_column(path: Path) -> None:
    """A `Ghi chú` column repeating the row's person in clear (name and ID number)."""
    fmt = path.suffix[1:]

    def add(h, rows):
        pos = canonical_of([("" if c is None else str(c)) for c in h], path.stem)
        name_at = pos.get("obligor_name", pos.get("reason"))
        id_at = pos.get("obligor_id_number")

        def note(r):
            name = r[name_at] if name_at is not None and name_at < len(r) else None
            idn = r[id_at] if id_at is not None and id_at < len(r) else None
            return f"Liên hệ {name or ''}, CCCD {idn or ''}".strip()
        return list(h) + ["Ghi chú"], [list(r) + [note(r)] for r in rows]
    path.write_bytes(_table_edit(path.read_bytes(), fmt, add))


def _formula_officers(path: Path) -> None:
    def edit(h, rows):
        i = canonical_of(h, "cases")["officer_id"]
        return h, [[(FORMULAS[n % len(FORMULAS)] if k == i else v) for k, v in enumerate(r)]
                   for n, r in enumerate(rows)]
    path.write_bytes(_table_edit(path.read_bytes(), "csv", edit))


def _canary_cases(folder: Path) -> None:
    from test_ingest_support import CASES_HEADER, case_row

    folder.mkdir(parents=True, exist_ok=True)
    rows = [case_row(case_id=f"{CANARY}-{i}", obligor=f"Canary Outsider {i}", id_number=f"0999999999{i:02d}")
            for i in range(30)]
    (folder / "cases.csv").write_text(CASES_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def _hostile_entries(inbox: Path, outside: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Entries that must be refused, never followed; (shown name, words of the refusal message)."""
    batch = inbox / BATCH
    _canary_cases(outside / "office")
    _canary_cases(outside / "batch" / "NA01")
    out = []

    def link(at: Path, target: Path | str, shown: str):
        at.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, at)
        out.append((shown, ("refused", "symbolic link")))
    link(batch / "NA01" / "auctions.csv", outside / "office" / "cases.csv", f"{BATCH}/NA01/auctions.csv")
    link(batch / "NA11", outside / "office", f"{BATCH}/NA11")
    link(inbox / "2026-06-29", outside / "batch", "2026-06-29")
    rel = os.path.relpath(outside / "office" / "cases.csv", batch / "NA02")
    link(batch / "NA02" / "complaints.csv", rel, f"{BATCH}/NA02/complaints.csv")
    os.mkfifo(batch / "NA03" / "auctions.csv")
    out.append((f"{BATCH}/NA03/auctions.csv", ("refused", "neither a folder nor a regular file")))
    sock_path = batch / "NA04" / "complaints.csv"
    if len(str(sock_path)) < 100:
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(sock_path))
        s.close()
        out.append((f"{BATCH}/NA04/complaints.csv", ("refused", "neither a folder nor a regular file")))
    (inbox / "..2026-06-30").mkdir()
    out.append(("..2026-06-30", ("refused", "'..'")))
    fd = os.open(os.fsencode(batch / "NA05") + b"/valuations\xff.csv", os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, b"asset_id\n")
    os.close(fd)
    out.append((f"{BATCH}/NA05/valuations", ("refused", "not valid UTF-8")))
    (batch / "NA05" / "pay\x07ments.csv").write_text("x")
    out.append((f"{BATCH}/NA05/pay", ("refused", "control character")))
    (batch / "NA05" / "C:cases.csv").write_text("x")
    out.append((f"{BATCH}/NA05/C:cases.csv", ("refused", "absolute path")))
    (batch / " NA06").mkdir()
    (batch / " NA06" / "cases.csv").write_text("x")
    out.append((f"{BATCH}/ NA06", ("refused", "space")))
    return out


def _flow_level_mutants(inbox: Path) -> dict[str, str]:
    """A few damaged files through the real flow; rel path -> words of the expected rejection (or '')."""
    batch = inbox / BATCH
    # (file, format, mutation, its seed, words of the expected rejection or '')
    damage = [("NA10/status_events.csv", "csv", "to_tcvn3", 0, "TCVN3"),
              ("NA07/payments.xlsx", "xlsx", "truncate_half", 0, "xlsx"),
              ("NA08/payments.csv", "csv", "million_char_line", 0, ""),
              ("NA07/status_events.xlsx", "xlsx", "xlsx_hidden_first_sheet", 0, ""),
              ("NA09/payments.parquet", "parquet", "flip_bytes", 5, "")]
    want = {}
    for rel, fmt, mutation, seed, words in damage:
        p = batch / rel
        p.write_bytes(mutate(p.read_bytes(), fmt, mutation, seed))
        want[f"{BATCH}/{rel}"] = words
    return want


@pytest.fixture(scope="module")
def world(session_root, prefect_harness) -> World:
    import tempfile

    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_DATABASE_CONNECTION_URL

    # In the session's own folder: pytest prunes old basetemp folders when other sessions start, which
    # on a shared machine can remove a long (heavy) module's world under its feet.
    root = Path(tempfile.mkdtemp(prefix="reliability-runs-", dir=session_root))
    inbox = small_batch(root / "inbox", seed=11)
    names, ids = people_in_inbox(inbox)  # read before anything hostile is added (a FIFO would block)
    batch = inbox / BATCH
    for p in [*sorted(batch.glob("*/cases.*")), batch / "NA01" / "status_events.csv"]:
        _add_leaky_extra_column(p)
    _formula_officers(batch / "NA05" / "cases.csv")
    mutants = _flow_level_mutants(inbox)
    outside = root / "outside"
    refusals = _hostile_entries(inbox, outside)

    settings = make_settings(root / "data", inbox)
    key_file = root / "config" / "thads-analytics" / "pseudonym.key"
    env = thads_env(settings, PREFECT_API_URL.value(), root / "prefect-home",
                    {"THADS_PSEUDONYM_KEY_FILE": str(key_file)})
    log = root / "baseline.log"
    t0 = time.monotonic()
    proc = start_thads(env, log)
    rc = proc.wait(timeout=900)
    w = World(root=root, settings=settings, env=env, key_file=key_file, outside=outside, names=names, ids=ids,
              db_url=str(PREFECT_SERVER_DATABASE_CONNECTION_URL.value()), baseline_rc=rc,
              baseline_seconds=time.monotonic() - t0, baseline_log=log, refusals=refusals, mutants=mutants)
    if rc == 0:
        w.baseline = marts_snapshot(settings.warehouse)
    return w


def _require_baseline(world: World) -> None:
    assert world.baseline_rc == 0, world.baseline_log.read_text(errors="replace")[-3000:]


# ------------------------------------------------------------------------------------------------
# the baseline run: published, every row accounted for, hostile entries refused, nothing outside read
# ------------------------------------------------------------------------------------------------

def test_run_on_a_hostile_inbox_publishes_and_accounts_for_every_row(world, reliability):
    _require_baseline(world)
    s = world.settings
    audit = AuditStore(s.audit_dir)
    manifest = audit.read("file_manifest")
    totals = manifest_totals(manifest)
    assert totals["unbalanced_files"] == 0
    runs = audit.read("runs")
    assert runs["status"].to_list() == ["published"]
    assert {k: runs[k][0] for k in ("rows_read", "rows_loaded", "rows_quarantined", "rows_superseded",
                                    "rows_rejected")} == {k: totals[k] for k in totals if k.startswith("rows_")}

    # every refused entry is named in the audit store, with its reason
    messages = audit.read("inbox_messages")
    refused = messages.filter(pl.col("kind") == "refused")["message"].to_list()
    for shown, words in world.refusals:
        hits = [m for m in refused if m.startswith(shown) and all(w in m for w in words)]
        assert hits, f"{shown!r} not refused with {words}: {refused}"

    # nothing outside the inbox was read: every manifest file is an inbox file with these very bytes
    import hashlib

    for row in manifest.iter_rows(named=True):
        path = s.inbox / row["source_file"]
        assert path.is_file() and not path.is_symlink(), row["source_file"]
        if row["file_sha256"]:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == row["file_sha256"], row["source_file"]
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        for schema, table in con.execute("select table_schema, table_name from information_schema.tables").fetchall():
            text = "\n".join(map(str, con.execute(f'select * from "{schema}"."{table}"').fetchall()))
            assert CANARY not in text, f"{schema}.{table} holds a row of the file outside the inbox"
    finally:
        con.close()

    # the damaged files: rejected with one clear line each, or read; accounted for either way
    by_file = {r["source_file"]: r for r in manifest.iter_rows(named=True)}
    for rel, words in world.mutants.items():
        row = by_file[rel]
        if words:
            assert row["status"] == "rejected" and words in row["message"], (rel, row["message"])
        if row["status"] == "rejected":
            assert row["message"].startswith(rel + ": ") and "\n" not in row["message"]
    # the unsafe extra column was dropped and counted, not loaded
    assert any("ghi chu" in (r["dropped_extra_columns"] or "") for r in by_file.values())
    reliability.add("flow: hostile inbox, baseline `thads run`", inputs_tried=len(world.refusals) + len(world.mutants),
                    refused_entries=len(refused), seconds=round(world.baseline_seconds, 1),
                    **{k: totals[k] for k in ("files_rejected", "rows_read", "rows_loaded", "rows_quarantined",
                                              "rows_superseded", "rows_rejected", "unbalanced_files")})


# ------------------------------------------------------------------------------------------------
# personal data
# ------------------------------------------------------------------------------------------------

def _rows_text(rows) -> str:
    return "\n".join(" | ".join("" if v is None else str(v) for v in r) for r in rows)


def _file_text(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".png", ".pdf", ".jpg"):
        return None
    if suffix == ".parquet":
        try:
            return _rows_text(pl.read_parquet(path).rows())
        except Exception:  # noqa: BLE001 - a parquet being written: read its bytes instead
            pass
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        text = "\n".join(_rows_text(ws.iter_rows(values_only=True)) for ws in wb.worksheets)
        wb.close()
        return text
    if suffix in (".duckdb",) or ".duckdb." in path.name:
        return None  # scanned table by table
    data = path.read_bytes()
    text = data.decode("utf-8", errors="ignore")
    return html.unescape(text) if suffix in (".html", ".htm") else text


def scan_for_leaks(world: World, scanner: LeakScanner, extra_logs: list[Path] = ()) -> tuple[list[str], dict]:
    s = world.settings
    found: list[str] = []
    looked = dict(tables=0, audit_files=0, export_files=0, log_bytes=0, prefect_tables=0, other_files=0)
    con = duckdb.connect(str(s.warehouse), read_only=True)
    try:
        for schema, table in con.execute("select table_schema, table_name from information_schema.tables").fetchall():
            rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
            cols = [d[0] for d in con.description]
            found += scanner.scan(" ".join(cols) + "\n" + _rows_text(rows), f"warehouse {schema}.{table}")
            looked["tables"] += 1
    finally:
        con.close()
    for f in sorted(s.audit_dir.rglob("*")):
        if f.is_file():
            found += scanner.scan(_file_text(f) or "", f"audit {f.relative_to(s.audit_dir)}")
            looked["audit_files"] += 1
    for f in sorted(s.exports.rglob("*")):
        if f.is_file() and (text := _file_text(f)) is not None:
            found += scanner.scan(text, f"exports {f.relative_to(s.exports)}")
            looked["export_files"] += 1
    for log in [world.baseline_log, *extra_logs]:
        text = log.read_text(encoding="utf-8", errors="replace")
        found += scanner.scan(text, f"log {log.name}")
        looked["log_bytes"] += len(text)
    # Prefect's database (the session's test server): every table, every column
    db_path = world.db_url.split("///", 1)[1]
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        for (table,) in db.execute("select name from sqlite_master where type = 'table'").fetchall():
            rows = db.execute(f'select * from "{table}"').fetchall()
            found += scanner.scan(_rows_text([[v.decode("utf-8", "ignore") if isinstance(v, bytes) else v
                                               for v in r] for r in rows]), f"prefect db {table}")
            looked["prefect_tables"] += 1
    finally:
        db.close()
    # Prefect's home of the runs, and the state folder (parse cache, leftovers of killed runs)
    for base, label in ((world.root / "prefect-home", "prefect home"), (s.state_dir, "state")):
        for f in sorted(base.rglob("*")) if base.exists() else []:
            if f.is_file() and not f.is_symlink() and (text := _file_text(f)) is not None:
                found += scanner.scan(text, f"{label} {f.relative_to(base)}")
                looked["other_files"] += 1
    return found, looked


def test_no_clear_personal_data_anywhere(world, reliability):
    _require_baseline(world)
    assert len(world.names) > 200 and len(world.ids) > 100, "the test-side reader found the people"
    key_hex = world.key_file.read_text().strip()
    scanner = LeakScanner(world.names, world.ids, {"pseudonym key (hex)": key_hex, "canary": CANARY})
    # the scanner itself finds what it must: names and IDs are in the inbox's free text and extra column
    probe_file = world.settings.inbox / BATCH / "NA01" / "status_events.csv"
    assert scanner.scan(probe_file.read_text(encoding="utf-8"), "probe"), "the scanner finds nothing"
    found, looked = scan_for_leaks(world, scanner)
    reliability.add("leak scan after the baseline run", leaks_found=len(found), names=len(scanner.names),
                    ids=len(scanner.ids), **looked)
    assert not found, "\n".join(found[:40])


def test_pseudonym_key_is_owner_only_outside_the_repository(world):
    import stat

    from thads.pseudonym import KeyFileError, load_or_create_key

    _require_baseline(world)
    assert world.key_file.is_file(), "the run created the key file"
    assert stat.S_IMODE(world.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(world.key_file.parent.stat().st_mode) == 0o700
    assert not world.key_file.resolve().is_relative_to(REPO)
    # inside the repository (directly, or through a link that resolves there): refused, nothing written
    with pytest.raises(KeyFileError, match="inside the repository"):
        load_or_create_key(REPO / "data" / "pseudonym.key")
    assert not (REPO / "data" / "pseudonym.key").exists()
    link = world.root / "key-link.key"
    os.symlink(REPO / "pyproject.toml", link)
    with pytest.raises(KeyFileError, match="inside the repository"):
        load_or_create_key(link)
    # readable by others: refused with the chmod to run
    loose = world.root / "loose" / "pseudonym.key"
    load_or_create_key(loose)
    os.chmod(loose, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_key(loose)


def test_exported_text_cells_never_start_a_formula(world, reliability):
    """bao_cao.xlsx and the CSV tables of the published report: a text cell starting with = + - @ (or a
    tab / carriage return) is shown with a leading apostrophe. The inbox gave one office's officers
    formula-like IDs, so they reach the exported tables."""
    import csv

    import openpyxl

    _require_baseline(world)
    dated = world.settings.exports / BATCH
    bad, neutralised, cells = [], 0, 0

    def check(value, where):
        nonlocal neutralised, cells
        if not isinstance(value, str):
            return
        cells += 1
        if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
            neutralised += 1
        elif value.startswith(FORMULA_PREFIXES):
            try:
                float(value)  # a negative number written as a number is no formula
            except ValueError:
                bad.append(f"{where}: {value!r}")
    wb = openpyxl.load_workbook(dated / "bao_cao.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    bad.append(f"bao_cao.xlsx {ws.title}!{c.coordinate}: a formula cell {c.value!r}")
                check(c.value, f"bao_cao.xlsx {ws.title}!{c.coordinate}")
    csvs = sorted(dated.rglob("*.csv"))
    assert csvs, "the report publishes CSV tables"
    for f in csvs:
        with open(f, encoding="utf-8-sig", newline="") as fh:
            for i, row in enumerate(csv.reader(fh)):
                for j, v in enumerate(row):
                    check(v, f"{f.name} row {i} col {j}")
    con = duckdb.connect(str(world.settings.warehouse), read_only=True)
    try:
        in_marts = con.execute("select count(*) from marts.officer_workload where officer_id in (?, ?, ?, ?)",
                               list(FORMULAS)).fetchone()[0]
    finally:
        con.close()
    reliability.add("exports: formula neutralisation", text_cells=cells, neutralised=neutralised,
                    unneutralised=len(bad))
    assert not bad, "\n".join(bad[:20])
    assert in_marts > 0, "the formula-like officer IDs reached the marts"
    assert neutralised > 0, "the formula-like officer IDs reached an export, neutralised"


# ------------------------------------------------------------------------------------------------
# SIGKILL at random points, then the next run
# ------------------------------------------------------------------------------------------------

def intact(world: World) -> list[str]:
    """What is wrong with the last published state (empty when everything is intact)."""
    from thads.runs import RunLockedError, run_lock

    s = world.settings
    problems = []
    try:
        diff = differing_marts(marts_snapshot(s.warehouse), world.baseline)
        if diff:
            problems.append(f"published warehouse marts differ: {diff}")
    except Exception as exc:  # noqa: BLE001
        problems.append(f"published warehouse unreadable: {exc!r}")
    index = s.exports / "latest" / "index.html"
    try:
        page = index.read_text(encoding="utf-8")
        if "</html>" not in page:
            problems.append("latest/index.html is cut short")
        import openpyxl

        openpyxl.load_workbook(s.exports / "latest" / "bao_cao.xlsx", read_only=True).close()
    except Exception as exc:  # noqa: BLE001
        problems.append(f"latest report unreadable: {exc!r}")
    for table in TABLES:
        for f in AuditStore(s.audit_dir).files(table):
            try:
                pl.read_parquet(f)
            except Exception as exc:  # noqa: BLE001
                problems.append(f"audit file {f} unreadable: {exc!r}")
    try:
        with run_lock(s.state_dir, wait_seconds=0):
            pass
    except RunLockedError as exc:
        problems.append(f"the lock is still held: {exc}")
    return problems


_TASK = re.compile(r"Task run '(parse|[a-z-]+?)(?:-[0-9a-f]{3})?[' ]")


def _phase(log: Path, offset: int) -> str:
    """The last task the killed run had finished (from its log)."""
    text = log.read_bytes()[offset:].decode("utf-8", "replace")
    tasks = _TASK.findall(text)
    if "Beginning flow run" not in text:
        return "start-up"
    return f"after {tasks[-1]}" if tasks else "flow start"


def _wait_for(proc, predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if predicate():
            return True
        time.sleep(0.03)
    return False


def crash_trial(world: World, mode: str, rng: random.Random, log: Path) -> dict:
    s = world.settings
    wh_dir = s.warehouse.parent
    if mode == "ingest":
        import shutil

        shutil.rmtree(s.state_dir / "parsed", ignore_errors=True)  # parse everything again
    offset = log.stat().st_size if log.exists() else 0
    proc = start_thads(world.env, log)
    limit = world.baseline_seconds * 2 + 60
    if mode == "random":
        time.sleep(rng.uniform(1.0, world.baseline_seconds))
        hit = True
    elif mode == "ingest":
        hit = _wait_for(proc, lambda: any((s.state_dir / "parsed").glob("*")), limit)
        time.sleep(rng.uniform(0, 1.0))
    elif mode == "build":
        hit = _wait_for(proc, lambda: any(wh_dir.glob(s.warehouse.name + ".building-*")), limit)
        time.sleep(rng.uniform(0, 1.5))
    elif mode == "publish":
        hit = _wait_for(proc, lambda: any(p.name.startswith(".tmp-") for p in s.exports.iterdir()), limit)
        time.sleep(rng.uniform(0, 0.4))
    else:
        raise ValueError(mode)
    finished_first = proc.poll() is not None
    kill_run(proc)
    problems = intact(world)
    return {"mode": mode, "target_seen": hit, "finished_before_kill": finished_first,
            "returncode": proc.returncode, "phase": _phase(log, offset), "problems": problems}


def recovery_run(world: World, log: Path) -> list[str]:
    s = world.settings
    proc = start_thads(world.env, log)
    rc = proc.wait(timeout=900)
    problems = [] if rc == 0 else [f"the next run failed (exit {rc}): "
                                   + log.read_text(errors="replace")[-2000:]]
    problems += intact(world)
    left = [p.name for p in s.warehouse.parent.glob(s.warehouse.name + ".building-*")]
    left += [p.name for p in s.exports.iterdir() if p.name.startswith((".tmp-", ".old-", ".latest-"))]
    left += [f"state/runs/{p.name}" for p in (s.state_dir / "runs").glob("*")]  # the run removes its own
    left += [f"state/parsed/{p.name}" for p in (s.state_dir / "parsed").glob("*.tmp-*")]
    left += [f"audit/{p.parent.name}/{p.name}" for p in s.audit_dir.glob("*/.*.tmp-*")]
    if left:
        problems.append(f"temporary files of killed runs left after the next run: {left}")
    return problems


def run_crash_trials(world: World, n: int, seed: int, modes: list[str], recover_every: int,
                     reliability, label: str) -> None:
    _require_baseline(world)
    rng = random.Random(seed)
    log = world.root / f"crash-{label}.log"
    results, recovery_problems, recoveries = [], [], 0
    for i in range(n):
        results.append(crash_trial(world, modes[i % len(modes)], rng, log))
        if (i + 1) % recover_every == 0 or i == n - 1:
            recovery_problems += recovery_run(world, log)
            recoveries += 1
    survived = sum(1 for r in results if not r["problems"])
    reliability.add(f"crash trials ({label})", crash_trials=n, crash_survived=survived,
                    recovery_runs=recoveries, recovery_failures=len(recovery_problems),
                    phases=sorted({r["phase"] for r in results}),
                    killed_mid_run=sum(1 for r in results if not r["finished_before_kill"]))
    failed = [r for r in results if r["problems"]]
    assert not failed, failed
    assert not recovery_problems, recovery_problems


def test_sigkill_during_a_run_leaves_the_published_state_intact(world, reliability):
    """Default suite: two kills (one after a random delay, one targeted at the build or the publish),
    then a full run that must give the same marts as the uninterrupted baseline."""
    rng = random.Random(int(os.environ.get("THADS_CRASH_SEED", "8")))
    run_crash_trials(world, 2, rng.randrange(10**6), ["random", rng.choice(["build", "publish"])], 2,
                     reliability, "default")


@pytest.mark.heavy
def test_sigkill_trials_full(world, reliability):
    """`pytest -m heavy`: THADS_CRASH_TRIALS kills (default 20) across ingest, build and publish, a
    recovery run after every five."""
    n = int(os.environ.get("THADS_CRASH_TRIALS", "20"))
    seed = int(os.environ.get("THADS_CRASH_SEED", "8"))
    run_crash_trials(world, n, seed, ["random", "ingest", "build", "random", "publish"], 5, reliability, "heavy")


# ------------------------------------------------------------------------------------------------
# two writers at once, and a reader holding the warehouse open
# ------------------------------------------------------------------------------------------------

# A notebook started during the runs: opens the published warehouse read-only again and again.
FRESH_READER = """
import json, os, sys, time
import duckdb
path, stop = sys.argv[1], sys.argv[2]
ok, errors = 0, []
while not os.path.exists(stop):
    try:
        con = duckdb.connect(path, read_only=True)
        con.execute("select count(*) from marts.kpi_period").fetchall()
        con.execute("select count(*) from audit.runs").fetchall()
        con.close()
        ok += 1
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.05)
print(json.dumps({"ok": ok, "errors": errors[:5]}))
"""


def test_two_runs_at_once_with_a_reader_holding_the_warehouse(world, reliability):
    _require_baseline(world)
    s = world.settings
    held = duckdb.connect(str(s.warehouse), read_only=True)  # a notebook holding the warehouse open
    before = held.execute("select count(*), sum(completed) from marts.kpi_period").fetchone()
    errors, reads, stop = [], [0], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                held.cursor().execute("select count(*) from marts.backlog_ageing").fetchone()
                reads[0] += 1
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
            time.sleep(0.1)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    stop_file = world.root / "stop-reader"
    fresh = subprocess.Popen([sys.executable, "-c", FRESH_READER, str(s.warehouse), str(stop_file)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    logs = [world.root / "concurrent-a.log", world.root / "concurrent-b.log"]
    procs = [start_thads(world.env, logs[0]), start_thads(world.env, logs[1])]  # at the same instant
    try:
        rcs = [p.wait(timeout=900) for p in procs]
    finally:
        for p in procs:
            kill_run(p)
        stop.set()
        t.join(timeout=10)
        stop_file.write_text("stop")
        fresh_out = fresh.communicate(timeout=60)[0]
    try:
        assert held.execute("select count(*), sum(completed) from marts.kpi_period").fetchone() == before
    finally:
        held.close()
    fresh_result = json.loads(fresh_out.strip().splitlines()[-1])
    reliability.add("concurrency: two `thads run` at once + readers", inputs_tried=2,
                    exit_codes=sorted(rcs), reader_queries=reads[0] + fresh_result["ok"],
                    reader_errors=len(errors) + len(fresh_result["errors"]))
    assert not errors, errors[:5]
    assert fresh_result["ok"] > 0 and not fresh_result["errors"], fresh_result
    assert sorted(rcs) == [0, 3], [(rc, log.read_text(errors="replace")[-1500:]) for rc, log in zip(rcs, logs)]
    loser = logs[rcs.index(3)].read_text(errors="replace")
    assert "Another thads run is in progress" in loser and "run.lock" in loser
    assert not differing_marts(marts_snapshot(s.warehouse), world.baseline)
    assert not intact(world)
