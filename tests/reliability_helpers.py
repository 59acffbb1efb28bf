"""Helpers of the reliability suite (issue 8); no tests here.

- ``Summary`` / the ``reliability`` fixture: every reliability test appends what it tried (inputs,
  files rejected, rows read / loaded / quarantined / superseded / rejected, crash trials, leaks) to a
  JSON-lines file under the session's temporary folder; ``test_reliability_summary.py`` prints it.
- A small generated inbox, a test-side reader of the clear names and ID numbers in an inbox (never the
  project's reader: a leak test must not trust the code it checks), manifest accounting, mart
  snapshots, and the ``thads run`` subprocess environment of ``tests/test_orchestration.py::_thads``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

REPO = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 6, 30)
SUMMARY_FILE = "reliability-summary.jsonl"
THADS = str(Path(sys.executable).with_name("thads"))
csv.field_size_limit(sys.maxsize)  # the test-side reader must read the giant cells it writes


# ------------------------------------------------------------------------------------------------
# the summary
# ------------------------------------------------------------------------------------------------

class Summary:
    def __init__(self, path: Path):
        self.path = path

    def add(self, section: str, **counts) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"section": section, **counts}, default=str) + "\n")

    def read(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def reliability(session_root) -> Summary:
    return Summary(session_root / SUMMARY_FILE)


# ------------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------------

def small_batch(inbox: Path, seed: int = 11, n_cases: int = 400, defect_rate: float = 0.02) -> Path:
    from thads.generate import generate_batch

    generate_batch(inbox, n_cases=n_cases, seed=seed, as_of=AS_OF, defect_rate=defect_rate, progress=False)
    return inbox


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """(text, encoding) the way an office wrote it: UTF-8 (BOM or not), else Windows-1258 (NFC)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", data.decode("cp1258")), "cp1258"


def sniff_sep(line: str) -> str:
    return ";" if line.count(";") > line.count(",") else ","


def read_table(path: Path) -> tuple[list[str], list[list[object]]]:
    """Header cells and data rows of an inbox file, test-side (csv module, openpyxl, polars)."""
    from thads.contract import header_lookup

    record_type = path.stem
    lookup = header_lookup(record_type)
    if path.suffix == ".parquet":
        df = pl.read_parquet(path)
        return list(df.columns), [list(r) for r in df.rows()]
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = next(ws for ws in wb.worksheets if ws.sheet_state == "visible")
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        text, _ = decode_csv_bytes(path.read_bytes())
        first = text.splitlines()[0] if text else ""
        rows = list(csv.reader(io.StringIO(text), delimiter=sniff_sep(first)))
    from thads.contract import fold

    for i, r in enumerate(rows[:30]):
        if sum(1 for c in r if c is not None and fold(str(c)).strip(" *:") in lookup) >= 2:
            return [("" if c is None else str(c)) for c in r], rows[i + 1:]
    return [], []


def canonical_of(header: list[str], record_type: str) -> dict[str, int]:
    """canonical column -> position, through the contract's header names and labels."""
    import re as _re

    from thads.contract import fold, header_lookup

    lookup = header_lookup(record_type)
    out = {}
    for i, h in enumerate(header):
        name = _re.sub(r"(\s*(\(\s*\*\s*\)|\*|:))+$", "", fold(h)).strip()
        if name in lookup and lookup[name] not in out:
            out[lookup[name]] = i
    return out


PERSON_OBLIGEE = ("ca_nhan", "khac")


def people_in_inbox(inbox: Path) -> tuple[set[str], set[str]]:
    """The clear person names (obligors; obligees who are persons) and ID numbers in every cases file."""
    from thads.contract import enum_lookup, fold

    obligee_types = enum_lookup("obligee_type")
    names, ids, org_names = set(), set(), set()
    for path in sorted(inbox.glob("*/*/cases.*")):
        header, rows = read_table(path)
        pos = canonical_of(header, "cases")
        for r in rows:
            def cell(c):
                i = pos.get(c)
                v = r[i] if i is not None and i < len(r) else None
                return None if v is None or str(v).strip() == "" else str(v).strip()
            n = cell("obligor_name")
            if n:
                names.add(unicodedata.normalize("NFC", n))
            idn = cell("obligor_id_number")
            if idn:
                d = re.sub(r"\D", "", idn.removesuffix(".0"))
                if d:
                    ids.add(d)
                    if len(d) in (10, 11):
                        ids.add(d.zfill(12))
                    if len(d) == 8:
                        ids.add(d.zfill(9))
            otype = cell("obligee_type")
            code = obligee_types.get(fold(otype)) if otype else None
            on = cell("obligee_name")
            if on and code in PERSON_OBLIGEE:
                names.add(unicodedata.normalize("NFC", on))
            elif on:
                org_names.add(unicodedata.normalize("NFC", on))
    # An organisation (kept in clear as an obligee of an organisation type) that another row files under
    # "khac" is not a person: its name may be in clear.
    return names - org_names, ids


class LeakScanner:
    """Finds clear names (whole words, case-folded) and ID numbers (whole digit runs) in text.

    Fast on tens of MB: ID numbers are looked up per digit run; a name is looked for only where one of
    the names' first words stands (a handful of family names), not with one alternation of every name."""

    def __init__(self, names: set[str], ids: set[str], extra: dict[str, str] | None = None):
        self.names = sorted({" ".join(unicodedata.normalize("NFC", n).casefold().split()) for n in names
                             if len(n) >= 6 and " " in n.strip()})
        self.ids = {i for i in ids if len(i) >= 8}
        self.extra = extra or {}  # label -> exact text (e.g. the key's hex)
        self._by_first: dict[str, list[str]] = {}
        for n in self.names:
            self._by_first.setdefault(n.split(" ", 1)[0], []).append(n)
        self._first_re = (re.compile(r"(?<!\w)(" + "|".join(map(re.escape, sorted(self._by_first, key=len, reverse=True)))
                                     + r")(?!\w)") if self._by_first else None)

    def scan(self, text: str, where: str) -> list[str]:
        found = []
        if self._first_re:
            folded = unicodedata.normalize("NFC", text).casefold()
            for m in self._first_re.finditer(folded):
                tail = folded[m.start(): m.start() + 120]
                tail = " ".join(tail.split(" "))
                for n in self._by_first[m.group(1)]:
                    if tail.startswith(n) and (len(tail) == len(n) or not tail[len(n)].isalnum()):
                        found.append(f"{where}: name {n!r}")
        if self.ids:
            for m in re.finditer(r"\d{8,}", text):
                if m.group(0) in self.ids:
                    found.append(f"{where}: ID {m.group(0)}")
        for label, needle in self.extra.items():
            if needle and needle in text:
                found.append(f"{where}: {label}")
        return found


# ------------------------------------------------------------------------------------------------
# accounting, marts
# ------------------------------------------------------------------------------------------------

ROW_COLS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_superseded", "rows_rejected")


def manifest_totals(manifest: pl.DataFrame) -> dict:
    """Totals of a file manifest and the files whose rows do not add up (must be none)."""
    off = manifest.filter(pl.col("rows_read") != pl.col("rows_loaded") + pl.col("rows_quarantined")
                          + pl.col("rows_superseded") + pl.col("rows_rejected"))
    out = {c: int(manifest[c].sum()) for c in ROW_COLS}
    out["files"] = manifest.height
    out["files_rejected"] = int((manifest["status"] == "rejected").sum())
    out["unbalanced_files"] = off.height
    return out


def marts_snapshot(warehouse: Path) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        return {n: con.sql(f'select * from marts."{n}" order by all').pl() for n in names}
    finally:
        con.close()


def differing_marts(a: dict, b: dict) -> list[str]:
    if a.keys() != b.keys():
        return [f"mart names differ: {sorted(set(a) ^ set(b))}"]
    return [n for n in a if not a[n].equals(b[n])]


# ------------------------------------------------------------------------------------------------
# `thads run` as a subprocess
# ------------------------------------------------------------------------------------------------

def thads_env(settings, api_url: str | None, prefect_home: Path, extra: dict | None = None) -> dict:
    env = os.environ | settings.path_env() | {"THADS_NO_BROWSER": "1", "PREFECT_HOME": str(prefect_home),
                        "PREFECT_LOGGING_LEVEL": "INFO"}
    env.pop("PREFECT_API_URL", None)
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env |= extra or {}
    return env


def start_thads(env: dict, log: Path, *args: str) -> subprocess.Popen:
    """`thads run` in its own session (so the kill reaches any child it started), output to `log`."""
    fh = open(log, "ab")
    try:
        return subprocess.Popen([THADS, "run", *args], env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        fh.close()


def kill_run(proc: subprocess.Popen) -> None:
    """SIGKILL the process group of a run this test started (by its id), then reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=60)


# ------------------------------------------------------------------------------------------------
# mutations: bytes of one inbox file -> damaged bytes (format-aware where the damage is structural)
# ------------------------------------------------------------------------------------------------

# TCVN3 (ABC) letters on Latin-1 code points (as in transforms/ingest/detect.py's comment, written here
# independently): what a file typed in a legacy font shows when read as Windows-1258.
_TCVN3 = {"à": "µ", "á": "¸", "ả": "¶", "ã": "·", "ạ": "¹", "ă": "¨", "â": "©", "đ": "®", "ê": "ª", "ô": "«",
          "ơ": "¬", "ư": "\xad", "ắ": "¾", "ằ": "»", "ẳ": "¼", "ẵ": "½", "ặ": "Æ", "Ă": "¡", "Â": "¢",
          "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}


def to_tcvn3(text: str) -> bytes:
    """Vietnamese text as a legacy TCVN3 file would hold it (letters without a TCVN3 code here lose
    their marks)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _TCVN3:
            out.append(_TCVN3[ch])
        elif ord(ch) > 0x7F:
            base = unicodedata.normalize("NFD", ch)[0]
            out.append(_TCVN3.get(base, base if ord(base) < 0x80 else "?"))
        else:
            out.append(ch)
    return "".join(out).encode("latin-1")


def _csv_rows(data: bytes) -> tuple[list[list[str]], str, str]:
    text, enc = decode_csv_bytes(data)
    first = text.splitlines()[0] if text else ""
    sep = sniff_sep(first)
    return list(csv.reader(io.StringIO(text), delimiter=sep)), enc, sep


def _csv_bytes(rows: list[list[str]], enc: str, sep: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n" if enc == "cp1258" else "\n").writerows(rows)
    text = buf.getvalue()
    if enc == "cp1258":
        from test_ingest_support import to_cp1258

        return to_cp1258(text)
    return (b"\xef\xbb\xbf" if enc == "utf-8-sig" else b"") + text.encode("utf-8")


def _xlsx_edit(data: bytes, edit) -> bytes:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = next(ws for ws in wb.worksheets if ws.sheet_state == "visible")
    hdr = 1
    for r in range(1, min(ws.max_row, 30) + 1):
        if sum(1 for c in range(1, ws.max_column + 1) if ws.cell(r, c).value not in (None, "")) >= 3:
            hdr = r
            break
    edit(wb, ws, hdr)
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def _table_edit(data: bytes, fmt: str, fn_rows) -> bytes:
    """Apply ``fn_rows(header, rows) -> (header, rows)`` to a CSV, xlsx or parquet file."""
    if fmt == "csv":
        rows, enc, sep = _csv_rows(data)
        h, body = fn_rows(rows[0], rows[1:])
        return _csv_bytes([h, *body], enc, sep)
    if fmt == "parquet":
        df = pl.read_parquet(io.BytesIO(data))
        cols = [df.get_column(c) for c in df.columns]
        h, body = fn_rows(list(df.columns), [list(r) for r in zip(*[c.to_list() for c in cols])])
        seen: dict[str, int] = {}
        data_cols = {}
        for i, name in enumerate(h):
            seen[name] = seen.get(name, 0) + 1
            key = name + " " * (seen[name] - 1)  # parquet cannot hold two equal names; trimmed, they are
            src = df.get_column(name) if name in df.columns else None
            data_cols[key] = pl.Series(key, [r[i] if i < len(r) else None for r in body],
                                       dtype=src.dtype if src is not None else None, strict=False)
        out = pl.DataFrame(list(data_cols.values()))
        bio = io.BytesIO()
        out.write_parquet(bio)
        return bio.getvalue()

    def edit(wb, ws, hdr):
        header = [ws.cell(hdr, c).value for c in range(1, ws.max_column + 1)]
        body = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(hdr + 1, ws.max_row + 1)]
        h, b = fn_rows(header, body)
        ws.delete_rows(hdr, ws.max_row)
        for j, v in enumerate(h, start=1):
            ws.cell(hdr, j, v)
        for i, row in enumerate(b, start=hdr + 1):
            for j, v in enumerate(row, start=1):
                ws.cell(i, j, v)
    return _xlsx_edit(data, edit)


def _drop_col(i):
    return lambda h, rows: ([c for k, c in enumerate(h) if k != i], [[c for k, c in enumerate(r) if k != i] for r in rows])


def _dup_col(i):
    return lambda h, rows: (h + [h[i]], [r + [r[i] if i < len(r) else None] for r in rows])


def _shuffle_headers(seed):
    import random

    def fn(h, rows):
        h2 = list(h)
        random.Random(seed).shuffle(h2)
        return h2, rows
    return fn


def _shuffle_columns(seed):
    import random

    def fn(h, rows):
        order = list(range(len(h)))
        random.Random(seed).shuffle(order)
        return [h[k] for k in order], [[r[k] if k < len(r) else None for k in order] for r in rows]
    return fn


def _dates_as_text(h, rows):
    from datetime import date as _d, datetime as _dt

    return h, [[(v.strftime("%d/%m/%Y") if isinstance(v, (_d, _dt)) else v) for v in r] for r in rows]


def _giant_cell(h, rows):
    rows = [list(r) for r in rows]
    if rows:
        rows[0][min(2, len(rows[0]) - 1)] = "Ghi chú rất dài " * 400_000  # ~6.4 million characters
    return h, rows


def mutate(data: bytes, fmt: str, kind: str, seed: int = 0) -> bytes:
    """One damaged version of an inbox file. ``fmt``: csv | xlsx | parquet (the file's real format)."""
    import random

    rng = random.Random(seed)
    n = len(data)
    if kind == "truncate":
        return data[: rng.randint(0, max(0, n - 1))]
    if kind == "truncate_half":
        return data[: n // 2]
    if kind == "flip_bytes":
        b = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            if b:
                b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        return bytes(b)
    if kind == "random_bytes":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000)))
    if kind == "nul_bytes":
        b = bytearray(data)
        for _ in range(5):
            b.insert(rng.randrange(len(b) + 1), 0)
        return bytes(b)
    if kind == "empty":
        return b""
    if kind == "header_only":
        if fmt == "csv":
            return data.split(b"\n", 1)[0] + b"\n"
        return _table_edit(data, fmt, lambda h, rows: (h, []))
    if kind == "drop_first_column":
        return _table_edit(data, fmt, _drop_col(0))
    if kind == "drop_random_column":
        return _table_edit(data, fmt, lambda h, rows: _drop_col(rng.randrange(len(h)))(h, rows))
    if kind == "duplicate_column":
        return _table_edit(data, fmt, lambda h, rows: _dup_col(rng.randrange(len(h)))(h, rows))
    if kind == "shuffle_headers":
        return _table_edit(data, fmt, _shuffle_headers(seed))
    if kind == "shuffle_columns":
        return _table_edit(data, fmt, _shuffle_columns(seed))
    if kind == "duplicate_rows":
        return _table_edit(data, fmt, lambda h, rows: (h, rows + rows[: max(1, len(rows) // 3)]))
    if kind == "giant_cell":
        return _table_edit(data, fmt, _giant_cell)
    if kind == "million_char_line":
        if fmt != "csv":
            return _table_edit(data, fmt, _giant_cell)
        text, enc = decode_csv_bytes(data)
        lines = text.split("\n")
        lines.insert(min(2, len(lines)), "x" * 1_000_000)
        out = "\n".join(lines)
        if enc == "cp1258":
            from test_ingest_support import to_cp1258

            return to_cp1258(out)
        return (b"\xef\xbb\xbf" if enc == "utf-8-sig" else b"") + out.encode("utf-8")
    if kind == "to_utf16":
        if fmt != "csv":
            return data
        return decode_csv_bytes(data)[0].encode("utf-16")
    if kind == "to_cp1258":
        if fmt != "csv":
            return data
        from test_ingest_support import to_cp1258

        return to_cp1258(decode_csv_bytes(data)[0])
    if kind == "to_tcvn3":
        text = decode_csv_bytes(data)[0] if fmt == "csv" else _as_csv_text(data, fmt)
        return to_tcvn3(text)
    if kind == "crlf":
        if fmt != "csv":
            return data
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if kind == "unterminated_quote":
        if fmt != "csv":
            return data
        cut = data.rfind(b"\n", 0, max(1, n // 2))
        return data[: cut + 1] + b'"never closed, ' + data[cut + 1:]
    if kind == "xlsx_formulas":
        return _xlsx_only(data, fmt, _formulas)
    if kind == "xlsx_merged":
        return _xlsx_only(data, fmt, _merged)
    if kind == "xlsx_hidden_first_sheet":
        return _xlsx_only(data, fmt, _hidden_first)
    if kind == "dates_as_text":
        return _table_edit(data, fmt, _dates_as_text) if fmt != "csv" else data
    raise ValueError(kind)


MUTATIONS = ("truncate", "truncate_half", "flip_bytes", "random_bytes", "nul_bytes", "empty", "header_only",
             "drop_first_column", "drop_random_column", "duplicate_column", "shuffle_headers", "shuffle_columns",
             "duplicate_rows", "giant_cell", "million_char_line", "to_utf16", "to_cp1258", "to_tcvn3", "crlf",
             "unterminated_quote", "xlsx_formulas", "xlsx_merged", "xlsx_hidden_first_sheet", "dates_as_text")


def _as_csv_text(data: bytes, fmt: str) -> str:
    header, rows = read_table_bytes(data, fmt)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *[["" if v is None else str(v) for v in r] for r in rows]])
    return buf.getvalue()


def read_table_bytes(data: bytes, fmt: str) -> tuple[list, list]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / f"cases.{fmt}"
        p.write_bytes(data)
        if fmt == "parquet":
            df = pl.read_parquet(p)
            return list(df.columns), [list(r) for r in df.rows()]
        import openpyxl

        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
        ws = next(ws for ws in wb.worksheets if ws.sheet_state == "visible")
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return (rows[0] if rows else []), rows[1:]


def _xlsx_only(data: bytes, fmt: str, edit) -> bytes:
    if fmt != "xlsx":
        return data
    return _xlsx_edit(data, edit)


def _formulas(wb, ws, hdr):
    """A formula without a saved value, an error value, and a formula over other cells."""
    last = ws.max_row
    if last > hdr + 1:
        ws.cell(hdr + 1, 2).value = "=1/0"
    if last > hdr + 2:
        ws.cell(hdr + 2, 1).value = f"=A{hdr + 1}&\"-copy\""
    if last > hdr + 3:
        ws.cell(hdr + 3, 3).value = "=HYPERLINK(\"http://example.invalid\",\"x\")"


def _merged(wb, ws, hdr):
    if ws.max_row >= hdr + 3 and ws.max_column >= 3:
        ws.merge_cells(start_row=hdr + 1, start_column=2, end_row=hdr + 3, end_column=3)
    ws.merge_cells(start_row=max(1, hdr - 1), start_column=1, end_row=max(1, hdr - 1), end_column=4) if hdr > 1 else None


def _hidden_first(wb, ws, hdr):
    decoy = wb.create_sheet("Nháp", 0)
    for j, v in enumerate(["case_id", "office_code", "Ghi chú"], start=1):
        decoy.cell(1, j, v)
    decoy.cell(2, 1, "DECOY-1")
    decoy.sheet_state = "hidden"
    wb.active = 1
