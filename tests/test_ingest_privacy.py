"""Personal data never leaves read_file in clear: not in the frame, not in the quarantine (raw
values, record IDs, messages), not in warnings, dropped column names or rejection messages."""

from __future__ import annotations

import io

import openpyxl
import polars as pl

from test_ingest_support import (  # noqa: F401 - ps is a fixture
    CASES_HEADER, accounted, case_row, inbox_file, ps, read,
)
from thads.contract import fold
from thads.pseudonym import Pseudonymiser, load_or_create_key
from transforms.ingest.read import person_keys, read_file

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thu Dung"]
IDS = ["001085012345", "079190123456", "123456789"]


def _everything(pf) -> str:
    """All text that leaves the reader, in one string."""
    parts = [pf.rejected or "", *pf.warnings, *pf.dropped_extra_columns]
    if pf.frame is not None:
        parts.append(pf.frame.write_csv())
    parts.append(pf.quarantine.write_csv())
    return "\n".join(parts)


def _assert_clean(pf, names=NAMES, ids=IDS):
    blob = _everything(pf)
    folded = fold(blob)
    for name in names:
        assert name not in blob and fold(name) not in folded, name
    for number in ids:
        assert number not in blob, number


def test_frame_holds_keys_not_names_or_ids(tmp_path, ps):
    rows = [
        case_row("P1", obligor=NAMES[0], id_number=IDS[0], obligee=NAMES[1]),
        case_row("P2", obligor=NAMES[2], id_number="", obligee=NAMES[3], obligee_type="khac"),
        case_row("P3", obligor=NAMES[0], id_number="001-085-012-345", obligee="Vietcombank",
                 obligee_type="to_chuc_tin_dung"),
    ]
    pf = read(tmp_path, "cases.csv", CASES_HEADER + "\n" + "\n".join(rows) + "\n", ps)
    assert pf.rejected is None
    for col in ("obligee_name", "obligor_name", "obligor_id_number"):
        assert col not in pf.frame.columns
    got = {r["case_id"]: r for r in pf.frame.to_dicts()}
    # pseudonym from the ID when there is one (same digits, same key), else from the name
    assert got["P1"]["obligor_key"] == ps.person(IDS[0], None) == got["P3"]["obligor_key"]
    assert got["P2"]["obligor_key"] == ps.person(None, NAMES[2])
    assert got["P1"]["obligee_key"] == ps.person(None, NAMES[1])
    assert got["P2"]["obligee_key"] == ps.person(None, NAMES[3])  # 'khac' is treated as a person
    assert got["P1"]["obligee_org_name"] is None
    assert got["P3"]["obligee_org_name"] == "Vietcombank" and got["P3"]["obligee_key"] is None
    _assert_clean(pf)


def test_quarantine_raw_values_are_scrubbed(tmp_path, ps):
    rows = [
        # a name slipped into the money column (a shifted export): the raw value is pseudonymised
        case_row("Q1", obligor=NAMES[0], amount=NAMES[0].upper()),
        # a 12-digit ID number inside a bad date value: the digits are replaced
        case_row("Q2", received=f"CCCD {IDS[1]}"),
        # a 9-digit number as the enum value
        case_row("Q3", status=IDS[2]),
        # the record ID itself equals a person's name
        case_row(NAMES[3], amount="1,5", obligor=NAMES[3]),
    ]
    pf = read(tmp_path, "cases.csv", CASES_HEADER + "\n" + "\n".join(rows) + "\n", ps)
    q = {e["source_row"]: e for e in pf.quarantine.to_dicts()}
    assert q[1]["raw_value"] == ps.text(NAMES[0].upper())
    assert q[2]["raw_value"] == f"CCCD {ps.person(IDS[1], None)}"
    assert q[3]["raw_value"] == ps.person(IDS[2], None)
    assert q[4]["record_id"] == ps.text(NAMES[3]) and q[4]["raw_value"] == "1,5"
    assert accounted(pf)
    _assert_clean(pf)


def test_status_event_reason_is_dropped(tmp_path, ps):
    text = ("case_id,office_code,event_date,status,reason\n"
            f"C1,NA01,2025-03-14,hoan,{NAMES[0]} (CCCD {IDS[0]}) xin hoãn\n"
            f"C1,NA01,2025-13-14,hoan,{NAMES[1]}\n")  # bad date: quarantined
    pf = read(tmp_path, "status_events.csv", text, ps)
    assert pf.frame.get_column("has_reason").to_list() == [True]
    assert pf.quarantine.get_column("reason").to_list() == ["invalid_date"]
    _assert_clean(pf)


def test_dropped_and_kept_extra_columns(tmp_path, ps):
    text = ("payment_id,case_id,office_code,payment_date,amount,kind,Người nộp,Ghi chú\n"
            f"P1,C1,NA01,2025-03-14,100,tu_nguyen,{NAMES[0]},nộp thay cho CCCD {IDS[0]}\n")
    pf = read(tmp_path, "payments.csv", text, ps, safe=("ghi chu",))
    assert pf.dropped_extra_columns == ["nguoi nop"]
    assert pf.frame.get_column("extra_ghi_chu").to_list() == [
        f"nộp thay cho CCCD {ps.person(IDS[0], None)}"]
    _assert_clean(pf)


def test_rejected_file_messages_hold_no_personal_data(tmp_path, ps):
    header = CASES_HEADER.replace(",amount_due", "")
    row = case_row(obligor=NAMES[0], id_number=IDS[0]).replace(",1000000,", ",")
    pf = read(tmp_path, "cases.csv", header + "\n" + row + "\n", ps)
    assert pf.rejected and pf.frame is None
    _assert_clean(pf)


def test_same_person_same_pseudonym_across_files_and_formats(tmp_path):
    key_file = tmp_path / "config" / "k"
    csv_text = CASES_HEADER + "\n" + case_row("X1", obligor=NAMES[0], id_number=IDS[0]) + "\n"
    # the same person in an xlsx whose ID cell is a number: its leading zeros were lost
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(CASES_HEADER.split(","))
    ws.append(case_row("X2", obligor=NAMES[0].upper(), id_number="0").split(","))
    ws.cell(row=2, column=12).value = int(IDS[0])  # 1085012345: 10 digits
    ws.cell(row=2, column=15).value = 1000000
    bio = io.BytesIO()
    wb.save(bio)
    # a second key-file load (a later night) gives the same key, so the same pseudonyms
    ps1 = Pseudonymiser(load_or_create_key(key_file))
    ps2 = Pseudonymiser(load_or_create_key(key_file))
    a = read_file(inbox_file(tmp_path / "inbox", "cases.csv", csv_text, office="NA01"), ps1)
    b = read_file(inbox_file(tmp_path / "inbox", "cases.xlsx", bio.getvalue(), office="NA02"), ps2)
    assert a.rejected is None and b.rejected is None, (a.rejected, b.rejected)
    ka = a.frame.get_column("obligor_key").to_list()
    kb = b.frame.get_column("obligor_key").to_list()
    assert ka == kb == [ps1.person(IDS[0], None)]
    assert any("leading zeros" in w for w in b.warnings)
    _assert_clean(a)
    _assert_clean(b)


def test_batch_pseudonyms_equal_pseudonymiser(ps):
    ids = [f"{i:012d}" for i in range(3000)] + ["079-190-123-456"]
    names = [f"Nguyễn  Văn {i}" for i in range(2500)] + ["  TRẦN thị bình "]
    assert person_keys(ps, ids, by="id") == [ps.person(i, None) for i in ids]
    assert person_keys(ps, names, by="name") == [ps.person(None, n) for n in names]


def test_large_file_pseudonyms_match(tmp_path, ps):
    # enough distinct people to take the batch path; every key still equals Pseudonymiser's
    rows = [case_row(f"L{i}", obligor=f"Người {i}", id_number=f"0{i:011d}" if i % 2 else "")
            for i in range(4500)]
    pf = read(tmp_path, "cases.csv", CASES_HEADER + "\n" + "\n".join(rows) + "\n", ps)
    got = dict(pf.frame.select("case_id", "obligor_key").rows())
    for i in (0, 1, 2, 4499):
        want = ps.person(f"0{i:011d}", None) if i % 2 else ps.person(None, f"Người {i}")
        assert got[f"L{i}"] == want
    assert pf.frame.get_column("obligor_key").null_count() == 0
    assert pl.Series(list(got.values())).n_unique() == 4500
