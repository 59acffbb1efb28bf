"""`generate_batch`: one nightly inbox batch, written office by office and chunk by chunk.

Phase one (`world.build_world`) simulates the whole province as numeric arrays — the calibration needs
the whole latest statistical year at once, and a few hundred bytes per case stay well within memory even
at two million cases. Phase two lays every file out (`layout`), plans the defects (`defects`), then
streams each file in chunks: text is built per chunk (`frames`), styled per office (`formats`) and
appended (`writers`), so no file is ever held whole in memory.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from thads.contract import RECORD_TYPE_ORDER, RECORD_TYPES
from thads.generate.defects import MAX_DEFECT_RATE, Cell, Plan, plan_defects, write_manifest
from thads.generate.formats import Style, style_for
from thads.generate.frames import Frames
from thads.generate.layout import RowTable, lay_out
from thads.generate.reference import load_reference
from thads.generate.text import build_pools
from thads.generate.world import build_world
from thads.generate.writers import EXCEL_MAX_ROWS, open_writer

CHUNK_ROWS = 250_000
EXTENSIONS = ("csv", "xlsx", "parquet")


def generate_batch(out: Path | str, n_cases: int, seed: int, as_of: date, defect_rate: float = 0.0,
                   progress: bool = True) -> str:
    """Write `out/<as_of>/<office>/<record_type>.<ext>` (and `out/defects.csv` when defect_rate > 0).

    Same arguments, same bytes. Returns a short printable summary.
    """
    out = Path(out)
    ref = load_reference()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), disable=not progress) as bar:  # stdout keeps the summary
        task = bar.add_task("simulating cases", total=None)
        world = build_world(n_cases, seed, as_of, ref)
        tables = lay_out(world)
        styles = [style_for(i) for i in range(len(ref.offices))]
        plan = plan_defects(world, tables, styles, defect_rate, seed)
        file_styles = {(name, f): _file_style(styles[f], tables[name], f, plan, name)
                       for name in RECORD_TYPE_ORDER for f in range(len(ref.offices))}
        frames = Frames(world, tables, build_pools(seed))
        total = sum(len(t) for t in tables.values())
        bar.update(task, description="writing files", total=total, completed=0)
        batch_dir = out / as_of.isoformat()
        written: dict[str, int] = {}
        for folder, code in enumerate(ref.offices):
            folder_dir = batch_dir / code
            folder_dir.mkdir(parents=True, exist_ok=True)
            for name in RECORD_TYPE_ORDER:
                for ext in EXTENSIONS:  # an earlier run may have written another format
                    (folder_dir / f"{name}.{ext}").unlink(missing_ok=True)
                style = file_styles[(name, folder)]
                n = _write_file(folder_dir / f"{name}.{style.ext}", name, folder, style, tables[name], frames,
                                plan, as_of, ref.office_names[folder], lambda k: bar.advance(task, k))
                if n:
                    written[style.ext] = written.get(style.ext, 0) + 1
        entries = _manifest_entries(plan, frames, file_styles, ref.offices, as_of)
        if defect_rate > 0 or (out / "defects.csv").exists():
            write_manifest(out / "defects.csv", f"{as_of.isoformat()}/", entries, keep_empty=defect_rate > 0)
    return _summary(out, as_of, world, tables, written, entries, defect_rate)


def _file_style(style: Style, table: RowTable, folder: int, plan: Plan, name: str) -> Style:
    """Excel offices write a sheet that would not fit Excel's row limit as CSV instead."""
    if style.kind != "xlsx":
        return style
    n = int(np.count_nonzero(table.cols["folder"] == folder)) + len(plan.duplicates.get(name, {}).get(folder, []))
    return style.csv_fallback() if n + max(style.title_rows) + 1 > EXCEL_MAX_ROWS else style


def _title_lines(style: Style, name: str, office_name: str, as_of: date) -> list[str]:
    if style.kind != "xlsx":
        return []
    n = style.title_rows[RECORD_TYPE_ORDER.index(name) % len(style.title_rows)]
    title = f"DANH SÁCH {RECORD_TYPES[name].label.upper()}"
    lines = {1: [title], 2: [title, f"Ngày xuất dữ liệu: {as_of:%d/%m/%Y}"],
             3: [title, office_name, f"Ngày xuất dữ liệu: {as_of:%d/%m/%Y}"]}
    return lines.get(n, [])


def _write_file(path: Path, name: str, folder: int, style: Style, table: RowTable, frames: Frames, plan: Plan,
                as_of: date, office_name: str, advance) -> int:
    start, end = table.folder_slices()[folder]
    dups = plan.duplicates.get(name, {}).get(folder, [])
    if end - start + len(dups) == 0:
        return 0  # nothing to report: the office sends no file of this type
    cells = plan.cells.get(name, {})
    cell_pos = np.array(sorted(cells), dtype=np.int64)
    writer = open_writer(path, name, style, _title_lines(style, name, office_name, as_of), as_of)
    try:
        for a in range(start, end, CHUNK_ROWS):
            b = min(end, a + CHUNK_ROWS)
            df = frames.build(name, np.arange(a, b))
            inside = cell_pos[(cell_pos >= a) & (cell_pos < b)]
            df, raw = _apply(df, {int(p) - a: cells[int(p)] for p in inside})
            writer.write(df, raw)
            advance(b - a)
        if dups:
            writer.write(frames.build(name, np.array(dups, dtype=np.int64)), {})
    finally:
        writer.close()
    return end - start + len(dups)


def _apply(df: pl.DataFrame, cells: dict[int, list[Cell]]):
    """Put typed defect values into the frame; return raw text cells separately (column -> row -> text)."""
    typed: dict[str, tuple[list[int], list]] = {}
    raw: dict[str, dict[int, str]] = {}
    for row, items in cells.items():
        for col, value, is_raw in items:
            if is_raw:
                raw.setdefault(col, {})[row] = value
            else:
                rows, values = typed.setdefault(col, ([], []))
                rows.append(row)
                values.append(value)
    for col, (rows, values) in typed.items():
        df = df.with_columns(df[col].scatter(rows, pl.Series(values, dtype=df[col].dtype)))
    return df, raw


def _manifest_entries(plan: Plan, frames: Frames, file_styles, offices, as_of: date):
    """(file, row, record_id, kind) for the manifest, ids read from the frames as written."""
    entries = []
    by_table: dict[str, list[int]] = {}
    for i, (name, _f, _r, _k) in enumerate(plan.manifest):
        by_table.setdefault(name, []).append(i)
    for name, idx in by_table.items():
        ids = frames.record_ids(name, np.array([plan.manifest_src_pos[i] for i in idx], dtype=np.int64)).to_list()
        key = RECORD_TYPES[name].key
        for i, rid in zip(idx, ids):
            _, folder, row, kind = plan.manifest[i]
            pos = plan.manifest_pos[i]
            for col, value, _raw in plan.cells.get(name, {}).get(pos, []):
                if col == key and pos >= 0:
                    rid = value  # an orphaned event is known by the case ID it carries
            ext = file_styles[(name, folder)].ext
            entries.append((f"{as_of.isoformat()}/{offices[folder]}/{name}.{ext}", row, rid, kind))
    return entries


def _summary(out: Path, as_of: date, world, tables: dict[str, RowTable], written, entries, defect_rate) -> str:
    counts = ", ".join(f"{len(t):,} {name}" for name, t in tables.items())
    formats = ", ".join(f"{n} {ext}" for ext, n in sorted(written.items()))
    cal = world.calibration
    lines = [f"Wrote batch {as_of.isoformat()} to {out}: {counts}.",
             f"Files: {formats}; {len(world.ref.offices)} offices."]
    if cal:
        lines.append(
            f"Statistical year {cal['year']}: {cal['cases_to_enforce']:,} cases to enforce, "
            f"{100 * cal['with_conditions_share']:.1f} % with conditions, completion "
            f"{100 * cal['rate_cases']:.2f} % by cases and {100 * cal['rate_money']:.2f} % by money; credit cases "
            f"{100 * cal['credit_share_cases']:.1f} % of cases, {100 * cal['credit_share_money']:.1f} % of money.")
    if defect_rate > 0:
        kinds = sorted({e[3] for e in entries})
        capped = f" (rate capped at {MAX_DEFECT_RATE:.0%} so no file nears half bad)" if defect_rate > MAX_DEFECT_RATE else ""
        lines.append(f"Defects{capped}: {len(entries):,} rows listed in {out / 'defects.csv'} ({', '.join(kinds)}).")
    return "\n".join(lines)
