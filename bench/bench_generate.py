"""Time `thads generate` at a given size: wall time, CPU time and peak memory.

    python -m bench.bench_generate --cases 1000000            # into a temporary folder, removed after
    python -m bench.bench_generate --cases 200000 --out bench/out/inbox --keep

Budget (issue 2): 1,000,000 cases in at most 180 s on 2 cores, peak memory well under 6 GB. Figures are
printed, never asserted (machines differ; tests stay fast).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from thads.generate import generate_batch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default="2026-06-30")
    ap.add_argument("--defects", type=float, default=0.0)
    ap.add_argument("--out", type=Path, help="inbox folder (default: a temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    args = ap.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="thads-bench-"))
    t0, c0 = time.perf_counter(), time.process_time()
    summary = generate_batch(out, n_cases=args.cases, seed=args.seed, as_of=date.fromisoformat(args.as_of),
                             defect_rate=args.defects, progress=not args.quiet)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    print(summary)
    print(f"cases={args.cases:,}  wall={wall:.1f} s  cpu={cpu:.1f} s  peak_rss={peak_mb:,.0f} MB  "
          f"output={size_mb:,.0f} MB  ({args.cases / wall:,.0f} cases/s)")
    if not args.keep and args.out is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
