"""Header rows: finding them below title rows, and mapping header cells to canonical columns.

Matching uses ``thads.contract.header_lookup`` (canonical name or Vietnamese label; case, spaces and
diacritics ignored). Before the lookup a header loses decorations offices add to templates: a
required-field star (``Mã việc (*)``, ``Mã việc*``), a trailing colon and a unit in brackets
(``Số tiền phải thi hành (đồng)``, ``(VNĐ)``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from thads.contract import RECORD_TYPES, fold, header_lookup

HEADER_SEARCH_ROWS = 30  # title rows above the header: looked for in the first 30 rows
_DECORATION = re.compile(r"(\s*(\(\s*\*\s*\)|\*|:|\(\s*(d|dong|vnd|vnd\.|trieu dong)\s*\)))+$")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def clean_header(cell: object) -> str:
    """Folded header text without template decorations ('' for an empty cell)."""
    if cell is None:
        return ""
    text = fold(str(cell))
    return _DECORATION.sub("", text).strip()


def canonical(cell: object, record_type: str) -> str | None:
    return header_lookup(record_type).get(clean_header(cell))


def extra_name(folded: str) -> str:
    """Output column name of a kept extra column: ``extra_<folded name, non-alphanumerics as _>``."""
    return "extra_" + (_NOT_WORD.sub("_", folded).strip("_") or "column")


def header_score(cells: list[object], record_type: str) -> tuple[int, int]:
    """(distinct known columns, non-empty cells) of a candidate header row."""
    lookup = header_lookup(record_type)
    names = [clean_header(c) for c in cells]
    non_empty = [n for n in names if n]
    known = {lookup[n] for n in non_empty if n in lookup}
    return len(known), len(non_empty)


def is_header_row(cells: list[object], record_type: str) -> bool:
    """Most non-empty cells name known columns (or every required column is there), at least two."""
    known, non_empty = header_score(cells, record_type)
    required = len(RECORD_TYPES[record_type].required_columns)
    return known >= 2 and (known * 2 >= non_empty or known >= required)


def find_header_row(rows: list[list[object]], record_type: str) -> int | None:
    """Index of the first header row among ``rows`` (only the first HEADER_SEARCH_ROWS looked at)."""
    for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if is_header_row(cells, record_type):
            return i
    return None


@dataclass
class HeaderMap:
    columns: dict[int, str] = field(default_factory=dict)  # position -> canonical column
    extras: dict[int, str] = field(default_factory=dict)  # position -> extra_<name> (kept)
    dropped: list[str] = field(default_factory=list)  # folded names of dropped extra columns
    duplicates: list[str] = field(default_factory=list)  # messages
    missing: list[str] = field(default_factory=list)  # required canonical columns absent
    unnamed_empty: list[int] = field(default_factory=list)  # no header and (checked later) no data
    unnamed: list[int] = field(default_factory=list)  # positions without a header


def map_headers(
    cells: list[object], record_type: str, safe_extra_columns=()
) -> HeaderMap:
    """Map each header cell by position. Never raises."""
    lookup = header_lookup(record_type)
    safe = {clean_header(x) for x in safe_extra_columns if clean_header(x)}
    out = HeaderMap()
    seen: dict[str, int] = {}
    extra_seen: set[str] = set()
    for pos, cell in enumerate(cells):
        name = clean_header(cell)
        if not name:
            out.unnamed.append(pos)
            continue
        col = lookup.get(name)
        if col is not None:
            if col in seen:
                first = seen[col]
                out.duplicates.append(
                    f"columns {first + 1} ({_show(cells[first])}) and {pos + 1} ({_show(cell)}) "
                    f"both map to {col}"
                )
            else:
                seen[col] = pos
                out.columns[pos] = col
            continue
        if name in safe and extra_name(name) not in extra_seen:
            extra_seen.add(extra_name(name))
            out.extras[pos] = extra_name(name)
        else:
            out.dropped.append(name)
    present = set(out.columns.values())
    out.missing = [c for c in RECORD_TYPES[record_type].required_columns if c not in present]
    return out


def _show(cell: object) -> str:
    return repr(str(cell).strip())
