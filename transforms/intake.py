"""One night's intake: choose the files, parse them (reusing unchanged ones), validate, account for rows.

The steps are plain functions so the Prefect flow, the tests and the benchmarks call the same code:

    scan = scan_inbox(inbox, up_to=as_of)
    plan = plan_files(scan)                       # newest file per office x record type, fallbacks behind it
    parsed = [parse_cached(f, ...) for f in plan.first_choice()]   # fanned out by the flow
    intake = validate_plan(plan, parsed, parse, office_of)          # GX suites, >50 % rule, accounting
    write_canonical(intake, folder)                                 # Parquet the warehouse build reads

Every row read is accounted for: read = loaded + quarantined + superseded + rejected, per file, asserted.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import polars as pl

from thads.contract import RECORD_TYPE_ORDER, RECORD_TYPES
from transforms.ingest.inbox import InboxFile, InboxScan
from transforms.ingest.read import QUARANTINE_SCHEMA, ParsedFile

if TYPE_CHECKING:  # GX (~6 s to import) loads when validation starts: the nightly run overlaps it with parsing
    from expectations.validate import NightValidation

# A file with at least this many rows is rejected whole when more than half of them are quarantined.
MIN_ROWS_FOR_SHARE_RULE = 20
PARSER_VERSION = "1"


class AccountingError(RuntimeError):
    """Rows went missing between reading and loading: a bug, never a data problem."""


def load_office_map(reference_dir: Path) -> dict[str, str]:
    """Every office code the province knows (legacy codes included) -> its current regional office."""
    out = {}
    with open(reference_dir / "agencies.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code_status"] in ("current", "legacy") and row["maps_to_office_code"]:
                out[row["office_code"]] = row["maps_to_office_code"]
    return out


# ------------------------------------------------------------------------------------------------
# Which files tonight
# ------------------------------------------------------------------------------------------------

@dataclass
class FilePlan:
    """Per (office folder, record type): candidate files, newest batch first."""

    candidates: dict[tuple[str, str], list[InboxFile]]
    newest_batch: dict[str, date]  # office folder -> its newest batch date
    refused: list[str]
    ignored: list[str]

    def keys(self):
        return sorted(self.candidates, key=lambda k: (RECORD_TYPE_ORDER.index(k[1]), k[0]))


def plan_files(scan: InboxScan) -> FilePlan:
    candidates: dict[tuple[str, str], list[InboxFile]] = {}
    newest: dict[str, date] = {}
    for f in scan.files:
        candidates.setdefault((f.office_dir, f.record_type), []).append(f)
        newest[f.office_dir] = max(newest.get(f.office_dir, f.batch_date), f.batch_date)
    for files in candidates.values():
        files.sort(key=lambda f: f.batch_date, reverse=True)
    return FilePlan(candidates, newest, list(scan.refused), list(scan.ignored))


# ------------------------------------------------------------------------------------------------
# Parsing, with a cache keyed by content (incremental runs)
# ------------------------------------------------------------------------------------------------

def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_cached(f: InboxFile, read: Callable[[InboxFile], ParsedFile], cache_dir: Path | None,
                 key_fingerprint: str, with_frame: bool = True) -> ParsedFile:
    """Parse a file, or reuse the typed, pseudonymised rows of an identical file parsed before.

    The cache key is the content hash, the record type, the parser version and the pseudonym key's
    fingerprint (a new key means new pseudonyms, so nothing cached under the old one is reused).
    Lineage (batch date, office folder, path) is re-stamped, since the same bytes may arrive in a new
    night's folder.
    """
    if cache_dir is None:
        return read(f)
    sha = file_sha256(f.path)
    entry = cache_dir / f"{sha}-{f.record_type}-{PARSER_VERSION}-{key_fingerprint}"
    meta_path = entry / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        frame = pl.read_parquet(entry / "frame.parquet") if meta["has_frame"] and with_frame else None
        quarantine = pl.read_parquet(entry / "quarantine.parquet")
        stamp = dict(source_file=pl.lit(f.rel_path))
        if frame is not None:
            frame = frame.with_columns(batch_date=pl.lit(f.batch_date), batch_office=pl.lit(f.office_dir), **stamp)
        quarantine = quarantine.with_columns(**stamp)
        return ParsedFile(
            rel_path=f.rel_path, batch_date=f.batch_date, office_dir=f.office_dir, record_type=f.record_type,
            sha256=sha, format=meta["format"], encoding=meta["encoding"], rows_read=meta["rows_read"],
            frame=frame, quarantine=quarantine, rejected=meta["rejected"],
            dropped_extra_columns=meta["dropped_extra_columns"], warnings=meta["warnings"] + ["reused from cache"],
        )
    parsed = read(f)
    tmp = entry.with_name(entry.name + f".tmp-{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    if parsed.frame is not None:
        parsed.frame.write_parquet(tmp / "frame.parquet")
    parsed.quarantine.write_parquet(tmp / "quarantine.parquet")
    (tmp / "meta.json").write_text(json.dumps({
        "has_frame": parsed.frame is not None, "format": parsed.format, "encoding": parsed.encoding,
        "rows_read": parsed.rows_read, "rejected": parsed.rejected,
        "dropped_extra_columns": parsed.dropped_extra_columns, "warnings": parsed.warnings,
    }))
    try:
        os.replace(tmp, entry)
    except OSError:  # another process cached it first: keep theirs
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)
    return parsed


# ------------------------------------------------------------------------------------------------
# Validation and accounting
# ------------------------------------------------------------------------------------------------

MANIFEST_SCHEMA = {
    "batch_date": pl.Date, "office_code": pl.String, "record_type": pl.String, "source_file": pl.String,
    "file_sha256": pl.String, "format": pl.String, "encoding": pl.String, "status": pl.String,
    "rows_read": pl.Int64, "rows_loaded": pl.Int64, "rows_quarantined": pl.Int64,
    "rows_superseded": pl.Int64, "rows_rejected": pl.Int64, "dropped_extra_columns": pl.String,
    "message": pl.String,
}


@dataclass
class NightIntake:
    loaded: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA + record_type
    superseded: pl.DataFrame
    warnings: pl.DataFrame
    manifest: pl.DataFrame  # MANIFEST_SCHEMA, one row per file considered tonight
    refused: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # one clear line per rejected file

    @property
    def totals(self) -> dict[str, int]:
        m = self.manifest
        return {c: int(m[c].sum()) for c in ("rows_read", "rows_loaded", "rows_quarantined",
                                              "rows_superseded", "rows_rejected")} | {
            "files_rejected": int((m["status"] == "rejected").sum()), "files": m.height}


def _parse_quarantine(p: ParsedFile) -> pl.DataFrame:
    return p.quarantine.select(list(QUARANTINE_SCHEMA)).with_columns(record_type=pl.lit(p.record_type))


def validate_plan(plan: FilePlan, parsed: dict[str, ParsedFile], parse: Callable[[InboxFile], ParsedFile],
                  office_of: dict[str, str], max_rounds: int = 12) -> NightIntake:
    """Validate the night; reject files more than half bad and fall back to the version that stood.

    parsed: rel_path -> ParsedFile for the first choice of every key (more are parsed on demand with
    `parse` when a file is rejected and an older version must stand).
    """
    from expectations.validate import validate_night  # GX: imported when validation starts

    choice: dict[tuple[str, str], int] = {k: 0 for k in plan.keys()}
    rejected_rows: list[dict] = []
    messages: list[str] = []

    def current(key) -> ParsedFile | None:
        files = plan.candidates[key]
        while choice[key] < len(files):
            f = files[choice[key]]
            p = parsed.get(f.rel_path) or parsed.setdefault(f.rel_path, parse(f))
            if p.rejected is None:
                return p
            rejected_rows.append(_manifest_row(p, "rejected", 0, 0, 0, p.rows_read, p.rejected))
            messages.append(p.rejected)
            choice[key] += 1
        return None

    for _ in range(max_rounds):
        chosen = {k: p for k in plan.keys() if (p := current(k)) is not None}
        frames = {rt: [] for rt in RECORD_TYPE_ORDER}
        parse_q = []
        for (office, rt), p in chosen.items():
            if p.frame is not None and p.frame.height:
                frames[rt].append(p.frame)
            if p.quarantine.height:
                parse_q.append(_parse_quarantine(p))
        night_frames = {rt: pl.concat(fs, how="diagonal_relaxed") if fs else None for rt, fs in frames.items()}
        night_frames = {rt: df for rt, df in night_frames.items() if df is not None}
        pq = pl.concat(parse_q) if parse_q else pl.DataFrame(schema=QUARANTINE_SCHEMA | {"record_type": pl.String})
        result = validate_night(_fill_missing_types(night_frames), pq, office_of)
        bad_per_file = result.quarantine.group_by("source_file").agg(pl.struct("source_row").n_unique().alias("n"))
        bad = dict(zip(bad_per_file["source_file"], bad_per_file["n"]))
        failing = [(p, bad.get(p.rel_path, 0)) for p in chosen.values()
                   if p.rows_read >= MIN_ROWS_FOR_SHARE_RULE and 2 * bad.get(p.rel_path, 0) > p.rows_read]
        failing_types = {p.record_type for p, _ in failing}
        for p, n_bad in failing:
            # A child file is judged again once its parents' files have been replaced: its rows may fail
            # only because tonight's parent file (rejected in this same round) quarantined their parents.
            if _ancestor_types(p.record_type) & failing_types:
                continue
            p.rejected = (f"{p.rel_path}: rejected: {n_bad} of its {p.rows_read} rows break validation rules "
                          f"(more than half); the office's last accepted {p.record_type} stands")
        if not failing:
            break
    else:  # pragma: no cover - would need > max_rounds cascading rejections
        raise AccountingError("validation did not settle after repeated file rejections")

    quarantine = result.quarantine.join(
        pl.DataFrame({"source_file": [p.rel_path for p in chosen.values()],
                      "record_type": [p.record_type for p in chosen.values()]}),
        on="source_file", how="left",
    )
    manifest = _account(chosen, plan, result, rejected_rows)
    return NightIntake(loaded=result.loaded, quarantine=quarantine, superseded=result.superseded,
                       warnings=result.warnings, manifest=manifest, refused=plan.refused,
                       ignored=plan.ignored, messages=messages)


def _ancestor_types(record_type: str) -> set[str]:
    """The record types above `record_type` (cases above payments; assets and cases above auctions)."""
    out = set()
    parent = RECORD_TYPES[record_type].parent
    while parent is not None:
        out.add(parent[0])
        parent = RECORD_TYPES[parent[0]].parent
    return out


def _fill_missing_types(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Record types nobody sent become empty frames so parents and children still line up."""
    from transforms.ingest.read import frame_schema

    return {rt: frames[rt] if rt in frames else pl.DataFrame(schema=frame_schema(rt)) for rt in RECORD_TYPE_ORDER}


def _manifest_row(p: ParsedFile, status: str, loaded: int, quarantined: int, superseded: int,
                  rejected: int, message: str | None) -> dict:
    return {
        "batch_date": p.batch_date, "office_code": p.office_dir, "record_type": p.record_type,
        "source_file": p.rel_path, "file_sha256": p.sha256, "format": p.format, "encoding": p.encoding,
        "status": status, "rows_read": p.rows_read, "rows_loaded": loaded, "rows_quarantined": quarantined,
        "rows_superseded": superseded, "rows_rejected": rejected,
        "dropped_extra_columns": ",".join(p.dropped_extra_columns) or None, "message": message,
    }


def _count_by_file(df: pl.DataFrame) -> dict[str, int]:
    if df.height == 0:
        return {}
    g = df.select("source_file", "source_row").unique().group_by("source_file").len()
    return dict(zip(g["source_file"], g["len"]))


def _account(chosen: dict, plan: FilePlan, result: NightValidation, rejected_rows: list[dict]) -> pl.DataFrame:
    loaded = {}
    for df in result.loaded.values():
        loaded.update(_count_by_file(df))
    quarantined = _count_by_file(result.quarantine)
    superseded = _count_by_file(result.superseded)
    rows = list(rejected_rows)
    for (office, rt), p in chosen.items():
        if p.rejected:
            rows.append(_manifest_row(p, "rejected", 0, 0, 0, p.rows_read, p.rejected))
            continue
        status = "accepted" if p.batch_date == plan.newest_batch.get(office) else "standing"
        rows.append(_manifest_row(p, status, loaded.get(p.rel_path, 0), quarantined.get(p.rel_path, 0),
                                  superseded.get(p.rel_path, 0), 0, None))
    manifest = pl.DataFrame(rows, schema=MANIFEST_SCHEMA) if rows else pl.DataFrame(schema=MANIFEST_SCHEMA)
    manifest = manifest.unique(subset=["source_file"], keep="last", maintain_order=True)
    off = manifest.filter(
        pl.col("rows_read") != pl.col("rows_loaded") + pl.col("rows_quarantined")
        + pl.col("rows_superseded") + pl.col("rows_rejected")
    )
    if off.height:
        raise AccountingError(f"rows unaccounted for in: {off.select('source_file', 'rows_read', 'rows_loaded', 'rows_quarantined', 'rows_superseded', 'rows_rejected').to_dicts()}")
    return manifest


def write_canonical(intake: NightIntake, folder: Path) -> None:
    """The Parquet files the warehouse build reads (`transforms/build.py`)."""
    folder.mkdir(parents=True, exist_ok=True)
    for rt, df in intake.loaded.items():
        df.write_parquet(folder / f"{rt}.parquet")
    intake.manifest.write_parquet(folder / "file_manifest.parquet")
