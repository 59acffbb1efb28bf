"""Read one inbox file into a typed, pseudonymised polars frame, accounting for every row.

``read_file`` never raises: a file it cannot use comes back with ``rejected`` set (one line naming the
file and why) and ``frame=None``. Otherwise each data row ends up either in ``frame`` (parsed cleanly)
or in ``quarantine`` (one entry per failed (row, column, reason)), so that::

    rows_read == frame.height + quarantine["source_row"].n_unique()

Row numbers: 1 = the first row after the header row (after any title rows). **Fully empty rows**
(every cell empty or blank, e.g. the formatted but empty rows at the bottom of a spreadsheet, or a blank
line in a CSV) keep their place in the numbering but are skipped: not counted in ``rows_read``, not
quarantined; the number skipped is given in ``warnings``.

Row-level reasons beyond the contract's parsing reasons (both documented in docs/ingest.md):

- ``malformed_row`` (column null): a CSV row with more fields than the header, typically an unquoted
  ``1,234,567`` in a comma-separated file; its values cannot be trusted to sit in the right columns.
- ``invalid_cell``: an xlsx cell that holds a formula without a saved value, or an error value
  (``#N/A``, ``#DIV/0!``, ``#REF!`` ...).

Personal data: the frame never holds names or ID numbers (see ``_personal_columns``); quarantine raw
values and record IDs are scrubbed (``_Scrubber``) and messages are built only from scrubbed values.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import hmac
import io
import logging
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

import polars as pl

from thads.contract import ENUMS, LINEAGE_COLUMNS, RECORD_TYPES, RecordType
from thads.pseudonym import PREFIX as PSEUDONYM_PREFIX
from thads.pseudonym import Pseudonymiser, normalise_id_number, normalise_name
from transforms.ingest import detect
from transforms.ingest.headers import HEADER_SEARCH_ROWS, is_header_row, map_headers
from transforms.ingest.inbox import InboxFile

# fastexcel logs a warning per untyped column of every sheet; the reader types every column itself.
logging.getLogger("fastexcel").setLevel(logging.ERROR)
from transforms.ingest.values import DTYPES, REASONS, fold_series, parse_kind, to_text

CSV_PAD_COLUMNS = 8  # extra columns read beyond the header to notice rows with too many fields
MAX_FILE_BYTES = 4 << 30
# One office's register never comes near these; past them a file is damaged or hostile, and reading it
# would cost memory out of all proportion to its size (each line becomes a row of every column: 50 MB
# of empty lines took 27 GB; a 1 MB header of 200,000 columns took 3 GB).
MAX_ROWS_PER_FILE = 10_000_000
MAX_COLUMNS = 16_384  # Excel's own limit

ORG_OBLIGEE_TYPES = ("to_chuc_tin_dung", "ngan_sach", "doanh_nghiep")
PERSON_OBLIGEE_TYPES = ("ca_nhan", "khac")
DROPPED_PERSONAL = {
    "cases": ("obligee_name", "obligor_name", "obligor_id_number"),
    "status_events": ("reason",),
}

QUARANTINE_SCHEMA = {
    "source_file": pl.String,
    "source_row": pl.Int32,
    "record_id": pl.String,
    "column": pl.String,
    "raw_value": pl.String,
    "reason": pl.String,
    "message": pl.String,
}
LINEAGE_SCHEMA = {
    "batch_date": pl.Date,
    "batch_office": pl.String,
    "source_file": pl.String,
    "source_row": pl.Int32,
    "file_sha256": pl.String,
}
assert tuple(LINEAGE_SCHEMA) == LINEAGE_COLUMNS

_DIGIT_RUN = re.compile(r"(?<!\d)(\d{12}|\d{9})(?!\d)")
_DIGIT_RUN_RS = r"(?:^|\D)(?:\d{12}|\d{9})(?:\D|$)"


def frame_schema(record_type: str) -> dict[str, pl.DataType]:
    """Canonical typed columns of ``ParsedFile.frame`` (without extras, with lineage at the end)."""
    rt = RECORD_TYPES[record_type]
    out: dict[str, pl.DataType] = {}
    for c in rt.columns:
        if record_type == "cases" and c.name == "obligee_name":
            out["obligee_key"] = pl.String
            out["obligee_org_name"] = pl.String
        elif record_type == "cases" and c.name == "obligor_name":
            out["obligor_key"] = pl.String
        elif record_type == "status_events" and c.name == "reason":
            out["has_reason"] = pl.Boolean
        if c.name in DROPPED_PERSONAL.get(record_type, ()):
            continue
        out[c.name] = DTYPES[c.kind]
    out.update(LINEAGE_SCHEMA)
    return out


@dataclass
class ParsedFile:
    rel_path: str
    batch_date: date
    office_dir: str
    record_type: str
    sha256: str
    format: str  # "csv" | "xlsx" | "parquet" (from content); "unknown" when it is none of them
    encoding: str | None
    rows_read: int
    frame: pl.DataFrame | None
    quarantine: pl.DataFrame
    rejected: str | None
    dropped_extra_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)


class _Reject(Exception):
    """A file-level rejection (message without the file name) with the rows counted so far."""

    def __init__(self, message: str, rows: int = 0):
        super().__init__(message)
        self.message = message
        self.rows = rows


@dataclass
class _Table:
    """A file's cells before parsing: the header cells and the data rows below them."""

    header: list[object]
    data: pl.DataFrame  # one column per header position (c0, c1 ...), String or typed (parquet)
    ragged: pl.Series | None = None  # CSV: rows with more fields than the header
    ragged_raw: pl.Series | None = None
    bad_cells: dict[int, dict[int, str]] = field(default_factory=dict)  # pos -> {row index: raw}


# ==================================================================================================
# opening
# ==================================================================================================

def open_inbox_file(f: InboxFile) -> bytes:
    """The file's bytes, opened relative to the inbox without following any symbolic link."""
    parts = f.rel_path.split("/")
    if len(parts) != 3 or any(p in ("", ".", "..") for p in parts):
        raise _Reject("refused: not a <batch>/<office>/<file> path")
    root = f.path
    for _ in parts:
        root = root.parent
    flags_dir = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for part in parts[:-1]:
            try:
                nfd = os.open(part, flags_dir, dir_fd=fd)
            except OSError as exc:
                raise _Reject(f"refused: folder {part} cannot be opened without following links "
                              f"({exc.strerror})") from None
            os.close(fd)
            fd = nfd
        try:
            ffd = os.open(parts[-1], os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                          | getattr(os, "O_NONBLOCK", 0), dir_fd=fd)
        except OSError as exc:
            raise _Reject(f"refused: cannot be opened as a regular file ({exc.strerror})") from None
    finally:
        os.close(fd)
    try:
        st = os.fstat(ffd)
        if not stat.S_ISREG(st.st_mode):
            raise _Reject("refused: not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            raise _Reject(f"refused: larger than {MAX_FILE_BYTES >> 30} GiB")
        with os.fdopen(ffd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(ffd)


# ==================================================================================================
# entry point
# ==================================================================================================

def read_file(
    f: InboxFile, pseudonymiser: Pseudonymiser, safe_extra_columns: Sequence[str] = ()
) -> ParsedFile:
    """Read, parse and pseudonymise one inbox file. Never raises (see module docstring)."""
    out = ParsedFile(
        rel_path=f.rel_path, batch_date=f.batch_date, office_dir=f.office_dir,
        record_type=f.record_type, sha256="", format="unknown", encoding=None, rows_read=0,
        frame=None, quarantine=empty_quarantine(), rejected=None,
    )
    try:
        data = open_inbox_file(f)
        out.sha256 = hashlib.sha256(data).hexdigest()
        table = _load_table(data, f, out)
        del data  # the bytes are no longer needed: keep peak memory down on big files
        _build(table, f, out, pseudonymiser, tuple(safe_extra_columns))
    except _Reject as rej:
        _rejected(out, rej.message, rej.rows)
    except MemoryError:
        _rejected(out, "is too large to read in memory")
    except (Exception, pl.exceptions.PanicException) as exc:  # noqa: BLE001 - a file must never crash the night
        # A polars panic (PanicException is a BaseException) on hostile input counts as a bad file too.
        # The exception text may quote cell values (personal data): only its type is reported.
        _rejected(out, f"could not be read ({type(exc).__name__}); check that it is a valid "
                       "CSV, xlsx or parquet export")
    return out


def _rejected(out: ParsedFile, message: str, rows: int = 0) -> None:
    out.rejected = f"{out.rel_path}: {message}"
    out.frame = None
    out.quarantine = empty_quarantine()
    out.rows_read = rows


# ==================================================================================================
# loading the cells of each format
# ==================================================================================================

def _load_table(data: bytes, f: InboxFile, out: ParsedFile) -> _Table:
    kind = detect.sniff_format(data)
    ext = f.extension
    if kind == "empty":
        raise _Reject("is empty (no header, no rows)")
    if kind == "xls":
        raise _Reject("is a legacy Excel 97-2003 (.xls) workbook; save it as .xlsx (Excel Workbook)")
    if kind == "zip":
        raise _Reject("is a ZIP archive but not an xlsx workbook")
    if kind == "binary":
        raise _Reject("is not a CSV, xlsx or parquet file (binary content); it may be damaged")
    fmt = "csv" if kind == "text" else kind
    out.format = fmt
    if fmt != ext:
        out.warnings.append(f"{f.rel_path}: named .{ext} but its content is {fmt}; read as {fmt}")
    if fmt == "csv":
        return _load_csv(data, f.record_type, out)
    if fmt == "xlsx":
        return _load_xlsx(data, f.record_type, out)
    return _load_parquet(data)


def _no_header(record_type: str, where: str) -> _Reject:
    rt = RECORD_TYPES[record_type]
    key = rt.column(rt.key)
    return _Reject(
        f"has no header row naming the {record_type} columns in {where} "
        f"(expected names such as {key.name} / {key.label})"
    )


def _split_line(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep))
    except (csv.Error, StopIteration):
        return line.split(sep)


def _first_lines(text: str, n: int) -> list[str]:
    """The first ``n`` lines of ``text`` without copying the rest of it."""
    out, start = [], 0
    while len(out) < n and start <= len(text):
        end = text.find("\n", start)
        if end < 0:
            out.append(text[start:])
            break
        out.append(text[start:end])
        start = end + 1
    return out


def _legacy_reject(text: str, legacy: str) -> _Reject:
    rows = max(0, sum(1 for line in text.splitlines() if line.strip()) - 1)
    return _Reject(
        f"uses the legacy {legacy} font encoding; re-export it as UTF-8 "
        "(convert the text to Unicode, e.g. with Unikey's converter, then save as 'CSV UTF-8')",
        rows,
    )


def _load_csv(data: bytes, record_type: str, out: ParsedFile) -> _Table:
    """CSV: UTF-8 (BOM or not) is handed to polars as bytes (polars validates it); only the first
    MiB is decoded here, for the legacy-encoding check and the header. Anything that is not UTF-8
    is decoded as Windows-1258 (NFC-normalised) and re-encoded."""
    text: str | None = None
    if detect.utf16_bom(data):
        raise _Reject("is UTF-16 text; re-export it as UTF-8 (CSV UTF-8) or Windows-1258")
    bom = data.startswith(b"\xef\xbb\xbf")
    raw = data[3:] if bom else data
    lines = raw.count(b"\n")
    if lines > MAX_ROWS_PER_FILE:
        raise _Reject(f"has {lines:,} lines, more than an office register can hold "
                      f"({MAX_ROWS_PER_FILE:,}); check the export")
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(raw[: detect.LEGACY_SAMPLE], final=False)
        encoding = "utf-8-sig" if bom else "utf-8"
        tail = raw[-65536:].decode("utf-8", "ignore") if len(raw) > detect.LEGACY_SAMPLE else ""
        sample = head + tail
    except UnicodeDecodeError:
        dec = detect.decode_text(data)
        if dec.text is None:
            raise _Reject(dec.error or "cannot be decoded") from None
        text, encoding, sample = dec.text, dec.encoding, dec.text
    out.encoding = encoding
    legacy = detect.legacy_encoding(sample)
    if legacy:
        raise _legacy_reject(text if text is not None else raw.decode("utf-8", "replace"), legacy)
    if raw.isspace():
        raise _Reject("is empty (no header, no rows)")

    # Header line (title lines above it are skipped) and delimiter.
    lines = _first_lines(head if text is None else text, HEADER_SEARCH_ROWS)
    found = None
    for i, line in enumerate(lines):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        first = detect.sniff_delimiter(line)
        for sep in (first, ";" if first == "," else ","):
            cells = _split_line(line, sep)
            if is_header_row(cells, record_type):
                found = (i, sep, cells)
                break
        if found:
            break
    if found is None:
        raise _no_header(record_type, f"its first {HEADER_SEARCH_ROWS} lines")
    index, sep, header = found
    if len(header) > MAX_COLUMNS:
        raise _Reject(f"has {len(header):,} columns in its header row, more than a spreadsheet can hold "
                      f"({MAX_COLUMNS:,}); check the export")
    if index:
        out.warnings.append(f"{out.rel_path}: {index} line(s) above the header skipped")

    if text is None and index == 0:
        body = raw
    else:
        if text is None:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                dec = detect.decode_text(data)
                if dec.text is None:
                    raise _Reject(dec.error or "cannot be decoded") from None
                text, out.encoding = dec.text, dec.encoding
        offset = sum(len(line) + 1 for line in _first_lines(text, index))
        body = text[offset:].encode("utf-8")

    n = len(header)
    names = [f"c{i}" for i in range(n + CSV_PAD_COLUMNS)]
    try:
        df = _read_csv_body(body, sep, names)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower() or text is not None:
            raise _Reject(f"cannot be parsed as CSV ({type(exc).__name__}: unbalanced quotes or a "
                          "damaged file?)") from None
        # Valid UTF-8 at the start, not further on: the whole file is read as Windows-1258.
        dec = detect.decode_text(data)
        if dec.text is None or dec.encoding != "cp1258":
            raise _Reject("mixes UTF-8 with other bytes; re-export it as UTF-8") from None
        legacy = detect.legacy_encoding(dec.text)
        if legacy:
            raise _legacy_reject(dec.text, legacy) from None
        text, out.encoding = dec.text, dec.encoding
        offset = sum(len(line) + 1 for line in _first_lines(text, index))
        try:
            df = _read_csv_body(text[offset:].encode("utf-8"), sep, names)
        except Exception as exc2:  # noqa: BLE001
            raise _Reject(f"cannot be parsed as CSV ({type(exc2).__name__})") from None
    except Exception as exc:  # noqa: BLE001
        raise _Reject(f"cannot be parsed as CSV ({type(exc).__name__}: unbalanced quotes or a damaged "
                      "file?)") from None
    if df.height == 0:
        raise _Reject("is empty (no header, no rows)")
    df = df.slice(1)  # the header row itself
    # Windows line ends: polars keeps a trailing '\r' on the last field of a line.
    last = f"c{n - 1}"
    pads = names[n:]
    df = df.with_columns(
        [pl.col(c).str.strip_suffix("\r") for c in [last, *pads]]
    )
    ragged = df.select(pl.any_horizontal([pl.col(c).is_not_null() & (pl.col(c) != "") for c in pads]))
    ragged_raw = df.select(
        pl.concat_str([pl.col(c) for c in pads], separator=sep, ignore_nulls=True)
    ).to_series()
    if header and isinstance(header[-1], str):
        header[-1] = header[-1].rstrip("\r")
    return _Table(header=list(header), data=df.select(names[:n]),
                  ragged=ragged.to_series(), ragged_raw=ragged_raw)


def _read_csv_body(body: bytes, sep: str, names: list[str]) -> pl.DataFrame:
    return pl.read_csv(
        io.BytesIO(body), has_header=False, separator=sep, infer_schema=False,
        schema={c: pl.String for c in names}, missing_columns="insert",
        truncate_ragged_lines=True, quote_char='"', raise_if_empty=False,
    )


# A workbook is a ZIP of XML parts. Real sheets inflate about 5-20 times; a "zip bomb" (1,000 times: a
# 10 MB file holding 10 GB of XML) would exhaust the machine's memory in the xlsx reader and kill the
# whole night, every night until the file is replaced. The sizes the ZIP declares are checked first.
XLSX_MAX_INFLATED = 3 << 30  # 3 GiB of XML in all (Excel's 1,048,576-row sheet stays far below)
XLSX_RATIO_CHECKED_ABOVE = 256 << 20
XLSX_MAX_RATIO = 250


def _xlsx_inflation(data: bytes) -> str | None:
    """Why a workbook's parts inflate too much to be read safely, or None.

    The declared sizes are checked, then every part is inflated once, in 1 MiB pieces (constant memory):
    Python's zipfile stops at the declared size and checks the CRC, so a part that declares less than it
    holds (the xlsx reader would inflate all of it) fails here as damaged."""
    advice = "; open it in Excel and save it again, or send CSV"
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # the xlsx reader reports the damage
    inflated = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if inflated > XLSX_MAX_INFLATED or (inflated > XLSX_RATIO_CHECKED_ABOVE and inflated > XLSX_MAX_RATIO * max(packed, 1)):
        return (f"is an xlsx workbook whose parts inflate to {inflated / 2**20:,.0f} MiB from "
                f"{len(data) / 2**20:,.1f} MiB (a damaged workbook or a 'zip bomb')" + advice)
    try:
        for info in infos:
            with zf.open(info) as part:
                while part.read(1 << 20):
                    pass
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return "is a damaged xlsx workbook (a part does not match its declared size or checksum)" + advice
    return None


def _load_xlsx(data: bytes, record_type: str, out: ParsedFile) -> _Table:
    import fastexcel

    too_big = _xlsx_inflation(data)
    if too_big:
        raise _Reject(too_big)
    try:
        reader = fastexcel.read_excel(data)
        sheet_names = list(reader.sheet_names)
    except Exception as exc:  # noqa: BLE001
        raise _Reject(f"is a damaged or truncated xlsx workbook ({type(exc).__name__})") from None
    idx = None
    for i in range(len(sheet_names)):
        try:
            visible = reader.load_sheet(i, header_row=None, n_rows=1, dtypes="string").visible
        except Exception:  # noqa: BLE001 - an unreadable sheet is not the first visible one
            continue
        if visible == "visible":
            idx = i
            break
    if idx is None:
        raise _Reject("has no visible worksheet")
    if idx:
        out.warnings.append(
            f"{out.rel_path}: read the first visible sheet {sheet_names[idx]!r} "
            f"({idx} hidden sheet(s) before it skipped)"
        )
    try:
        sheet = reader.load_sheet(idx, header_row=None, dtypes="string", skip_rows=0)
        abs_cols = [c.absolute_index for c in sheet.available_columns()]
        df = sheet.to_polars()
    except Exception as exc:  # noqa: BLE001
        raise _Reject(f"worksheet {sheet_names[idx]!r} cannot be read ({type(exc).__name__})") from None
    if df.height == 0 or df.width == 0:
        raise _Reject(f"worksheet {sheet_names[idx]!r} is empty (no header, no rows)")
    df.columns = [f"c{i}" for i in range(df.width)]
    head = df.head(HEADER_SEARCH_ROWS).rows()
    h = None
    for i, row in enumerate(head):
        if is_header_row(list(row), record_type):
            h = i
            break
    if h is None:
        raise _no_header(record_type, f"the first {HEADER_SEARCH_ROWS} rows of sheet {sheet_names[idx]!r}")
    if h:
        out.warnings.append(f"{out.rel_path}: {h} row(s) above the header skipped")
    header = list(head[h])
    body = df.slice(h + 1)
    table = _Table(header=header, data=body)
    # Formula cells without a saved value and error cells read as empty: find them in the sheet XML.
    try:
        bad = _xlsx_bad_cells(data, sheet_names[idx])
    except Exception:  # noqa: BLE001 - the scan is a safety net; the values were read already
        bad = []
        out.warnings.append(f"{out.rel_path}: could not check the sheet for formulas without values")
    pos_of_col = {c: p for p, c in enumerate(abs_cols)}
    for row1, col0, raw in bad:
        ridx = row1 - 1 - (h + 1)
        pos = pos_of_col.get(col0)
        if ridx >= 0 and pos is not None and ridx < body.height:
            table.bad_cells.setdefault(pos, {})[ridx] = raw
    return table


_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S
)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_TYPE_E = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


def _xlsx_bad_cells(data: bytes, sheet_name: str) -> list[tuple[int, int, str]]:
    """(sheet row 1-based, column 0-based, shown raw) of formula cells without a saved value and
    of error cells, in the named sheet."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        wb = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
        rid = None
        for m in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)/?>", wb):
            attrs = m.group(1)
            nm = re.search(rb'\bname="([^"]*)"', attrs)
            if nm and _xml_unescape(nm.group(1).decode("utf-8")) == sheet_name:
                r = re.search(rb'\br:id="([^"]*)"', attrs) or re.search(rb'\bid="([^"]*)"', attrs)
                rid = r.group(1) if r else None
                break
        if rid is None:
            return []
        target = None
        for m in re.finditer(rb"<Relationship\b([^>]*)/?>", rels):
            attrs = m.group(1)
            if re.search(rb'\bId="' + re.escape(rid) + rb'"', attrs):
                t = re.search(rb'\bTarget="([^"]*)"', attrs)
                target = t.group(1).decode("utf-8") if t else None
                break
        if target is None:
            return []
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        xml = zf.read(path)
    # Fast byte searches first: most sheets have neither formulas nor error cells.
    if not (b"<f>" in xml or b"<f " in xml or b"<f/" in xml or b":f>" in xml or b":f " in xml or b't="e"' in xml):
        return []
    out = []
    for m in _CELL.finditer(xml):
        attrs, inner = m.group(1), m.group(2) or b""
        ref = _REF.search(attrs)
        if not ref:
            continue
        value = _VALUE.search(inner)
        if _TYPE_E.search(attrs):
            shown = value.group(1).decode("utf-8", "replace") if value else "#ERROR"
        elif _FORMULA.search(inner) and (value is None or value.group(1) == b""):
            shown = "(formula without a saved value)"
        else:
            continue
        out.append((int(ref.group(2)), _col_index(ref.group(1)), shown))
    return out


def _xml_unescape(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


# Parquet's run-length encoding lets a 2 MB file declare 50 million rows (14 GB in memory when read):
# real registers carry distinct IDs, several bytes a row, so the footer's row count is checked first.
PARQUET_MAX_ROWS = MAX_ROWS_PER_FILE
PARQUET_MIN_BYTES_PER_ROW_ABOVE = 1_000_000  # above this many rows, at least one byte of file a row
PARQUET_MAX_INFLATED = 16 << 30


def _parquet_too_big(data: bytes) -> str | None:
    try:
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(io.BytesIO(data)).metadata
        rows = meta.num_rows
        if meta.num_columns > MAX_COLUMNS:
            return (f"has {meta.num_columns:,} columns, more than a spreadsheet can hold ({MAX_COLUMNS:,}); "
                    "check the export")
        inflated = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    except Exception:  # noqa: BLE001 - a damaged footer is reported by the reader below
        return None
    if rows > PARQUET_MAX_ROWS or inflated > PARQUET_MAX_INFLATED or (
            rows > PARQUET_MIN_BYTES_PER_ROW_ABOVE and rows > len(data)):
        unpacked = f", {inflated / 2**30:,.0f} GiB unpacked" if inflated > 1 << 30 else ""
        return (f"is a parquet file of {len(data) / 2**20:,.1f} MiB that declares {rows:,} rows{unpacked}: "
                "more than a register export can hold; check the export")
    return None


def _load_parquet(data: bytes) -> _Table:
    if not data.rstrip(b"\x00").endswith(detect.PARQUET_MAGIC) or len(data) < 12:
        raise _Reject("is a truncated parquet file (no footer)")
    too_big = _parquet_too_big(data)
    if too_big:
        raise _Reject(too_big)
    try:
        df = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001
        raise _Reject(f"is a damaged parquet file ({type(exc).__name__})") from None
    header = list(df.columns)
    df.columns = [f"c{i}" for i in range(df.width)]
    return _Table(header=header, data=df)


# ==================================================================================================
# parsing the table
# ==================================================================================================

_MESSAGES = {
    "missing_required": "is required but empty",
    "invalid_date": "is not a date (accepted: 2025-03-14, 14/03/2025, an Excel serial date, a "
                    "date-time; years 1950-2100)",
    "invalid_money": "is not an amount in đồng (accepted: 1234567, 1.234.567, 1,234,567, "
                     "1.234.567 đ, 1.234.567,00)",
    "invalid_bool": "is not a yes/no value (accepted: true/false, 1/0, có/không, x; empty = no)",
    "invalid_int": "is not a whole number",
    "invalid_cell": "is a formula without a saved value or an error value; open the file in Excel "
                    "and save it again, or paste the values",
}


def _message_tail(reason: str, enum: str | None) -> str:
    if reason == "invalid_enum" and enum:
        return f"is not a code or label of {enum} (codes: {', '.join(ENUMS[enum])})"
    return _MESSAGES.get(reason, reason)


def _is_blank(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return col.is_null() | (col.str.strip_chars() == "")
    return col.is_null()


def _build(table: _Table, f: InboxFile, out: ParsedFile, ps: Pseudonymiser,
           safe_extra: tuple[str, ...]) -> None:
    rt = RECORD_TYPES[f.record_type]
    data = table.data
    schema = data.schema
    # Empty rows: every cell blank (the ragged overflow cells count as cells).
    blank_cols = [_is_blank(pl.col(c), schema[c]) for c in data.columns]
    empty_row = data.select(pl.all_horizontal(blank_cols) if blank_cols else pl.lit(True)).to_series()
    if table.ragged is not None:
        empty_row = empty_row & ~table.ragged
    for pos, cells in table.bad_cells.items():
        if cells:
            mask = pl.Series([False] * data.height)
            mask = mask.scatter(list(cells), True)
            empty_row = empty_row & ~mask
    n_empty = int(empty_row.sum())
    rows_read = data.height - n_empty

    hm = map_headers(table.header, f.record_type, safe_extra)
    if hm.duplicates:
        raise _Reject("; ".join(hm.duplicates) + "; keep one column per field", rows_read)
    if hm.missing:
        names = ", ".join(f"{c} ({rt.column(c).label})" for c in hm.missing)
        word = "column" if len(hm.missing) == 1 else "columns"
        raise _Reject(f"required {word} {names} missing", rows_read)
    if rows_read == 0:
        raise _Reject("has a header row but no data rows", 0)
    if n_empty:
        out.warnings.append(f"{f.rel_path}: {n_empty} empty row(s) skipped")

    # Unnamed columns holding data are dropped and listed; unnamed empty ones vanish silently.
    for pos in hm.unnamed:
        c = f"c{pos}"
        if c in data.columns and data.select((~_is_blank(pl.col(c), schema[c])).any()).item():
            hm.dropped.append(f"column_{pos + 1}")

    keep = ~empty_row
    row_no = pl.Series("source_row", range(1, data.height + 1), dtype=pl.Int32)
    data = data.filter(keep).with_columns(row_no.filter(keep))
    ragged = table.ragged.filter(keep) if table.ragged is not None else None
    ragged_raw = table.ragged_raw.filter(keep) if table.ragged_raw is not None else None
    kept_idx = pl.Series(range(len(keep))).filter(keep)
    bad_cells = {}
    if table.bad_cells:
        new_index = {int(old): i for i, old in enumerate(kept_idx.to_list())}
        for pos, cells in table.bad_cells.items():
            bad_cells[pos] = {new_index[r]: raw for r, raw in cells.items() if r in new_index}

    pos_of = {col: pos for pos, col in hm.columns.items()}
    n = data.height
    parsed: dict[str, pl.Series] = {}
    raw_text: dict[str, pl.Series] = {}
    q_parts: list[pl.DataFrame] = []

    for c in rt.columns:
        if c.name not in pos_of:
            dtype = DTYPES[c.kind]
            parsed[c.name] = pl.Series(c.name, [False] * n if c.kind == "bool" else [None] * n,
                                       dtype=dtype)
            continue
        src = data.get_column(f"c{pos_of[c.name]}").alias(c.name)
        p = parse_kind(src, c.kind, c.enum)
        parsed[c.name] = p.values.cast(DTYPES[c.kind])
        expr = pl.when(pl.lit(p.invalid)).then(pl.lit(REASONS.get(c.kind), dtype=pl.String))
        if c.required and c.kind != "bool":  # an empty boolean is false, never missing
            expr = expr.when(pl.lit(p.empty)).then(pl.lit("missing_required"))
        reason = pl.select(expr.otherwise(pl.lit(None, dtype=pl.String))).to_series()
        pos = pos_of[c.name]
        if pos in bad_cells and bad_cells[pos]:
            idx = list(bad_cells[pos])
            reason = reason.scatter(idx, "invalid_cell")
        raw = src if src.dtype == pl.String else _text(src)
        if pos in bad_cells and bad_cells[pos]:
            raw = raw.scatter(list(bad_cells[pos]), list(bad_cells[pos].values()))
        raw_text[c.name] = raw
        if reason.null_count() < n:
            q_parts.append(pl.DataFrame({
                "idx": pl.Series(range(n), dtype=pl.Int64),
                "column": pl.Series([c.name] * n, dtype=pl.String),
                "raw_value": raw,
                "reason": reason,
            }).filter(pl.col("reason").is_not_null()))

    if ragged is not None and ragged.any():
        q_parts.append(pl.DataFrame({
            "idx": pl.Series(range(n), dtype=pl.Int64),
            "column": pl.Series([None] * n, dtype=pl.String),
            "raw_value": ragged_raw,
            "reason": pl.Series(["malformed_row"] * n, dtype=pl.String),
        }).filter(ragged))

    key_raw = raw_text.get(rt.key)
    scrub = _Scrubber(ps, rt, data, pos_of)
    quarantine = _quarantine(q_parts, data, key_raw, f.rel_path, rt, scrub, len(table.header))
    bad_rows = (quarantine.get_column("source_row").unique()
                if quarantine.height else pl.Series([], dtype=pl.Int32))

    # The frame: clean rows only.
    frame = pl.DataFrame(parsed).with_columns(data.get_column("source_row"))
    extras = {}
    for pos, name in hm.extras.items():
        extras[name] = scrub.extra_column(_text(data.get_column(f"c{pos}")).str.strip_chars())
    if extras:
        frame = frame.with_columns(**{k: pl.when(v == "").then(None).otherwise(v) for k, v in extras.items()})
    frame = frame.filter(~pl.col("source_row").is_in(bad_rows.implode()))
    frame = _personal_columns(frame, rt, ps, out)
    frame = frame.with_columns(
        pl.lit(f.batch_date, dtype=pl.Date).alias("batch_date"),
        pl.lit(f.office_dir, dtype=pl.String).alias("batch_office"),
        pl.lit(f.rel_path, dtype=pl.String).alias("source_file"),
        pl.lit(out.sha256, dtype=pl.String).alias("file_sha256"),
    )
    canonical = [c for c in frame_schema(f.record_type) if c not in LINEAGE_SCHEMA]
    frame = frame.select(
        *[pl.col(c).cast(frame_schema(f.record_type)[c]) for c in canonical],
        *sorted(extras),
        *[pl.col(c).cast(t) for c, t in LINEAGE_SCHEMA.items()],
    )

    out.frame = frame
    out.quarantine = quarantine
    out.rows_read = rows_read
    out.dropped_extra_columns = [scrub.text_value(d) for d in hm.dropped]
    if hm.dropped:
        out.warnings.append(
            f"{f.rel_path}: {len(hm.dropped)} extra column(s) dropped (not listed as safe): "
            + ", ".join(out.dropped_extra_columns)
        )


def _text(s: pl.Series) -> pl.Series:
    return to_text(s)


def _quarantine(parts: list[pl.DataFrame], data: pl.DataFrame, key_raw: pl.Series | None,
                rel: str, rt: RecordType, scrub: "_Scrubber", n_header: int) -> pl.DataFrame:
    if not parts:
        return empty_quarantine()
    q = pl.concat(parts, how="vertical_relaxed")
    rows = data.get_column("source_row")
    keys = (key_raw.str.strip_chars() if key_raw is not None
            else pl.Series([None] * data.height, dtype=pl.String))
    keys = pl.select(pl.when(keys == "").then(None).otherwise(keys)).to_series()
    idx = q.get_column("idx")
    q = q.with_columns(
        rows.gather(idx).alias("source_row"),
        keys.gather(idx).alias("record_id"),
    )
    q = q.with_columns(
        scrub.raw_values(q.get_column("raw_value"), q.get_column("column")).alias("raw_value"),
        scrub.raw_values(q.get_column("record_id"), None).alias("record_id"),
    )
    enum_of = {c.name: c.enum for c in rt.columns}
    pairs = q.select("column", "reason").unique().rows()
    ragged_tail = (f"has more fields than the {n_header} header columns (an unquoted delimiter, "
                   "e.g. 1,234,567 in a comma-separated file?)")
    tail_df = pl.DataFrame(
        {"column": [c for c, _ in pairs], "reason": [r for _, r in pairs],
         "tail": [ragged_tail if r == "malformed_row" else _message_tail(r, enum_of.get(c))
                  for c, r in pairs]},
        schema={"column": pl.String, "reason": pl.String, "tail": pl.String},
    )
    q = q.join(tail_df, on=["column", "reason"], how="left", nulls_equal=True)
    what = (
        pl.when(pl.col("column").is_null()).then(pl.lit("the row"))
        .when(pl.col("reason") == "missing_required").then(pl.col("column"))
        .otherwise(pl.concat_str([pl.col("column"), pl.lit(" '"),
                                  pl.col("raw_value").fill_null(""), pl.lit("'")]))
    )
    q = q.with_columns(
        pl.concat_str([pl.lit(f"{rel} row "), pl.col("source_row").cast(pl.String), pl.lit(": "),
                       what, pl.lit(" "), pl.col("tail")]).alias("message"),
        pl.lit(rel).alias("source_file"),
    )
    return q.sort("source_row", "idx").select(
        [pl.col(c).cast(t) for c, t in QUARANTINE_SCHEMA.items()]
    )


# ==================================================================================================
# personal data
# ==================================================================================================

def normalise_id_digits(s: pl.Series) -> pl.Series:
    """Digits of an ID number; a 10- or 11-digit number is a 12-digit citizen ID whose leading
    zeros a spreadsheet dropped (CCCD numbers start with a 0 province code), an 8-digit one a
    9-digit ID card number: both are padded back so the same person keeps one pseudonym."""
    d = s.str.replace_all(r"\D", "")
    return pl.select(
        pl.when(d.str.len_chars().is_in([10, 11])).then(d.str.zfill(12))
        .when(d.str.len_chars() == 8).then(d.str.zfill(9))
        .when(d == "").then(None)
        .otherwise(d)
    ).to_series().alias(s.name)


def _map_unique_batch(s: pl.Series, fn_many) -> pl.Series:
    """``fn_many(list of distinct non-null values) -> list of results``, joined back per row."""
    distinct = s.drop_nulls().unique()
    if distinct.len() == 0:
        return pl.Series(s.name, [None] * len(s), dtype=pl.String)
    table = pl.DataFrame({"v": distinct,
                          "k": pl.Series(fn_many(distinct.to_list()), dtype=pl.String)})
    return (s.alias("v").to_frame().join(table, on="v", how="left", maintain_order="left")
            .get_column("k").alias(s.name))


def person_keys(ps: Pseudonymiser, values: list[str], by: str) -> list[str | None]:
    """``ps.person(v, None)`` (by="id") or ``ps.person(None, v)`` (by="name") for many values.

    Large batches (a million obligors) take a faster path that computes the very same HMAC with a
    pre-keyed hash object instead of re-keying per value; it is checked against
    ``Pseudonymiser.person`` on the first values and abandoned on any difference, so the pseudonyms
    are always exactly Pseudonymiser's.
    """
    def slow(v):
        return ps.person(v, None) if by == "id" else ps.person(None, v)

    key = getattr(ps, "_key", None)
    if len(values) < 2000 or not isinstance(key, (bytes, bytearray)):
        return [slow(v) for v in values]
    base = hmac.new(bytes(key), digestmod=hashlib.sha256)
    kind = "id" if by == "id" else "name"
    norm = (lambda v: v if v.isdigit() else normalise_id_number(v)) if by == "id" else normalise_name
    prefix = PSEUDONYM_PREFIX

    def fast(v):
        n = norm(v)
        if not n:
            return None
        h = base.copy()
        h.update(f"{kind}:{n}".encode())
        return prefix + h.hexdigest()[:20]

    probe = values[:5]
    if any(fast(v) != slow(v) for v in probe):
        return [slow(v) for v in values]
    return [fast(v) for v in values]


def _personal_columns(frame: pl.DataFrame, rt: RecordType, ps: Pseudonymiser,
                      out: ParsedFile) -> pl.DataFrame:
    if rt.name == "cases":
        ids = normalise_id_digits(frame.get_column("obligor_id_number"))
        raw_digits = frame.get_column("obligor_id_number").str.replace_all(r"\D", "")
        padded = int(((ids != raw_digits) & ids.is_not_null()).sum())
        if padded:
            out.warnings.append(
                f"{out.rel_path}: {padded} obligor ID number(s) had lost their leading zeros "
                "(a spreadsheet stored them as numbers); padded back to 9 or 12 digits"
            )
        # Pseudonyms are computed once per distinct ID / name, and a name only where no ID is.
        by_id = _map_unique_batch(ids, lambda vs: person_keys(ps, vs, by="id"))
        names = frame.get_column("obligor_name")
        by_name = _map_unique_batch(pl.select(pl.when(ids.is_null()).then(names)).to_series(),
                                    lambda vs: person_keys(ps, vs, by="name"))
        is_person = frame.get_column("obligee_type").is_in(PERSON_OBLIGEE_TYPES)
        obligee = frame.get_column("obligee_name")
        obligee_key = _map_unique_batch(pl.select(pl.when(is_person).then(obligee)).to_series(),
                                        lambda vs: person_keys(ps, vs, by="name"))
        otype = pl.col("obligee_type")
        frame = frame.with_columns(
            pl.coalesce(by_id, by_name).alias("obligor_key"),
            obligee_key.alias("obligee_key"),
            pl.when(otype.is_in(ORG_OBLIGEE_TYPES)).then(pl.col("obligee_name"))
            .alias("obligee_org_name"),
        ).drop(DROPPED_PERSONAL["cases"])
    elif rt.name == "status_events":
        frame = frame.with_columns(pl.col("reason").is_not_null().alias("has_reason")).drop("reason")
    return frame


class _Scrubber:
    """Replaces personal values in quarantine raw values, record IDs and kept extra columns.

    - a raw value of a personal column becomes that person's pseudonym;
    - any other raw value that equals (folded) a name or ID number of a personal column of the same
      file becomes ``Pseudonymiser.text()`` of it;
    - every run of exactly 9 or 12 digits in what remains becomes the pseudonym of that ID number.
    """

    def __init__(self, ps: Pseudonymiser, rt: RecordType, data: pl.DataFrame, pos_of: dict[str, int]):
        self.ps = ps
        self.rt = rt
        self.data = data
        self.personal = {c.name: pos_of[c.name] for c in rt.columns
                         if (c.personal or c.free_text) and c.name in pos_of}
        self._folded: dict[int, pl.Series] = {}  # per personal column: distinct folded values
        self._digit_sets: dict[int, pl.Series] = {}

    def _column(self, pos: int) -> pl.Series:
        col = self.data.get_column(f"c{pos}")
        return col if col.dtype == pl.String else _text(col)

    def _personal_folded(self, candidates: set[str]) -> set[str]:
        """Which of ``candidates`` (folded values, or digit strings) equal a folded name or value,
        or the digits of an ID, in the file's personal and free-text columns."""
        if not candidates or not self.personal:
            return set()
        cand = pl.Series(sorted(candidates), dtype=pl.String)
        hits: set[str] = set()
        for pos in self.personal.values():
            if pos not in self._folded:
                col = self._column(pos).drop_nulls().unique()
                self._folded[pos] = fold_series(col)
                d = col.str.replace_all(r"\D", "")
                self._digit_sets[pos] = d.filter(d.str.len_chars() >= 6).unique()
            hits |= set(cand.filter(cand.is_in(self._folded[pos].implode())).to_list())
            hits |= set(cand.filter(cand.is_in(self._digit_sets[pos].implode())).to_list())
        return hits

    def _digits(self, value: str) -> str:
        return _DIGIT_RUN.sub(lambda m: self.ps.person(m.group(1), None) or m.group(1), value)

    def text_value(self, value: str) -> str:
        return self._digits(value)

    def raw_values(self, raw: pl.Series, columns: pl.Series | None) -> pl.Series:
        if raw.len() == 0:
            return raw
        raw = raw.cast(pl.String)
        cols = columns if columns is not None else pl.Series([None] * raw.len(), dtype=pl.String)
        distinct = pl.DataFrame({"raw": raw, "column": cols}).unique().drop_nulls("raw")
        values = distinct.get_column("raw").unique()
        folded = dict(zip(values.to_list(), fold_series(values).to_list()))
        digits_only = {v: re.sub(r"\D", "", v) for v in folded}
        personal_hits = self._personal_folded(
            set(folded.values()) | {d for d in digits_only.values() if len(d) >= 6}
        )
        mapping: dict[tuple[str | None, str], str] = {}
        for v, col in distinct.iter_rows():
            c = self.rt.column(col) if col else None
            if c is not None and c.personal:
                if c.name == "obligor_id_number":
                    d = normalise_id_digits(pl.Series([v])).item()
                    mapping[(col, v)] = self.ps.person(d, None) if d else self.ps.text(v)
                else:
                    mapping[(col, v)] = self.ps.person(None, v) or self.ps.text(v)
            elif c is not None and c.free_text:
                mapping[(col, v)] = self.ps.text(v)
            elif folded[v] in personal_hits or (len(digits_only[v]) >= 6
                                                and digits_only[v] in personal_hits
                                                and digits_only[v] == v.strip()):
                mapping[(col, v)] = self.ps.text(v)
            else:
                mapping[(col, v)] = self._digits(v)
        keyed = pl.DataFrame({"raw": raw, "column": cols})
        table = pl.DataFrame(
            {"raw": [k[1] for k in mapping], "column": [k[0] for k in mapping],
             "scrubbed": list(mapping.values())},
            schema={"raw": pl.String, "column": pl.String, "scrubbed": pl.String},
        )
        return keyed.join(table, on=["raw", "column"], how="left", nulls_equal=True,
                          maintain_order="left").get_column("scrubbed").alias(raw.name)

    def extra_column(self, s: pl.Series) -> pl.Series:
        has = s.str.contains(_DIGIT_RUN_RS).fill_null(False)
        if not has.any():
            return s
        return _map_unique_keep(s, has, self._digits)


def _map_unique_keep(s: pl.Series, mask: pl.Series, fn) -> pl.Series:
    distinct = s.filter(mask).unique().to_list()
    mapping = {v: fn(v) for v in distinct}
    return s.replace(mapping)
