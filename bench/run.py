"""The benchmark harness: every stage in its own process, timed against the bare-load baseline.

    python -m bench.run --cases 100000            # large province
    python -m bench.run --cases 1000000           # national
    python -m bench.run --cases 100000 --stages baseline,ingest,build

Each stage runs as `python -m bench.stages <stage> ...` in a child process, so its peak memory is its
own (ru_maxrss of that child) and its CPU time is user + system of that child. The baseline is DuckDB
reading the same CSV and Parquet files straight into tables with no validation (Excel files are left
out of both sides of that ratio). Figures are printed and written to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from thads.settings import REPO_ROOT

STAGES = ("generate", "baseline", "ingest", "build", "publish_html", "publish_full", "run_full", "run_incremental")
BUDGET_NATIONAL = {"generate": 180, "ingest": 60, "build": 60, "publish_html": 15, "publish_full": 45,
                   "run_full": 180}
BUDGET_LARGE = {"run_full": 30}


def run_stage(stage: str, workdir: Path, cases: int, seed: int, as_of: date) -> dict:
    cmd = [sys.executable, "-m", "bench.stages", stage, "--workdir", str(workdir), "--cases", str(cases),
           "--seed", str(seed), "--as-of", as_of.isoformat()]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    output = proc.stdout.read() if proc.stdout else ""
    ok = os.waitstatus_to_exitcode(status) == 0
    if not ok:
        print(output[-3000:], file=sys.stderr)
    return {"stage": stage, "ok": ok, "seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "note": output.strip().splitlines()[-1] if output.strip() else ""}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--as-of", default="2026-06-30")
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--workdir", type=Path, default=REPO_ROOT / "bench" / "out")
    ap.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    args = ap.parse_args(argv)
    as_of = date.fromisoformat(args.as_of)
    workdir = args.workdir / f"{args.cases}-{args.seed}"
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for stage in [s for s in args.stages.split(",") if s]:
        if stage == "generate" and (workdir / "inbox" / as_of.isoformat()).exists():
            print(f"generate: reusing {workdir / 'inbox'} (same seed); its generation figures stand")
            continue
        r = run_stage(stage, workdir, args.cases, args.seed, as_of)
        results.append(r)
        print(f"{stage:16s} {'ok ' if r['ok'] else 'FAILED'} {r['seconds']:8.1f} s  cpu {r['cpu_seconds']:8.1f} s  "
              f"peak {r['peak_mb']:8.0f} MB  {r['note']}", flush=True)
    # Stages measured earlier at the same scale (same seed) keep their figures; this run's replace them.
    store = args.workdir / f"results-{args.cases}.json"
    merged = {r["stage"]: r for r in (json.loads(store.read_text()) if store.exists() else [])}
    merged.update({r["stage"]: r for r in results})
    ordered = [merged[s] for s in STAGES if s in merged]
    store.write_text(json.dumps(ordered, indent=1))
    base = next((r["seconds"] for r in ordered if r["stage"] == "baseline" and r["ok"]), None)
    write_table(args.output, args.cases, ordered, base)
    return 0 if all(r["ok"] for r in results) else 1


def write_table(path: Path, cases: int, results: list[dict], base: float | None) -> None:
    scale = "national" if cases >= 1_000_000 else "large province" if cases >= 100_000 else "small"
    budget = BUDGET_NATIONAL if cases >= 1_000_000 else BUDGET_LARGE if cases >= 100_000 else {}
    lines = [f"| scale | stage | seconds | CPU s | ratio to baseline | peak MB | budget s | cores |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        ratio = f"{r['seconds'] / base:.1f}×" if base else "—"
        lines.append(f"| {scale} ({cases:,} cases) | {r['stage']}{'' if r['ok'] else ' (FAILED)'} | "
                     f"{r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {ratio} | {r['peak_mb']:.0f} | "
                     f"{budget.get(r['stage'], '')} | {os.cpu_count()} |")
    block = "\n".join(lines)
    header = f"## {scale}: {cases:,} cases, measured {date.today().isoformat()}\n\n"
    old = path.read_text() if path.exists() else "# Benchmarks\n\nWritten by `python -m bench.run`.\n\n"
    marker = f"## {scale}: "
    parts = old.split("\n## ")
    section = header + block + "\n"
    # This scale's section is replaced where it stands; the other sections (and any notes) stay as written.
    at = next((i for i, part in enumerate(parts) if i and ("## " + part).startswith(marker)), None)
    if at is None:
        parts = [parts[0].rstrip() + "\n", *parts[1:], section[3:]]
    else:
        parts[at] = section[3:] + ("\n" if at < len(parts) - 1 else "")
    path.write_text("\n## ".join(parts))
    print(f"\n{header}{block}\n(written to {path})")


if __name__ == "__main__":
    raise SystemExit(main())
