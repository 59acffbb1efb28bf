"""File writers that take a file chunk by chunk: CSV (UTF-8, BOM, Windows-1258), Excel, Parquet.

Each writer is opened once per file, fed typed chunks (`frames.Frames.build`) in row order, and
closed. Output is byte-for-byte reproducible: fixed workbook properties, fixed Parquet settings.
`raw` cells (defects such as `31/02/2025` or `12tr` in a date or money column) are written as text.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import xlsxwriter

from thads.contract import RECORD_TYPES
from thads.generate import cp1258
from thads.generate.formats import Style, as_cells, as_text, header

EXCEL_MAX_ROWS = 1_048_576
EXCEL_EPOCH_SHIFT = 25569  # Excel serial number of 1970-01-01

Raw = dict[str, dict[int, str]]  # column -> {row within chunk: text}
_FAST_ROWS = True  # XlsxWriter: stream rows as XML (see `XlsxWriter._write_xml`); tests flip it to compare


def _col_letter(j: int) -> str:
    return chr(ord("A") + j)  # record types have at most 17 columns


def _inline(letter: str, row: int, text: str) -> str:
    if text == "":
        return ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<c r="{letter}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


class CsvWriter:
    def __init__(self, path: Path, record_type: str, style: Style):
        self.path, self.rt, self.style = path, record_type, style
        self.fh = open(path, "wb")
        cols = RECORD_TYPES[record_type].columns
        line = style.delimiter.join(_quote(header(c, style), style.delimiter) for c in cols) + "\r\n"
        if style.encoding == "utf-8-sig":
            self.fh.write(b"\xef\xbb\xbf")
        self.fh.write(cp1258.encode(line) if style.encoding == "cp1258" else line.encode("utf-8"))

    def write(self, df: pl.DataFrame, raw: Raw) -> None:
        text = as_text(df, self.rt, self.style)
        for col, cells in raw.items():
            rows = list(cells)
            text = text.with_columns(text[col].scatter(rows, [cells[r] for r in rows]))
        if self.style.encoding == "cp1258":
            text = cp1258.decompose_columns(text)
        buf = io.BytesIO()
        text.write_csv(buf, include_header=False, separator=self.style.delimiter, line_terminator="\r\n",
                       quote_style="necessary", null_value="")
        data = buf.getvalue()
        self.fh.write(data.decode("utf-8").encode("cp1258") if self.style.encoding == "cp1258" else data)

    def close(self) -> None:
        self.fh.close()


def _quote(value: str, delimiter: str) -> str:
    return f'"{value}"' if delimiter in value or '"' in value else value


class XlsxWriter:
    """One sheet, title rows above the header, then rows streamed in constant-memory mode."""

    def __init__(self, path: Path, record_type: str, style: Style, title_lines: list[str], created: date):
        self.rt, self.style = record_type, style
        self.wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.wb.set_properties({"created": datetime(created.year, created.month, created.day),
                                "author": "THADS", "title": RECORD_TYPES[record_type].label})
        name = RECORD_TYPES[record_type].label.replace(",", "")[:31]
        self.ws = self.wb.add_worksheet(name)
        self.date_fmt = self.wb.add_format({"num_format": "dd/mm/yyyy"})
        self.money_fmt = self.wb.add_format({"num_format": "#,##0"})
        bold = self.wb.add_format({"bold": True})
        self.date_xf, self.money_xf = self.date_fmt._get_xf_index(), self.money_fmt._get_xf_index()
        for i, line in enumerate(title_lines):
            self.ws.write_string(i, 0, line, bold)
        cols = RECORD_TYPES[record_type].columns
        self.row = len(title_lines)
        for j, c in enumerate(cols):
            self.ws.write_string(self.row, j, header(c, style), bold)
        self.row += 1

    def write(self, df: pl.DataFrame, raw: Raw) -> None:
        cells = as_cells(df, self.rt, self.style)
        if _FAST_ROWS and all(hasattr(self.ws, a) for a in ("fh", "previous_row", "dim_rowmax", "_write_single_row")):
            self._write_xml(cells, raw)
        else:
            self._write_cells(cells, raw)
        self.row += len(cells)

    def _write_xml(self, cells: pl.DataFrame, raw: Raw) -> None:
        """Rows as sheet XML, built column-wise by polars and appended to xlsxwriter's row stream.

        xlsxwriter's per-cell API costs ~5 µs a cell, a minute per million cases; this writes the very
        XML its constant-memory mode writes (inline strings, one <row> per row), so the workbook stays
        xlsxwriter's own (styles, properties, zip). `_write_cells` is the plain-API equivalent.
        """
        n = len(cells)
        if n == 0:
            return
        ws = self.ws
        ws._write_single_row(self.row)  # flush the header (or last) row the API still holds
        first = self.row + 1  # 1-based number of the first row written here
        rn = pl.int_range(first, first + n, eager=True).cast(pl.String).alias("rn")
        frags = []
        for j, col in enumerate(RECORD_TYPES[self.rt].columns):
            ref = pl.concat_str(pl.lit(f'<c r="{_col_letter(j)}'), pl.col("rn"))
            v = pl.col(col.name)
            if col.kind == "date":
                e = pl.concat_str(ref, pl.lit(f'" s="{self.date_xf}"><v>'),
                                  (v.cast(pl.Int32) + EXCEL_EPOCH_SHIFT).cast(pl.String), pl.lit("</v></c>"))
            elif col.kind in ("money", "int"):
                style = f' s="{self.money_xf}"' if col.kind == "money" else ""
                e = pl.concat_str(ref, pl.lit(f'"{style}><v>'), v.cast(pl.String), pl.lit("</v></c>"))
            elif cells[col.name].dtype == pl.Boolean:
                e = pl.concat_str(ref, pl.lit('" t="b"><v>'), v.cast(pl.Int8).cast(pl.String), pl.lit("</v></c>"))
            else:
                text = v.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True) \
                    .str.replace_all(">", "&gt;", literal=True)
                e = pl.concat_str(ref, pl.lit('" t="inlineStr"><is><t>'), text, pl.lit("</t></is></c>"))
            frags.append(e.fill_null("").alias(col.name))
        xml = cells.with_columns(rn).select(frags)
        for col, overrides in raw.items():
            j = RECORD_TYPES[self.rt].column_names.index(col)
            rows = sorted(overrides)
            texts = [_inline(_col_letter(j), first + r, overrides[r]) for r in rows]
            xml = xml.with_columns(xml[col].scatter(rows, texts))
        lines = xml.with_columns(rn).select(
            pl.concat_str(pl.lit('<row r="'), pl.col("rn"), pl.lit('">'), *xml.columns, pl.lit("</row>")))
        ws.fh.write("".join(lines.to_series().to_list()))
        ws.dim_rowmax = max(ws.dim_rowmax or 0, self.row + n - 1)
        ws.previous_row = self.row + n

    def _write_cells(self, cells: pl.DataFrame, raw: Raw) -> None:
        """The same rows through xlsxwriter's public per-cell API (slow, used if its internals change)."""
        ws = self.ws
        writers = []
        for j, col in enumerate(RECORD_TYPES[self.rt].columns):
            s = cells[col.name]
            if col.kind == "date":
                values = (s.cast(pl.Int32) + EXCEL_EPOCH_SHIFT).to_list()
                writers.append((j, values, ws.write_number, self.date_fmt, raw.get(col.name)))
            elif col.kind in ("money", "int"):
                fmt = self.money_fmt if col.kind == "money" else None
                writers.append((j, s.to_list(), ws.write_number, fmt, raw.get(col.name)))
            elif s.dtype == pl.Boolean:
                writers.append((j, s.to_list(), ws.write_boolean, None, raw.get(col.name)))
            else:
                writers.append((j, s.to_list(), ws.write_string, None, raw.get(col.name)))
        for i in range(len(cells)):
            r = self.row + i
            for j, values, fn, fmt, override in writers:
                if override is not None and i in override:
                    if override[i] != "":
                        ws.write_string(r, j, override[i])
                    continue
                v = values[i]
                if v is None or v == "":
                    continue
                if fmt is None:
                    fn(r, j, v)
                else:
                    fn(r, j, v, fmt)

    def close(self) -> None:
        self.wb.close()


class ParquetWriter:
    def __init__(self, path: Path, record_type: str, style: Style):
        self.path, self.rt = path, record_type
        self.writer: pq.ParquetWriter | None = None

    def write(self, df: pl.DataFrame, raw: Raw) -> None:
        if raw:
            raise ValueError("Parquet columns are typed: raw text cannot be written")  # planner prevents it
        table = df.to_arrow(compat_level=pl.CompatLevel.oldest())
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema, compression="zstd", compression_level=3,
                                           use_dictionary=True, write_statistics=True, version="2.6")
        self.writer.write_table(table.cast(self.writer.schema) if table.schema != self.writer.schema else table)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def open_writer(path: Path, record_type: str, style: Style, title_lines: list[str], created: date):
    if style.kind == "csv":
        return CsvWriter(path, record_type, style)
    if style.kind == "xlsx":
        return XlsxWriter(path, record_type, style, title_lines, created)
    return ParquetWriter(path, record_type, style)

