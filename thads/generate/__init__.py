"""Seeded sample data in the inbox layout (`thads generate`): realistic, calibrated, reproducible.

Modules, in the order the work flows:
- `population`  — the cases: offices, received dates, kinds, amounts, parties (numeric codes);
- `timeline`    — status histories and payments, one statistical year at a time;
- `calibrate`   — the latest full statistical year pinned to the national ranges;
- `assets`, `complaints` — seizures, valuations, auction rounds; complaints;
- `world`       — all of the above for the whole province, as arrays (phase one);
- `layout`      — office folder and row number of every row (moved cases: stale copies);
- `defects`     — deliberately bad rows and the manifest of rows validation must quarantine;
- `text`, `frames` — names and text; typed rows of a file slice;
- `formats`, `cp1258`, `writers` — each office's style; CSV / Windows-1258 / Excel / Parquet writers;
- `batch`       — `generate_batch`, the orchestration.
"""

from thads.generate.batch import generate_batch

__all__ = ["generate_batch"]
