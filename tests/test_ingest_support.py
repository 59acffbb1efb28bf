"""Helpers shared by the ingest tests (no tests here): tiny inbox files written by hand."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest

from thads.pseudonym import Pseudonymiser, load_or_create_key
from transforms.ingest.inbox import InboxFile, scan_inbox
from transforms.ingest.read import ParsedFile, read_file

BATCH = "2026-06-30"
OFFICE = "NA01"

CASES_HEADER = (
    "case_id,office_code,officer_id,judgment_no,judgment_type,initiation,received_date,"
    "decision_date,obligee_type,obligee_name,obligor_name,obligor_id_number,credit_case,"
    "credit_institution,amount_due,status,status_date"
)


def case_row(case_id="C1", received="2025-03-14", amount="1000000", obligor="Nguyễn Văn An",
             id_number="001085012345", obligee="Trần Thị Bình", obligee_type="ca_nhan",
             credit="0", institution="", status="dang_thi_hanh", status_date="2025-03-14",
             decision="", judgment_type="dan_su", initiation="chu_dong", officer="E1",
             judgment_no="12/2024/DS-ST", office="NA01") -> str:
    cells = [case_id, office, officer, judgment_no, judgment_type, initiation, received, decision,
             obligee_type, obligee, obligor, id_number, credit, institution, amount, status,
             status_date]
    return ",".join(_quote(c) for c in cells)


def _quote(cell: str) -> str:
    return f'"{cell}"' if ("," in cell or '"' in cell) else cell


def inbox_file(root: Path, name: str, content: bytes | str, batch: str = BATCH,
               office: str = OFFICE, encoding: str = "utf-8") -> InboxFile:
    """Write ``content`` at <root>/<batch>/<office>/<name> and return its InboxFile."""
    folder = root / batch / office
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    stem, ext = name.split(".", 1)
    return InboxFile(date.fromisoformat(batch), office, stem, path, f"{batch}/{office}/{name}")


@pytest.fixture
def ps(tmp_path) -> Pseudonymiser:
    return Pseudonymiser(load_or_create_key(tmp_path / "config" / "pseudonym.key"))


def read(root: Path, name: str, content, ps: Pseudonymiser, safe=(), **kw) -> ParsedFile:
    return read_file(inbox_file(root / "inbox", name, content, **kw), ps, safe)


def accounted(pf: ParsedFile) -> bool:
    """The reader's invariant: every row read is either in the frame or quarantined."""
    if pf.rejected:
        return pf.frame is None
    return pf.rows_read == pf.frame.height + pf.quarantine.get_column("source_row").n_unique()


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese the way Windows-1258 does: base letters (â ê ô ơ ư ă đ precomposed) plus
    separate combining tone marks."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out, cluster, marks = [], "", ""
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if ch in tones:
                marks += ch
            else:
                cluster += ch
        else:
            out.append(unicodedata.normalize("NFC", cluster) + marks)
            cluster, marks = ch, ""
    out.append(unicodedata.normalize("NFC", cluster) + marks)
    return "".join(out).encode("cp1258")


def scan(root: Path, **kw):
    return scan_inbox(root, **kw)
