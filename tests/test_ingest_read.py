"""read_file on each format and encoding, each messy value form, and each kind of bad file.

Expected values are worked out by hand in the comments, never copied from the reader's output.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import polars as pl
import pytest
import xlsxwriter

from test_ingest_support import (  # noqa: F401 - ps is a fixture
    CASES_HEADER, accounted, case_row, inbox_file, ps, read, to_cp1258,
)
from transforms.ingest.read import QUARANTINE_SCHEMA, frame_schema, read_file

REL = "2026-06-30/NA01/"


def _cases_csv(*rows: str, header: str = CASES_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def _row(pf, case_id: str) -> dict:
    return pf.frame.filter(pl.col("case_id") == case_id).to_dicts()[0]


# ---------------------------------------------------------------------------------------------
# formats and encodings
# ---------------------------------------------------------------------------------------------

def test_utf8_comma_csv_canonical_headers(tmp_path, ps):
    pf = read(tmp_path, "cases.csv", _cases_csv(case_row()), ps)
    assert pf.rejected is None and pf.format == "csv" and pf.encoding == "utf-8"
    assert pf.rows_read == 1 and pf.frame.height == 1 and pf.quarantine.height == 0
    r = _row(pf, "C1")
    assert r["received_date"] == date(2025, 3, 14)
    assert r["amount_due"] == 1_000_000
    assert r["credit_case"] is False
    assert r["judgment_type"] == "dan_su" and r["status"] == "dang_thi_hanh"
    assert r["credit_institution"] is None  # empty -> null
    # lineage at the end
    assert pf.frame.columns[-5:] == ["batch_date", "batch_office", "source_file", "source_row",
                                     "file_sha256"]
    assert r["batch_date"] == date(2026, 6, 30) and r["batch_office"] == "NA01"
    assert r["source_file"] == REL + "cases.csv" and r["source_row"] == 1
    assert r["file_sha256"] == pf.sha256 and len(pf.sha256) == 64
    assert dict(pf.frame.schema) == frame_schema("cases")
    assert dict(pf.quarantine.schema) == QUARANTINE_SCHEMA


def test_bom_semicolon_vietnamese_labels(tmp_path, ps):
    header = ("Mã việc;Mã đơn vị;Mã chấp hành viên;Số bản án, quyết định;Loại việc;Hình thức thi hành;"
              "NGÀY THỤ LÝ;ngay ra quyet dinh thi hanh an;Loại người được thi hành án;"
              "Người được thi hành án;Người phải thi hành án;Số định danh người phải thi hành án;"
              "Án tín dụng, ngân hàng;Tổ chức tín dụng;  Số tiền phải thi hành  ;Trạng thái;Ngày trạng thái")
    row = ("C9;NA01;;5/2025/KDTM;Kinh doanh thương mại;Theo yêu cầu;14/03/2025;;Tổ chức tín dụng;"
           "Ngân hàng TMCP Ngoại thương Việt Nam;Lê Văn Cường;;Có;Vietcombank;1.234.567,00;"
           "Thi hành xong;30/06/2025")
    pf = read(tmp_path, "cases.csv", "\ufeff" + header + "\r\n" + row + "\r\n", ps)
    assert pf.rejected is None, pf.rejected
    assert pf.encoding == "utf-8-sig"
    r = _row(pf, "C9")
    assert r["judgment_type"] == "kinh_doanh_thuong_mai"
    assert r["initiation"] == "theo_don"  # label "Theo yêu cầu"
    assert r["received_date"] == date(2025, 3, 14)
    assert r["obligee_type"] == "to_chuc_tin_dung"
    assert r["obligee_org_name"] == "Ngân hàng TMCP Ngoại thương Việt Nam"  # a bank: in clear
    assert r["obligee_key"] is None
    assert r["credit_case"] is True and r["credit_institution"] == "Vietcombank"
    assert r["amount_due"] == 1_234_567
    assert r["status"] == "xong" and r["status_date"] == date(2025, 6, 30)  # last field, \r stripped


def test_cp1258_csv(tmp_path, ps):
    text = _cases_csv(case_row(case_id="C5", obligor="Nguyễn Văn An", id_number="",
                               status="Đang thi hành", judgment_type="Hôn nhân và gia đình"))
    data = to_cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8
    pf = read(tmp_path, "cases.csv", data, ps)
    assert pf.rejected is None, pf.rejected
    assert pf.encoding == "cp1258"
    r = _row(pf, "C5")
    assert r["status"] == "dang_thi_hanh" and r["judgment_type"] == "hon_nhan_gia_dinh"
    # decoded + NFC-normalised, so the name pseudonym is the one of the NFC name
    assert r["obligor_key"] == ps.person(None, "Nguyễn Văn An")


def test_cp1258_title_line_and_labels(tmp_path, ps):
    header = "Mã việc;Mã đơn vị;Ngày;Trạng thái;Lý do"
    text = "BÁO CÁO DIỄN BIẾN TRẠNG THÁI\n" + header + "\nC1;NA01;14/03/2025;Hoãn;\n"
    pf = read(tmp_path, "status_events.csv", to_cp1258(text), ps)
    assert pf.rejected is None, pf.rejected
    assert pf.frame.to_dicts()[0]["status"] == "hoan"
    assert any("1 line(s) above the header" in w for w in pf.warnings)


def _xlsx_openpyxl() -> bytes:
    """Hidden first sheet, title rows (one merged), date cells, serials, a formula without a saved
    value and an error cell."""
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Cũ"
    hidden.append(["case_id", "office_code"])  # would be read if hidden sheets were not skipped
    hidden.sheet_state = "hidden"
    ws = wb.create_sheet("Dữ liệu")
    wb.active = 1
    ws["A1"] = "BÁO CÁO VIỆC THI HÀNH ÁN"
    ws.merge_cells("A1:F1")
    ws["A2"] = "Ngày xuất: 30/06/2026"
    ws.append([])
    ws.append(["Mã tài sản", "Mã việc", "Mã đơn vị", "Loại tài sản", "Ngày kê biên", "Giá thỏa thuận",
               "Ngày xử lý"])
    ws.append(["A1", "C1", "NA01", "Bất động sản", datetime(2025, 3, 14), True, None])
    ws.append(["A2", "C1", "NA01", "dong_san", 45730, "x", "=TODAY()"])  # formula, no saved value
    ws.append(["A3", "C2", "NA01", "Phương tiện", "14/03/2025", False, "#N/A"])  # error cell
    ws.append([None] * 7)
    ws.append(["A4", "C2", "NA01", "khac", datetime(2025, 3, 14, 8, 30), None, None])
    for r in range(5, 10):
        ws.cell(row=r, column=5).number_format = "dd/mm/yyyy"
    bio = io.BytesIO()
    wb.save(bio)
    return bio.getvalue()


def test_xlsx_hidden_sheet_title_rows_dates_formulas(tmp_path, ps):
    pf = read(tmp_path, "assets.xlsx", _xlsx_openpyxl(), ps)
    assert pf.rejected is None, pf.rejected
    assert pf.format == "xlsx" and pf.encoding is None
    # data rows: A1, A2, A3, (empty row 4 skipped), A4 -> 4 read
    assert pf.rows_read == 4 and accounted(pf)
    got = {r["asset_id"]: r for r in pf.frame.to_dicts()}
    assert got["A1"]["seizure_date"] == date(2025, 3, 14)  # a real date cell
    assert got["A1"]["asset_type"] == "bat_dong_san" and got["A1"]["price_agreed"] is True
    assert got["A4"]["seizure_date"] == date(2025, 3, 14)  # date-time cell, time dropped
    assert got["A4"]["source_row"] == 5  # the empty row keeps its number
    assert got["A4"]["price_agreed"] is False  # empty -> false
    # A2: formula without a saved value -> invalid; A3: #N/A error cell -> invalid
    q = pf.quarantine.to_dicts()
    assert {(e["record_id"], e["column"], e["reason"]) for e in q} == {
        ("A2", "disposition_date", "invalid_cell"), ("A3", "disposition_date", "invalid_cell"),
    }
    assert {e["source_row"] for e in q} == {2, 3}
    assert "#N/A" in {e["raw_value"] for e in q}
    assert any("hidden sheet" in w for w in pf.warnings)
    assert any("empty row" in w for w in pf.warnings)


def test_xlsx_serial_dates_and_cached_formula(tmp_path, ps):
    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True})
    ws = wb.add_worksheet("Thu")
    dfmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws.write_row(0, 0, ["payment_id", "case_id", "office_code", "payment_date", "amount", "kind"])
    ws.write_row(1, 0, ["P1", "C1", "NA01"])
    ws.write_number(1, 3, 45730)  # serial in a General cell: 1899-12-30 + 45730 days = 2025-03-14
    ws.write_formula(1, 4, "=1000*1000", None, 1000000)  # cached value 1000000 is read
    ws.write(1, 5, "Tự nguyện")
    ws.write_row(2, 0, ["P2", "C1", "NA01"])
    ws.write_datetime(2, 3, datetime(2024, 2, 29), dfmt)  # leap day, a date cell
    ws.write_number(2, 4, 2500000.0)
    ws.write(2, 5, "MIEN GIAM")
    ws.write_row(3, 0, ["P3", "C1", "NA01", "2025-01-01", 12.5, "cuong_che"])  # 12.5 đồng: invalid
    wb.close()
    pf = read(tmp_path, "payments.xlsx", bio.getvalue(), ps)
    assert pf.rejected is None, pf.rejected
    got = {r["payment_id"]: r for r in pf.frame.to_dicts()}
    assert got["P1"]["payment_date"] == date(2025, 3, 14)
    assert got["P1"]["amount"] == 1_000_000 and got["P1"]["kind"] == "tu_nguyen"
    assert got["P2"]["payment_date"] == date(2024, 2, 29) and got["P2"]["amount"] == 2_500_000
    assert got["P2"]["kind"] == "mien_giam"
    assert pf.quarantine.select("record_id", "column", "reason").rows() == [
        ("P3", "amount", "invalid_money")]


def test_parquet_typed_and_string_columns(tmp_path, ps):
    df = pl.DataFrame({
        "auction_id": ["U1", "U2", "U3"],
        "asset_id": ["A1", "A1", "A2"],
        "office_code": ["NA01"] * 3,
        "round_no": pl.Series([1, 2, 3], dtype=pl.Int64),  # typed int
        "contract_date": pl.Series([date(2025, 1, 2), date(2025, 2, 3), None], dtype=pl.Date),
        "auction_date": ["2025-03-14", "14/03/2025", "not a date"],  # strings: parsed
        "starting_price": pl.Series([1_000_000, 2_000_000, 3], dtype=pl.Int64),
        "outcome": ["thanh", None, "Không thành"],
        "sale_price": ["1.200.000", None, None],
    })
    bio = io.BytesIO()
    df.write_parquet(bio)
    pf = read(tmp_path, "auctions.parquet", bio.getvalue(), ps)
    assert pf.rejected is None, pf.rejected
    assert pf.format == "parquet"
    got = {r["auction_id"]: r for r in pf.frame.to_dicts()}
    assert set(got) == {"U1", "U2"}
    assert got["U1"]["round_no"] == 1 and got["U1"]["contract_date"] == date(2025, 1, 2)
    assert got["U1"]["auction_date"] == date(2025, 3, 14) and got["U1"]["sale_price"] == 1_200_000
    assert got["U2"]["auction_date"] == date(2025, 3, 14) and got["U2"]["outcome"] is None
    assert pf.frame.schema["round_no"] == pl.Int32 and pf.frame.schema["sale_price"] == pl.Int64
    # U3: contract_date (required) missing, auction_date invalid
    assert sorted(pf.quarantine.select("column", "reason").rows()) == [
        ("auction_date", "invalid_date"), ("contract_date", "missing_required")]
    assert accounted(pf)


def test_content_decides_the_format(tmp_path, ps):
    bio = io.BytesIO()
    pl.DataFrame({"case_id": ["C1"], "office_code": ["NA01"], "event_date": ["2025-03-14"],
                  "status": ["xong"]}).write_parquet(bio)
    pf = read(tmp_path, "status_events.csv", bio.getvalue(), ps)  # parquet named .csv
    assert pf.rejected is None and pf.format == "parquet"
    assert any("named .csv" in w for w in pf.warnings)


# ---------------------------------------------------------------------------------------------
# messy values
# ---------------------------------------------------------------------------------------------

def test_messy_value_forms(tmp_path, ps):
    rows = [
        # (case_id, received_date, amount_due, credit_case) with expected values by hand
        case_row("D1", received="2025-03-14", amount="1234567", credit="true"),
        case_row("D2", received="14/03/2025", amount="1.234.567", credit="FALSE"),
        case_row("D3", received="45730", amount="1,234,567", credit="1"),
        case_row("D4", received="2025-03-14 08:30:00", amount="1.234.567 đ", credit="0"),
        case_row("D5", received="2025-03-14T08:30", amount="1.234.567 đồng", credit="Có"),
        case_row("D6", received="14/03/2025 08:30", amount="1.234.567,00", credit="KHÔNG"),
        case_row("D7", received="14-03-2025", amount="1,234,567.00", credit="x"),
        case_row("D8", received=" 2025-3-4 ", amount="-1.000 VND", credit=""),
        case_row("D9", received="14.03.2025", amount="5.000.000vnđ", credit="yes"),
    ]
    pf = read(tmp_path, "cases.csv", _cases_csv(*rows), ps)
    assert pf.quarantine.height == 0, pf.quarantine.to_dicts()
    got = {r["case_id"]: (r["received_date"], r["amount_due"], r["credit_case"])
           for r in pf.frame.to_dicts()}
    d = date(2025, 3, 14)
    assert got == {
        "D1": (d, 1234567, True), "D2": (d, 1234567, False), "D3": (d, 1234567, True),
        "D4": (d, 1234567, False), "D5": (d, 1234567, True), "D6": (d, 1234567, False),
        "D7": (d, 1234567, True), "D8": (date(2025, 3, 4), -1000, False),
        "D9": (d, 5_000_000, True),
    }


def test_bad_values_are_quarantined_with_reasons(tmp_path, ps):
    rows = [
        case_row("B1", received="31/02/2025"),  # impossible date
        case_row("B2", received="1949-12-31"),  # year before 1950
        case_row("B3", amount="1,5"),  # not a zero fraction
        case_row("B4", amount="12.000.000,50"),
        case_row("B5", amount="12tr"),
        case_row("B6", amount="1.23.456"),
        case_row("B7", credit="maybe"),
        case_row("B8", status="đang xử lý"),
        case_row("B9", amount=""),  # required money empty
        case_row("B10", received="2101-01-01", amount="1,5"),  # two reasons, one row
        case_row("B11", credit=""),  # empty bool: false, never missing
    ]
    pf = read(tmp_path, "cases.csv", _cases_csv(*rows), ps)
    q = {(e["record_id"], e["column"], e["reason"]) for e in pf.quarantine.to_dicts()}
    assert q == {
        ("B1", "received_date", "invalid_date"), ("B2", "received_date", "invalid_date"),
        ("B3", "amount_due", "invalid_money"), ("B4", "amount_due", "invalid_money"),
        ("B5", "amount_due", "invalid_money"), ("B6", "amount_due", "invalid_money"),
        ("B7", "credit_case", "invalid_bool"), ("B8", "status", "invalid_enum"),
        ("B9", "amount_due", "missing_required"),
        ("B10", "received_date", "invalid_date"), ("B10", "amount_due", "invalid_money"),
    }
    assert pf.frame.get_column("case_id").to_list() == ["B11"]
    assert pf.rows_read == 11 and accounted(pf)
    b3 = pf.quarantine.filter(pl.col("record_id") == "B3").to_dicts()[0]
    assert b3["source_row"] == 3 and b3["raw_value"] == "1,5"
    assert b3["message"].startswith(REL + "cases.csv row 3: amount_due '1,5'")


def test_int_kind_and_missing_optional_columns(tmp_path, ps):
    text = ("auction_id,asset_id,office_code,round_no,contract_date,starting_price\n"
            "U1,A1,NA01,1,2025-01-01,100\n"
            "U2,A1,NA01,2.0,2025-01-01,100\n"  # spreadsheet whole number
            "U3,A1,NA01,2.5,2025-01-01,100\n"
            "U4,A1,NA01,abc,2025-01-01,100\n")
    pf = read(tmp_path, "auctions.csv", text, ps)
    got = dict(pf.frame.select("auction_id", "round_no").rows())
    assert got == {"U1": 1, "U2": 2}
    assert sorted(pf.quarantine.select("record_id", "reason").rows()) == [
        ("U3", "invalid_int"), ("U4", "invalid_int")]
    # optional columns absent from the file: all null (bool false)
    assert pf.frame.get_column("auction_date").null_count() == 2
    assert pf.frame.get_column("outcome").null_count() == 2


def test_bool_absent_optional_is_false(tmp_path, ps):
    text = "complaint_id,office_code,kind,received_date\nK1,NA01,Tố cáo,2025-05-05\n"
    pf = read(tmp_path, "complaints.csv", text, ps)
    r = pf.frame.to_dicts()[0]
    assert r["escalated"] is False and r["kind"] == "to_cao" and r["case_id"] is None


def test_empty_rows_skipped_numbering_kept(tmp_path, ps):
    text = _cases_csv(case_row("E1"), "", ",,,,,,,,,,,,,,,,", case_row("E4", amount="bad"))
    pf = read(tmp_path, "cases.csv", text, ps)
    assert pf.rows_read == 2  # the blank line and the all-empty row are not counted
    assert pf.frame.get_column("source_row").to_list() == [1]
    assert pf.quarantine.get_column("source_row").to_list() == [4]
    assert any("2 empty row(s) skipped" in w for w in pf.warnings)


def test_ragged_row_is_malformed(tmp_path, ps):
    # an unquoted 1,234,567 in a comma file shifts the fields: 19 fields for 17 headers
    bad = case_row("R2").replace(",1000000,", ",1,234,567,")
    pf = read(tmp_path, "cases.csv", _cases_csv(case_row("R1"), bad), ps)
    assert pf.frame.get_column("case_id").to_list() == ["R1"]
    reasons = pf.quarantine.filter(pl.col("record_id") == "R2").get_column("reason").to_list()
    assert "malformed_row" in reasons
    assert accounted(pf)


def test_extra_columns_safe_kept_others_dropped(tmp_path, ps):
    text = ("payment_id,case_id,office_code,payment_date,amount,kind,Ghi chú,Số biên lai,Họ tên người nộp\n"
            "P1,C1,NA01,2025-03-14,100,tu_nguyen,ok,BL-7,Nguyễn Văn An\n")
    pf = read(tmp_path, "payments.csv", text, ps, safe=("so bien lai",))
    assert "extra_so_bien_lai" in pf.frame.columns
    assert pf.frame.get_column("extra_so_bien_lai").to_list() == ["BL-7"]
    assert pf.dropped_extra_columns == ["ghi chu", "ho ten nguoi nop"]
    assert not any(c.startswith("extra_ho") for c in pf.frame.columns)
    assert pf.frame.columns[-5:][0] == "batch_date"  # extras before lineage


def test_status_events_reason_becomes_has_reason(tmp_path, ps):
    text = ("case_id,office_code,event_date,status,reason\n"
            "C1,NA01,2025-03-14,dang_thi_hanh,\n"
            "C1,NA01,2025-04-01,hoan,Ông Nguyễn Văn An xin hoãn\n")
    pf = read(tmp_path, "status_events.csv", text, ps)
    assert "reason" not in pf.frame.columns
    assert pf.frame.get_column("has_reason").to_list() == [False, True]


# ---------------------------------------------------------------------------------------------
# bad files: one clear message, never an exception
# ---------------------------------------------------------------------------------------------

def _rejected(tmp_path, ps, name, content, *words):
    pf = read(tmp_path, name, content, ps)
    assert pf.rejected is not None, f"{name} was not rejected"
    assert pf.rejected.startswith(REL + name + ":"), pf.rejected
    assert "\n" not in pf.rejected
    for w in words:
        assert w in pf.rejected, (w, pf.rejected)
    assert pf.frame is None and pf.quarantine.height == 0
    return pf


def test_empty_file(tmp_path, ps):
    pf = _rejected(tmp_path, ps, "cases.csv", b"", "empty")
    assert pf.rows_read == 0


def test_whitespace_only_file(tmp_path, ps):
    _rejected(tmp_path, ps, "cases.csv", b"\n \r\n", "empty")


def test_header_only(tmp_path, ps):
    pf = _rejected(tmp_path, ps, "cases.csv", CASES_HEADER + "\n", "no data rows")
    assert pf.rows_read == 0


def test_truncated_csv_mid_row(tmp_path, ps):
    # cut in the middle of the second row: the file is read; the cut row lacks required values
    text = _cases_csv(case_row("T1"), case_row("T2"))
    pf = read(tmp_path, "cases.csv", text[: text.index("T2") + 12], ps)
    assert pf.rejected is None
    assert pf.frame.get_column("case_id").to_list() == ["T1"]
    assert set(pf.quarantine.get_column("reason")) == {"missing_required"}
    assert accounted(pf)


def test_truncated_csv_inside_quotes(tmp_path, ps):
    text = CASES_HEADER + '\nC1,NA01,E1,"12/2024, DS'  # an unterminated quoted field
    pf = read(tmp_path, "cases.csv", text, ps)
    assert pf.rejected is not None or accounted(pf)  # either way: no exception, all accounted


def test_truncated_xlsx(tmp_path, ps):
    data = _xlsx_openpyxl()
    _rejected(tmp_path, ps, "assets.xlsx", data[: len(data) // 2], "xlsx")


def test_truncated_parquet(tmp_path, ps):
    bio = io.BytesIO()
    pl.DataFrame({"case_id": ["C1"]}).write_parquet(bio)
    data = bio.getvalue()
    _rejected(tmp_path, ps, "cases.parquet", data[: len(data) - 10], "parquet")


def test_binary_garbage(tmp_path, ps):
    garbage = bytes(range(256)) * 40
    _rejected(tmp_path, ps, "cases.csv", garbage, "binary")


def test_legacy_xls(tmp_path, ps):
    _rejected(tmp_path, ps, "cases.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls")


def test_utf16(tmp_path, ps):
    data = ("\ufeff" + CASES_HEADER + "\n" + case_row() + "\n").encode("utf-16-le")
    _rejected(tmp_path, ps, "cases.csv", data, "UTF-16")


# TCVN3 (ABC) by hand: ã=· ệ=Ö à=µ ạ=¹ á=¸ đ=® ơ=¬ ị=Þ Đ=§ (then written as Latin-1 bytes)
TCVN3_HEADER = "M· viÖc,M· ®¬n vÞ,Ngµy,Tr¹ng th¸i"  # "Mã việc,Mã đơn vị,Ngày,Trạng thái"
TCVN3_ROW = "C1,NA01,14/03/2025,§ang thi hµnh"  # "Đang thi hành"


def test_tcvn3_text_rejected(tmp_path, ps):
    data = (TCVN3_HEADER + "\n" + TCVN3_ROW + "\nC2,NA01,15/03/2025,Xong\n").encode("latin-1")
    pf = _rejected(tmp_path, ps, "status_events.csv", data, "legacy TCVN3", "UTF-8")
    assert pf.rows_read == 2


def test_tcvn3_names_under_canonical_headers_rejected(tmp_path, ps):
    # canonical headers, but names typed in TCVN3: "Nguyễn Văn Ân" -> "NguyÔn V¨n ¢n"
    rows = [case_row(f"C{i}", obligor="NguyÔn V¨n ¢n", obligee="TrÇn ThÞ B×nh") for i in range(3)]
    _rejected(tmp_path, ps, "cases.csv", _cases_csv(*rows).encode("latin-1"), "TCVN3")


# VNI by hand: "Mã việc" -> "Maõ vieäc", "Ngày" -> "Ngaøy", "Trạng thái" -> "Traïng thaùi",
# "Đang thi hành" -> "Ñang thi haønh", "Mã đơn vị" -> "Maõ ñôn vò"
VNI_TEXT = ("Maõ vieäc,Maõ ñôn vò,Ngaøy,Traïng thaùi\n"
            "C1,NA01,14/03/2025,Ñang thi haønh\n")


def test_vni_text_rejected(tmp_path, ps):
    _rejected(tmp_path, ps, "status_events.csv", VNI_TEXT.encode("cp1252"), "legacy VNI", "UTF-8")


def test_missing_required_column(tmp_path, ps):
    header = CASES_HEADER.replace(",amount_due", "")
    rows = [case_row().replace(",1000000,", ",")]
    pf = _rejected(tmp_path, ps, "cases.csv", _cases_csv(*rows, header=header),
                   "amount_due", "Số tiền phải thi hành", "missing")
    assert pf.rows_read == 1


def test_missing_required_bool_column(tmp_path, ps):
    header = CASES_HEADER.replace(",credit_case", "")
    row = case_row().replace(",0,,1000000", ",,1000000")
    _rejected(tmp_path, ps, "cases.csv", _cases_csv(row, header=header), "credit_case")


def test_duplicate_headers(tmp_path, ps):
    text = "payment_id,case_id,Mã việc,office_code,payment_date,amount,kind\nP1,C1,C1,NA01,2025-01-01,5,tu_nguyen\n"
    _rejected(tmp_path, ps, "payments.csv", text, "both map to case_id")


def test_no_header_row(tmp_path, ps):
    # a header-less export: the first line is data, so no header is found (and no data row is
    # ever taken for a header, which would leak its values into column names)
    _rejected(tmp_path, ps, "cases.csv", case_row() + "\n" + case_row("C2") + "\n", "no header row")


def test_zip_not_xlsx(tmp_path, ps):
    import zipfile

    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        z.writestr("readme.txt", "hello")
    _rejected(tmp_path, ps, "cases.xlsx", bio.getvalue(), "ZIP")


def test_xlsx_without_visible_sheet_content(tmp_path, ps):
    wb = openpyxl.Workbook()
    bio = io.BytesIO()
    wb.save(bio)  # one empty sheet
    _rejected(tmp_path, ps, "cases.xlsx", bio.getvalue(), "empty")


def test_never_raises_on_random_bytes(tmp_path, ps):
    import random

    rng = random.Random(5)
    for i in range(20):
        n = rng.randint(0, 3000)
        blob = bytes(rng.getrandbits(8) for _ in range(n))
        if i % 3 == 0:
            blob = CASES_HEADER.encode() + b"\n" + blob
        f = inbox_file(tmp_path / "inbox", "cases.csv", blob)
        pf = read_file(f, ps)
        assert accounted(pf)


# ---------------------------------------------------------------------------------------------
# any CSV body: no exception, every row accounted for, typed columns
# ---------------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_cell = st.one_of(
    st.sampled_from(["", "C1", "NA01", "2025-03-14", "14/03/2025", "1.234.567 đ", "x", "có",
                     "Đang thi hành", "dan_su", "45730", "-5", "1,5", '"q,uoted"', "Nguyễn Văn An"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters='"\r\n,;'),
            max_size=12),
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(_cell, min_size=0, max_size=20), min_size=1, max_size=8),
       st.sampled_from([",", ";"]))
def test_any_csv_body_is_accounted_for(tmp_path_factory, ps, rows, sep):
    tmp = tmp_path_factory.mktemp("any")
    text = CASES_HEADER.replace(",", sep) + "\n" + "\n".join(sep.join(r) for r in rows) + "\n"
    pf = read(tmp, "cases.csv", text, ps)
    assert accounted(pf)
    if pf.rejected is None:
        assert dict(pf.frame.schema) == frame_schema("cases")
        assert set(pf.quarantine.get_column("reason")) <= {
            "missing_required", "invalid_date", "invalid_money", "invalid_bool", "invalid_enum",
            "malformed_row"}
        # a raw value equal to a name / ID of the file's personal columns never shows in clear
        from thads.contract import fold

        import csv

        fields = list(csv.reader([sep.join(r) for r in rows], delimiter=sep))
        personal = {fold(r[i]) for r in fields for i in (9, 10, 11) if len(r) > i and fold(r[i])}
        shown = pf.quarantine.get_column("raw_value").drop_nulls().to_list()
        shown += pf.quarantine.get_column("record_id").drop_nulls().to_list()
        assert not {fold(v) for v in shown} & personal
