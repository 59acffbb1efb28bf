"""One benchmark stage, run in its own process by `bench/run.py` (so its peak memory is its own)."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from thads.settings import REPO_ROOT, Settings


def bench_settings(workdir: Path) -> Settings:
    return Settings(
        data_dir=workdir, inbox=workdir / "inbox", warehouse=workdir / "warehouse" / "thads.duckdb",
        exports=workdir / "exports", state_dir=workdir / "state", audit_dir=workdir / "audit",
        key_file=Settings.from_env().key_file,
        reference_dir=REPO_ROOT / "data" / "reference",
    )


def env_for(s: Settings) -> dict:
    return os.environ | s.path_env() | {"THADS_PSEUDONYM_KEY_FILE": str(s.key_file)}


def generate(s: Settings, cases: int, seed: int, as_of: date) -> str:
    from thads.generate import generate_batch

    if (s.inbox / as_of.isoformat()).exists():
        return "reused"
    generate_batch(s.inbox, n_cases=cases, seed=seed, as_of=as_of, defect_rate=0.0, progress=False)
    return "generated"


def baseline(s: Settings, cases: int, seed: int, as_of: date) -> str:
    """DuckDB reads the CSV and Parquet files straight into tables: the cost of touching the bytes."""
    import duckdb

    con = duckdb.connect()
    n = 0
    for path in sorted((s.inbox / as_of.isoformat()).glob("*/*")):
        name = f"t{n}"
        if path.suffix == ".parquet":
            con.execute(f"create table {name} as select * from read_parquet(?)", [str(path)])
        elif path.suffix == ".csv":
            data = path.read_bytes()
            try:
                data.decode("utf-8")
                source = path
            except UnicodeDecodeError:  # the Windows-1258 office: DuckDB reads UTF-8 only, so transcode
                source = s.state_dir / "bench-baseline-transcoded.csv"
                source.parent.mkdir(parents=True, exist_ok=True)
                source.write_text(data.decode("cp1258"), encoding="utf-8")
            con.execute(f"create table {name} as select * from read_csv(?, all_varchar=true)", [str(source)])
        else:
            continue
        n += 1
    return f"{n} files loaded"


def ingest(s: Settings, cases: int, seed: int, as_of: date) -> str:
    from concurrent.futures import ThreadPoolExecutor

    import expectations.validate  # noqa: F401 - GX's import (~6 s) is not validation: load it first
    from thads.pseudonym import Pseudonymiser, load_or_create_key
    from transforms import intake
    from transforms.ingest.inbox import scan_inbox
    from transforms.ingest.read import read_file

    t0 = time.perf_counter()
    pseud = Pseudonymiser(load_or_create_key(s.key_file))
    plan = intake.plan_files(scan_inbox(s.inbox, up_to=as_of))
    read = lambda f: read_file(f, pseud, ())  # noqa: E731
    firsts = [files[0] for files in plan.candidates.values() if files[0].path.suffix != ".xlsx"] + \
             [files[0] for files in plan.candidates.values() if files[0].path.suffix == ".xlsx"]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        parsed = {p.rel_path: p for p in pool.map(read, firsts)}
    t1 = time.perf_counter()
    night = intake.validate_plan(plan, parsed, read, intake.load_office_map(s.reference_dir))
    t2 = time.perf_counter()
    out = s.state_dir / "bench-canonical"
    shutil.rmtree(out, ignore_errors=True)
    intake.write_canonical(night, out)
    t = night.totals
    return (f"rows read {t['rows_read']:,}, loaded {t['rows_loaded']:,}, quarantined {t['rows_quarantined']:,}; "
            f"parse {t1 - t0:.1f} s, validate {t2 - t1:.1f} s")


def build(s: Settings, cases: int, seed: int, as_of: date) -> str:
    from transforms.build import build_warehouse

    result = build_warehouse(s.warehouse, s.state_dir / "bench-canonical", as_of, s.reference_dir,
                             reuse_previous=False)  # the whole build; run_incremental measures reuse
    return f"{len(result.models)} models"


def _publish(s: Settings, as_of: date, full: bool) -> str:
    from thads.publish.report import publish_report

    r = publish_report(s.warehouse, s.exports, as_of, latest=False, png=full, pdf=full)
    return str(getattr(r, "path", r))


def publish_html(s, cases, seed, as_of):
    return _publish(s, as_of, full=False)


def publish_full(s, cases, seed, as_of):
    return _publish(s, as_of, full=True)


def _thads_run(s: Settings, as_of: date, *flags: str) -> str:
    out = subprocess.run([str(Path(sys.executable).with_name("thads")), "run", "--as-of", as_of.isoformat(),
                          *flags], env=env_for(s), cwd=REPO_ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stdout[-2000:] + out.stderr[-2000:])
    return out.stdout.strip().splitlines()[-1]


def run_full(s: Settings, cases: int, seed: int, as_of: date) -> str:
    """Everything parsed and built again: no parse cache, nothing kept from the previous warehouse."""
    return _thads_run(s, as_of, "--full")


def run_incremental(s: Settings, cases: int, seed: int, as_of: date) -> str:
    """One office re-sends its payments with one more row: only that file is parsed again, and the
    warehouse build recomputes what depends on it (for the partitioned models, that office only)."""
    office = sorted(p for p in (s.inbox / as_of.isoformat()).iterdir() if p.is_dir())[0]
    target = next((p for p in office.glob("payments.*") if p.suffix == ".csv"), None)
    if target is not None:
        with open(target, "rb") as fh:
            data = fh.read()
        newline = b"\r\n" if b"\r\n" in data[:4096] else b"\n"
        last = data.rstrip(b"\r\n").split(newline)[-1]
        with open(target, "ab") as fh:  # duplicate the last line: one duplicate-ID pair to quarantine
            fh.write(last + newline)
    return _thads_run(s, as_of)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("stage")
    ap.add_argument("--workdir", type=Path, required=True)
    ap.add_argument("--cases", type=int, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--as-of", required=True)
    a = ap.parse_args()
    s = bench_settings(a.workdir)
    t0 = time.perf_counter()
    note = globals()[a.stage](s, a.cases, a.seed, date.fromisoformat(a.as_of))
    print(f"{note} ({time.perf_counter() - t0:.1f} s in-process)")


if __name__ == "__main__":
    main()
