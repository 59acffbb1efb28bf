"""Issue 8: a mutation corpus. Generated files of every format (CSV UTF-8, CSV with BOM and `;`,
Windows-1258, xlsx, parquet) are damaged in every way `reliability_helpers.MUTATIONS` knows (truncated,
flipped bytes, dropped / duplicated / shuffled columns, other encodings including TCVN3, NUL bytes,
giant cells, a 1,000,000-character line, Excel formulas, merged cells, a hidden first sheet, dates as
text ...). Each mutant is read (`read_file`): it comes back parsed or rejected with one clear line,
never an exception, every row accounted for. Whole nights of mutants then go through
`transforms.intake.validate_plan` (the GX suites, the >50 % rule, the fallback to the version that
stood): for every file, rows read = loaded + quarantined + superseded + rejected.
"""

from __future__ import annotations

import os
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest

from reliability_helpers import (  # noqa: F401 - reliability is a fixture
    AS_OF, MUTATIONS, manifest_totals, mutate, reliability, small_batch,
)
from thads.pseudonym import Pseudonymiser, load_or_create_key
from transforms import intake
from transforms.ingest.inbox import InboxFile, scan_inbox
from transforms.ingest.read import read_file

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"


@pytest.fixture(scope="module")
def batch(session_root) -> Path:
    import tempfile

    return small_batch(Path(tempfile.mkdtemp(prefix="mutant-batch-", dir=session_root)) / "inbox", seed=11)


@pytest.fixture(scope="module")
def pseud() -> Pseudonymiser:
    return Pseudonymiser(load_or_create_key(Path(os.environ["THADS_PSEUDONYM_KEY_FILE"])))


def _kind_of(path: Path) -> str:
    """The sample's format and encoding, told test-side."""
    if path.suffix != ".csv":
        return path.suffix[1:]
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        return "csv-bom-" + ("semicolon" if b";" in data.split(b"\n", 1)[0] else "comma")
    try:
        data.decode("utf-8")
        return "csv-utf8"
    except UnicodeDecodeError:
        return "csv-cp1258"


def _samples(batch: Path) -> dict[str, Path]:
    """One cases and one status_events file of each format/encoding kind of the batch."""
    out: dict[str, Path] = {}
    for p in sorted((batch / AS_OF.isoformat()).glob("*/*")):
        if p.stem in ("cases", "status_events"):
            out.setdefault(f"{_kind_of(p)}/{p.stem}", p)
    return out


def _as_inbox_file(root: Path, src: Path, data: bytes) -> InboxFile:
    office = src.parent.name
    folder = root / AS_OF.isoformat() / office
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / src.name
    path.write_bytes(data)
    return InboxFile(AS_OF, office, src.stem, path, f"{AS_OF.isoformat()}/{office}/{src.name}")


def _frame(pf) -> pl.DataFrame:
    key = {"cases": "case_id", "status_events": "case_id"}[pf.record_type]
    drop = ["file_sha256", "source_row"]
    return pf.frame.drop(drop).sort(pl.all()) if pf.record_type == "status_events" else \
        pf.frame.drop(drop).sort(key)


def _clear_message(pf) -> None:
    msg = pf.rejected
    assert msg.startswith(f"{pf.rel_path}: "), msg
    assert "\n" not in msg and len(msg) < 600, msg
    assert "Traceback" not in msg


# Mutants that must be rejected, and the words of their message.
MUST_REJECT = {
    "empty": "empty",
    "nul_bytes": "",
    "header_only": "no data rows",
    "drop_first_column": "missing",
    "duplicate_column": "both map to",
}
# Mutants whose clean rows must equal the original file's (only the lineage differs).
SAME_ROWS = ("shuffle_columns", "crlf", "to_cp1258", "dates_as_text", "xlsx_hidden_first_sheet")


def test_every_mutant_of_every_format_is_read_or_rejected_clearly(batch, pseud, tmp_path, reliability):
    samples = _samples(batch)
    kinds = {k.split("/")[0] for k in samples}
    assert {"csv-utf8", "csv-bom-semicolon", "csv-cp1258", "xlsx", "parquet"} <= kinds, kinds
    tried = rejected = 0
    rows = dict(read=0, loaded=0, quarantined=0, rejected=0)
    for n_sample, (label, src) in enumerate(sorted(samples.items())):
        fmt = src.suffix[1:]
        original = read_file(_as_inbox_file(tmp_path / f"orig{n_sample}", src, src.read_bytes()), pseud)
        assert original.rejected is None, original.rejected
        for m, kind in enumerate(MUTATIONS):
            for seed in (1, 2) if kind in ("truncate", "flip_bytes", "random_bytes", "drop_random_column") else (1,):
                data = mutate(src.read_bytes(), fmt, kind, seed)
                f = _as_inbox_file(tmp_path / f"m{n_sample}-{m}-{seed}", src, data)
                pf = read_file(f, pseud)  # never raises
                tried += 1
                where = f"{label} {kind} seed {seed}"
                if pf.rejected:
                    rejected += 1
                    _clear_message(pf)
                    assert pf.frame is None
                    rows["rejected"] += pf.rows_read
                else:
                    n_bad = pf.quarantine.get_column("source_row").n_unique()
                    assert pf.rows_read == pf.frame.height + n_bad, where
                    rows["loaded"] += pf.frame.height
                    rows["quarantined"] += n_bad
                rows["read"] += pf.rows_read
                if kind in MUST_REJECT and (fmt == "csv" or kind not in ("nul_bytes",)):
                    assert pf.rejected and MUST_REJECT[kind] in pf.rejected, (where, pf.rejected)
                if kind == "to_utf16" and fmt == "csv":
                    assert pf.rejected and "UTF-16" in pf.rejected, where
                if kind == "to_tcvn3" and src.stem == "cases":
                    assert pf.rejected and "TCVN3" in pf.rejected, (where, pf.rejected)
                if kind in SAME_ROWS and data != src.read_bytes():
                    assert pf.rejected is None, (where, pf.rejected)
                    assert _frame(pf).equals(_frame(original)), where
                    assert pf.quarantine.height == original.quarantine.height, where
                if kind == "xlsx_hidden_first_sheet" and fmt == "xlsx":
                    assert any("hidden sheet" in w for w in pf.warnings), pf.warnings
                if kind == "xlsx_formulas" and fmt == "xlsx" and not pf.rejected:
                    assert "invalid_cell" in set(pf.quarantine["reason"]), where
    reliability.add("mutants: read_file", inputs_tried=tried, files_rejected=rejected, rows_read=rows["read"],
                    rows_loaded=rows["loaded"], rows_quarantined=rows["quarantined"], rows_superseded=0,
                    rows_rejected=rows["rejected"], unbalanced_files=0)


def _night(batch: Path, root: Path, seed: int) -> tuple[Path, dict[str, str]]:
    """The batch as last night's (untouched) and tonight's with one random mutation per file."""
    rng = random.Random(seed)
    inbox = root / "inbox"
    tonight = inbox / AS_OF.isoformat()
    shutil.copytree(batch / AS_OF.isoformat(), tonight)
    shutil.copytree(batch / AS_OF.isoformat(), inbox / (AS_OF - timedelta(days=1)).isoformat())
    applied = {}
    for p in sorted(tonight.glob("*/*")):
        kind = rng.choice(MUTATIONS + ("none",) * 4)
        if kind == "none":
            continue
        p.write_bytes(mutate(p.read_bytes(), p.suffix[1:], kind, rng.randrange(1000)))
        applied[f"{AS_OF.isoformat()}/{p.parent.name}/{p.name}"] = kind
    return inbox, applied


@pytest.mark.parametrize("seed", [3, pytest.param(4, marks=pytest.mark.heavy), pytest.param(5, marks=pytest.mark.heavy)])
def test_mutated_nights_account_for_every_row(batch, pseud, tmp_path, seed, reliability):
    inbox, applied = _night(batch, tmp_path, seed)
    plan = intake.plan_files(scan_inbox(inbox, up_to=AS_OF))
    firsts = [files[0] for files in plan.candidates.values()]
    parsed = {f.rel_path: read_file(f, pseud) for f in firsts}
    office_of = intake.load_office_map(REFERENCE)
    night = intake.validate_plan(plan, parsed, lambda f: read_file(f, pseud), office_of)  # asserts balance
    m = night.manifest
    totals = manifest_totals(m)
    assert totals["unbalanced_files"] == 0
    assert set(applied) <= set(m["source_file"]), "every mutated file is in the manifest"
    for row in m.filter(pl.col("status") == "rejected").iter_rows(named=True):
        assert row["message"].startswith(row["source_file"] + ": "), row["message"]
        assert row["rows_rejected"] == row["rows_read"]
        # the office's last accepted version stands in its place (yesterday's copy, never mutated)
        yesterday = row["source_file"].replace(AS_OF.isoformat(), (AS_OF - timedelta(days=1)).isoformat(), 1)
        standing = m.filter(pl.col("source_file") == yesterday)
        assert standing.height == 1, f"{row['source_file']}: yesterday's version was not considered"
        if standing["status"][0] == "rejected":  # it may break the rules against tonight's parents too
            assert standing["message"][0].startswith(yesterday + ": rejected: "), standing["message"][0]
        else:
            assert standing["status"][0] == "standing"
    # rows loaded per record type equal the manifest's, and nothing loaded comes from a rejected file
    loaded_files = set()
    for df in night.loaded.values():
        loaded_files |= set(df["source_file"].unique())
    assert not loaded_files & set(m.filter(pl.col("status") == "rejected")["source_file"])
    assert sum(df.height for df in night.loaded.values()) == totals["rows_loaded"]
    reliability.add(f"mutants: nights through validate_plan (seed {seed})", inputs_tried=len(applied),
                    **{k: totals[k] for k in ("files_rejected", "rows_read", "rows_loaded", "rows_quarantined",
                                              "rows_superseded", "rows_rejected", "unbalanced_files")})


def test_child_file_falls_back_with_its_rejected_parent_file(batch, pseud, tmp_path):
    """Found by the mutated nights: tonight's cases file is rejected by the >50 % rule (every row names
    an unknown office) and tonight's status_events cannot be read, so yesterday's events stand in. In
    the round that rejects the cases, yesterday's events fail too (their parents are tonight's,
    quarantined cases); they must be judged again against yesterday's cases, not rejected for good."""
    from reliability_helpers import _table_edit, canonical_of

    yesterday = (AS_OF - timedelta(days=1)).isoformat()
    inbox = tmp_path / "inbox"
    for d in (AS_OF.isoformat(), yesterday):
        shutil.copytree(batch / AS_OF.isoformat(), inbox / d)
    office = next(p.parent for p in sorted((inbox / AS_OF.isoformat()).glob("*/cases.csv"))
                  if (p.parent / "status_events.csv").exists() and p.read_bytes().count(b"\n") > 25)
    cases = office / "cases.csv"

    def unknown_office(h, rows):
        i = canonical_of(h, "cases")["office_code"]
        return h, [[("ZZ99" if k == i else v) for k, v in enumerate(r)] for r in rows]
    cases.write_bytes(_table_edit(cases.read_bytes(), "csv", unknown_office))
    events = office / "status_events.csv"
    events.write_bytes(mutate(events.read_bytes(), "csv", "drop_first_column"))

    plan = intake.plan_files(scan_inbox(inbox, up_to=AS_OF))
    parsed = {files[0].rel_path: read_file(files[0], pseud) for files in plan.candidates.values()}
    night = intake.validate_plan(plan, parsed, lambda f: read_file(f, pseud),
                                 intake.load_office_map(REFERENCE))
    m = {r["source_file"]: r for r in night.manifest.iter_rows(named=True)}
    code = office.name
    assert m[f"{AS_OF.isoformat()}/{code}/cases.csv"]["status"] == "rejected"
    assert m[f"{AS_OF.isoformat()}/{code}/status_events.csv"]["status"] == "rejected"
    assert m[f"{yesterday}/{code}/cases.csv"]["status"] == "standing"
    standing_events = m[f"{yesterday}/{code}/status_events.csv"]
    assert standing_events["status"] == "standing", standing_events["message"]
    assert standing_events["rows_loaded"] > standing_events["rows_read"] // 2


def _xlsx_bomb(inflate_mb: int, lie: bool) -> bytes:
    """A valid one-row cases workbook whose sheet XML is padded with `inflate_mb` MiB of spaces
    (streamed into the ZIP: ~1,000:1), optionally with ZIP headers declaring 4 KiB instead."""
    import io
    import struct
    import zipfile

    import xlsxwriter

    from test_ingest_support import CASES_HEADER, case_row

    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, CASES_HEADER.split(","))
    ws.write_row(1, 0, case_row().split(","))
    wb.close()
    src = zipfile.ZipFile(io.BytesIO(bio.getvalue()))
    out = io.BytesIO()
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != name:
                z.writestr(info.filename, data)
                continue
            head, tail = data.split(b"</sheetData>", 1)
            with z.open(name, "w", force_zip64=True) as part:
                part.write(head + b"</sheetData>")
                chunk = b" " * (1 << 20)
                for _ in range(inflate_mb):
                    part.write(chunk)
                part.write(tail)
    blob = bytearray(out.getvalue())
    if lie:
        i = 0
        while (i := blob.find(name.encode(), i + 1)) > 0:
            if blob[i - 30:i - 26] == b"PK\x03\x04":
                struct.pack_into("<I", blob, i - 30 + 22, 4096)
            if blob[i - 46:i - 42] == b"PK\x01\x02":
                struct.pack_into("<I", blob, i - 46 + 24, 4096)
    return bytes(blob)


@pytest.mark.parametrize("lie", [False, True], ids=["declared", "lying-headers"])
def test_xlsx_zip_bomb_is_rejected_before_it_is_inflated(pseud, tmp_path, lie, reliability):
    """Found here: a 1 MB workbook holding 1 GB of sheet XML took 3 GB of memory in the reader (a 10 MB
    one would kill the night on this 24 GB machine, every night until replaced), and calamine ignores
    the sizes the ZIP declares."""
    import time as _time

    src = Path("2026-06-30/NA01/cases.xlsx")
    data = _xlsx_bomb(300, lie)
    assert len(data) < 1 << 20
    f = _as_inbox_file(tmp_path, src, data)
    t0 = _time.perf_counter()
    pf = read_file(f, pseud)
    assert pf.rejected and ("zip bomb" in pf.rejected or "declared size" in pf.rejected), pf.rejected
    assert _time.perf_counter() - t0 < 10
    _clear_message(pf)
    reliability.add(f"mutants: xlsx zip bomb ({'lying' if lie else 'declared'} sizes)", inputs_tried=1,
                    files_rejected=1, rows_read=0, rows_loaded=0, rows_quarantined=0, rows_superseded=0,
                    rows_rejected=0, unbalanced_files=0)


def test_a_small_padded_workbook_still_reads(pseud, tmp_path):
    pf = read_file(_as_inbox_file(tmp_path, Path("2026-06-30/NA01/cases.xlsx"), _xlsx_bomb(2, False)), pseud)
    assert pf.rejected is None and pf.rows_read == 1


def test_parquet_declaring_millions_of_empty_rows_is_rejected_before_reading(pseud, tmp_path, reliability):
    """Found here: run-length encoding let a 1.8 MB parquet file declare 50 million rows, which took
    14 GB of memory to read (100 million would kill the night)."""
    import io
    import time as _time

    import pyarrow as pa
    import pyarrow.parquet as pq

    from thads.contract import RECORD_TYPES

    n = 3_000_000
    bio = io.BytesIO()
    pq.write_table(pa.table({c.name: pa.nulls(n, pa.string()) for c in RECORD_TYPES["cases"].columns}), bio,
                   compression="zstd", row_group_size=n)
    assert bio.tell() < n
    t0 = _time.perf_counter()
    pf = read_file(_as_inbox_file(tmp_path, Path("2026-06-30/NA01/cases.parquet"), bio.getvalue()), pseud)
    assert pf.rejected and "3,000,000 rows" in pf.rejected, pf.rejected
    assert _time.perf_counter() - t0 < 5
    _clear_message(pf)
    reliability.add("mutants: parquet declaring 3,000,000 empty rows", inputs_tried=1, files_rejected=1)


def test_cases_held_by_two_offices_are_superseded_and_accounted(batch, pseud, tmp_path, reliability):
    """A case that moved between offices arrives twice: the copy sent by the office it does not name is
    superseded (docs/validation-rules.md), and its file still balances."""
    inbox = tmp_path / "inbox"
    shutil.copytree(batch / AS_OF.isoformat(), inbox / AS_OF.isoformat())
    day = inbox / AS_OF.isoformat()
    # two offices writing the same CSV layout (UTF-8, ',' and canonical names)
    same = [p for p in sorted(day.glob("*/cases.csv")) if _kind_of(p) == "csv-utf8"
            and p.read_text(encoding="utf-8").split("\n", 1)[0] == (day / "NA01" / "cases.csv").read_text(
                encoding="utf-8").split("\n", 1)[0]]
    assert len(same) >= 2, [p.parent.name for p in same]
    src, dst = same[0], same[1]
    moved = src.read_text(encoding="utf-8").splitlines()[1:6]
    dst.write_text(dst.read_text(encoding="utf-8") + "\n".join(moved) + "\n", encoding="utf-8")
    plan = intake.plan_files(scan_inbox(inbox, up_to=AS_OF))
    parsed = {files[0].rel_path: read_file(files[0], pseud) for files in plan.candidates.values()}
    night = intake.validate_plan(plan, parsed, lambda f: read_file(f, pseud), intake.load_office_map(REFERENCE))
    m = {r["source_file"]: r for r in night.manifest.iter_rows(named=True)}
    rel = f"{AS_OF.isoformat()}/{dst.parent.name}/cases.csv"
    assert m[rel]["rows_superseded"] == 5, m[rel]
    totals = manifest_totals(night.manifest)
    assert totals["unbalanced_files"] == 0 and totals["rows_superseded"] >= 5
    reliability.add("mutants: cases held by two offices", inputs_tried=1,
                    **{k: totals[k] for k in ("files_rejected", "rows_read", "rows_loaded", "rows_quarantined",
                                              "rows_superseded", "rows_rejected", "unbalanced_files")})


@pytest.mark.parametrize("shape", ["blank_lines", "wide_header"])
def test_files_far_beyond_a_register_are_rejected_before_reading(pseud, tmp_path, shape, reliability):
    """Found here: every line of a CSV becomes a row of every column, so 5 MB of empty lines took 2.7 GB
    (50 MB: the night was killed for memory), and a 1 MB header of 200,000 columns took 12 s and 3 GB."""
    import time as _time

    from test_ingest_support import CASES_HEADER, case_row

    if shape == "blank_lines":
        data = (CASES_HEADER + "\n" + case_row() + "\n").encode() + b"\n" * 10_000_001
        words = "lines"
    else:
        data = (CASES_HEADER + ",x" * 200_000 + "\n" + case_row() + "\n").encode()
        words = "columns"
    t0 = _time.perf_counter()
    pf = read_file(_as_inbox_file(tmp_path, Path("2026-06-30/NA01/cases.csv"), data), pseud)
    assert pf.rejected and words in pf.rejected, pf.rejected
    assert _time.perf_counter() - t0 < 5
    _clear_message(pf)
    reliability.add(f"mutants: CSV with too many {words}", inputs_tried=1, files_rejected=1)
