"""`thads generate`: a batch that follows the contract, is reproducible, realistic and calibrated, and whose
defect manifest lists exactly the rows the validation rules quarantine.

Everything is read back from the files with small readers written here (csv, openpyxl, polars), never
with the generator's own code, and the figures are computed from the rows as metrics.md defines them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import holidays
import numpy as np
import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from thads.cli import app
from thads.contract import (CLOSED_STATUSES, ENUMS, OPEN_STATUSES, RECORD_TYPES, enum_lookup, fold,
                            header_lookup)
from thads.settings import get_settings

AS_OF = date(2026, 6, 30)
YEAR_START, YEAR_END = date(2024, 10, 1), date(2025, 9, 30)  # statistical year 2025
RUNNER = CliRunner()


def _generate(out: Path, cases: int, seed: int, defects: float = 0.0) -> str:
    args = ["generate", "--out", str(out), "--cases", str(cases), "--seed", str(seed), "--as-of", AS_OF.isoformat(),
            "--quiet"]
    if defects:
        args += ["--defects", str(defects)]
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


# ---------------------------------------------------------------------------------------------------
# A small independent reader: raw cells as written, by canonical column name, with row numbers.
# ---------------------------------------------------------------------------------------------------
def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return unicodedata.normalize("NFC", data.decode("cp1258"))


def read_raw(path: Path) -> tuple[list[str], list[dict]]:
    """(canonical column names, rows as dicts of raw values: str, int, float, bool, date, datetime or None)."""
    record_type = path.stem
    lookup = header_lookup(record_type)
    if path.suffix == ".parquet":
        df = pl.read_parquet(path)
        return [lookup[fold(c)] for c in df.columns], [
            {lookup[fold(k)]: v for k, v in row.items()} for row in df.iter_rows(named=True)]
    if path.suffix == ".xlsx":
        ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        for h, row in enumerate(rows):  # the header: the first row whose cells are column names
            names = [lookup.get(fold(str(c))) if c is not None else None for c in row]
            if sum(n is not None for n in names) >= 3:
                break
        out = []
        for row in rows[h + 1:]:
            out.append({n: (None if v == "" else v) for n, v in zip(names, row) if n})
        return [n for n in names if n], out
    text = _decode(path.read_bytes())
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    head = next(reader)
    names = [lookup[fold(h)] for h in head]
    return names, [{n: (v if v != "" else None) for n, v in zip(names, row)} for row in reader]


# -- value parsers (the contract's accepted forms) ---------------------------------------------------
class Bad(ValueError):
    pass


_DMY = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})( 00:00:00)?$")
_MONEY = re.compile(r"^-?\d{1,3}([.,]\d{3})*$|^-?\d+$")


def p_date(v):
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    m = _ISO.match(v) or _DMY.match(v)
    if not m:
        raise Bad(v)
    y, mo, d = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if _ISO.match(v) else (
        int(m.group(3)), int(m.group(2)), int(m.group(1)))
    try:
        out = date(y, mo, d)
    except ValueError:
        raise Bad(v)
    if not 1950 <= out.year <= 2100:
        raise Bad(v)
    return out


def p_money(v):
    if v is None:
        return None
    if isinstance(v, bool):
        raise Bad(v)
    if isinstance(v, (int, float)):
        if v != int(v):
            raise Bad(v)
        return int(v)
    s = v.strip()
    for suffix in (" đồng", " đ"):
        s = s.removesuffix(suffix)
    if s.endswith(",00") or s.endswith(".00"):
        s = s[:-3]
    if not _MONEY.match(s):
        raise Bad(v)
    return int(s.replace(".", "").replace(",", ""))


def p_bool(v):
    if v is None or isinstance(v, bool):
        return bool(v)
    s = fold(str(v))
    if s in ("true", "1", "co", "x"):
        return True
    if s in ("false", "0", "khong", ""):
        return False
    raise Bad(v)


def p_int(v):
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v == int(v):
        return int(v)
    if isinstance(v, str) and re.fullmatch(r"-?\d+", v):
        return int(v)
    raise Bad(v)


_ENUM_LOOKUPS = {e: enum_lookup(e) for e in ENUMS}


def p_enum(v, enum):
    if v is None:
        return None
    code = _ENUM_LOOKUPS[enum].get(fold(str(v)))
    if code is None:
        raise Bad(v)
    return code


def parse_row(record_type: str, raw: dict) -> tuple[dict, list[str]]:
    """Typed values, and (column, reason code) for each value that failed to parse."""
    out, failed = {}, []
    for col in RECORD_TYPES[record_type].columns:
        v = raw.get(col.name)
        if isinstance(v, str):
            v = v.strip() or None
        try:
            if col.kind == "date":
                out[col.name] = p_date(v)
            elif col.kind == "money":
                out[col.name] = p_money(v)
            elif col.kind == "bool":
                out[col.name] = p_bool(v)
            elif col.kind == "int":
                out[col.name] = p_int(v)
            elif col.kind == "enum":
                out[col.name] = p_enum(v, col.enum)
            else:
                out[col.name] = None if v is None else str(v)
        except Bad:
            out[col.name] = None
            failed.append((col.name, {"date": "invalid_date", "money": "invalid_money", "bool": "invalid_bool",
                                      "int": "invalid_int", "enum": "invalid_enum"}[col.kind]))
    return out, failed


def load_batch(root: Path) -> dict[str, list[dict]]:
    """Every row of the batch: typed values plus _file, _folder, _row, _failed."""
    out: dict[str, list[dict]] = defaultdict(list)
    for path in sorted((root / AS_OF.isoformat()).glob("*/*")):
        _, raw_rows = read_raw(path)
        for i, raw in enumerate(raw_rows, start=1):
            row, failed = parse_row(path.stem, raw)
            row.update(_file=f"{AS_OF.isoformat()}/{path.parent.name}/{path.name}", _folder=path.parent.name,
                       _row=i, _failed=failed)
            out[path.stem].append(row)
    return out


def office_map() -> dict[str, str]:
    with open(get_settings().reference_dir / "agencies.csv", encoding="utf-8") as fh:
        return {r["office_code"]: r["maps_to_office_code"] for r in csv.DictReader(fh) if r["maps_to_office_code"]}


def live(batch: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Drop superseded copies: a case row whose office_code names another office, and what that folder sent
    for the case (the contract's rule for records held by two offices)."""
    offices = office_map()
    stale = {(r["_folder"], r["case_id"]) for r in batch["cases"] if offices.get(r["office_code"]) != r["_folder"]}
    out = {}
    for name, rows in batch.items():
        if name in ("cases", "status_events", "payments"):
            out[name] = [r for r in rows if (r["_folder"], r["case_id"]) not in stale]
        else:
            out[name] = rows
    return out


# ---------------------------------------------------------------------------------------------------
# Fixtures: generated once per module.
# ---------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path, str]:
    a, b = tmp_path_factory.mktemp("small_a"), tmp_path_factory.mktemp("small_b")
    summary = _generate(a, 300, 1)
    _generate(b, 300, 1)
    return a, b, summary


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict[str, list[dict]]:
    root = tmp_path_factory.mktemp("big")
    _generate(root, 20_000, 7)
    batch = load_batch(root)
    for name, rows in batch.items():
        assert not any(r["_failed"] for r in rows), f"{name}: unparseable values in a clean batch"
    return batch


@pytest.fixture(scope="module")
def defective(tmp_path_factory) -> tuple[Path, dict[str, list[dict]], list[dict]]:
    root = tmp_path_factory.mktemp("defects")
    _generate(root, 4_000, 3, defects=0.02)
    with open(root / "defects.csv", encoding="utf-8") as fh:
        manifest = list(csv.DictReader(fh))
    return root, load_batch(root), manifest


# ---------------------------------------------------------------------------------------------------
# The layout and the formats.
# ---------------------------------------------------------------------------------------------------
def test_small_batch_follows_the_contract(small):
    root, _, summary = small
    assert "Wrote batch 2026-06-30" in summary
    batch_dir = root / AS_OF.isoformat()
    offices = sorted(p.name for p in batch_dir.iterdir())
    with open(get_settings().reference_dir / "agencies.csv", encoding="utf-8") as fh:
        current = sorted(r["office_code"] for r in csv.DictReader(fh) if r["code_status"] == "current")
    assert offices == current
    files = sorted(batch_dir.glob("*/*"))
    assert {f.stem for f in files} == set(RECORD_TYPES)
    assert {f.suffix for f in files} == {".csv", ".xlsx", ".parquet"}
    encodings = set()
    for f in files:
        names, rows = read_raw(f)
        assert rows, f"{f}: a file without rows"
        assert set(RECORD_TYPES[f.stem].required_columns) <= set(names), f
        assert set(names) == set(RECORD_TYPES[f.stem].column_names), f
        if f.suffix == ".csv":
            data = f.read_bytes()
            if data.startswith(b"\xef\xbb\xbf"):
                encodings.add("utf-8-sig")
            else:
                try:
                    data.decode("utf-8")
                    encodings.add("utf-8")
                except UnicodeDecodeError:
                    encodings.add("cp1258")
    assert encodings == {"utf-8", "utf-8-sig", "cp1258"}
    # Excel sheets carry title rows above the header, and real date cells.
    ws = openpyxl.load_workbook(next(batch_dir.glob("*/cases.xlsx")), read_only=True).worksheets[0]
    first = next(ws.iter_rows(values_only=True))
    assert fold(str(first[0])) not in header_lookup("cases")
    _, rows = read_raw(next(batch_dir.glob("*/cases.xlsx")))
    assert isinstance(rows[0]["received_date"], datetime)


def test_same_seed_same_bytes(small):
    a, b, _ = small

    def digests(root):
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(root.rglob("*")) if p.is_file()}

    assert digests(a) == digests(b)


def test_windows_1258_is_decomposed_and_round_trips(small):
    root = small[0]
    cp_files = [f for f in (root / AS_OF.isoformat()).glob("*/*.csv")
                if not f.read_bytes().startswith(b"\xef\xbb\xbf") and _is_cp1258(f.read_bytes())]
    assert len({f.parent.name for f in cp_files}) == 1  # exactly one office writes Windows-1258
    text = cp_files[0].read_bytes().decode("cp1258")
    assert any(ch in text for ch in "\u0300\u0301\u0303\u0309\u0323")  # combining tone marks
    assert "Mã việc" in unicodedata.normalize("NFC", text)


def _is_cp1258(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def test_excel_offices_fall_back_to_csv_past_the_row_limit(tmp_path, monkeypatch):
    import thads.generate.batch as batch
    from thads.generate import generate_batch

    monkeypatch.setattr(batch, "EXCEL_MAX_ROWS", 40)  # as if the sheet had more than 1,048,576 rows
    generate_batch(tmp_path, n_cases=300, seed=1, as_of=AS_OF, progress=False)
    excel_offices = {p.parent for p in tmp_path.glob("*/*/*.xlsx")}
    assert excel_offices
    for folder in excel_offices:
        for f in folder.iterdir():
            _, rows = read_raw(f)
            if len(rows) >= 40 or len(rows) <= 30:  # header and 1-3 title rows count towards the limit
                assert (f.suffix == ".xlsx") == (len(rows) <= 30), f


def test_fast_excel_rows_equal_the_per_cell_api(tmp_path, monkeypatch):
    """The writer streams sheet XML itself for speed; the result reads exactly like xlsxwriter's own cells."""
    import thads.generate.writers as writers
    from thads.generate import generate_batch

    generate_batch(tmp_path / "fast", n_cases=300, seed=2, as_of=AS_OF, defect_rate=0.05, progress=False)
    monkeypatch.setattr(writers, "_FAST_ROWS", False)
    generate_batch(tmp_path / "api", n_cases=300, seed=2, as_of=AS_OF, defect_rate=0.05, progress=False)
    fast = sorted((tmp_path / "fast").rglob("*.xlsx"))
    assert fast
    for f in fast:
        g = tmp_path / "api" / f.relative_to(tmp_path / "fast")
        read = lambda p: list(openpyxl.load_workbook(p, read_only=True).worksheets[0].iter_rows(values_only=True))  # noqa: E731
        assert read(f) == read(g), f


# ---------------------------------------------------------------------------------------------------
# Consistency of a clean batch.
# ---------------------------------------------------------------------------------------------------
def test_histories_are_consistent(big):
    b = live(big)
    cases = {r["case_id"]: r for r in b["cases"]}
    assert len(cases) == len(b["cases"]), "case IDs are unique among live copies"
    events = defaultdict(list)
    for e in b["status_events"]:
        events[e["case_id"]].append(e)
    for cid, c in cases.items():
        evs = events[cid]
        assert evs, cid
        assert evs[0]["event_date"] == c["received_date"] and evs[0]["status"] == "dang_thi_hanh", cid
        assert all(e["event_date"] >= c["received_date"] for e in evs), cid
        assert [e["event_date"] for e in evs] == sorted(e["event_date"] for e in evs), cid
        assert (c["status"], c["status_date"]) == (evs[-1]["status"], evs[-1]["event_date"]), cid
        assert c["decision_date"] is None or c["decision_date"] >= c["received_date"]
        assert c["credit_institution"] or not c["credit_case"]
    paid = Counter()
    for p in b["payments"]:
        assert p["amount"] > 0 and p["payment_date"] >= cases[p["case_id"]]["received_date"]
        paid[p["case_id"]] += p["amount"]
    assert all(paid[cid] <= c["amount_due"] for cid, c in cases.items())
    # Date orders of validation-rules.md, and nothing after the export date.
    for name, rows in big.items():
        for r in rows:
            for col in RECORD_TYPES[name].columns:
                if col.kind == "date" and col.name != "valid_until" and r[col.name] is not None:
                    assert r[col.name] <= AS_OF, (name, col.name, r)  # valid_until may be later
    pairs = {"valuations": [("contract_date", "certificate_date"), ("certificate_date", "valid_until")],
             "auctions": [("contract_date", "auction_date")],
             "assets": [("seizure_date", "disposition_date"), ("disposition_date", "handover_date")],
             "complaints": [("received_date", "resolved_date")]}
    for name, checks in pairs.items():
        for r in big[name]:
            for a, z in checks:
                assert r[a] is None or r[z] is None or r[a] <= r[z], (name, a, z, r)
    for a in big["assets"]:
        assert a["seizure_date"] >= cases[a["case_id"]]["received_date"]
    for u in big["auctions"]:
        assert u["outcome"] != "thanh" or u["sale_price"] >= u["starting_price"]


def test_realistic_parties_ids_and_codes(big):
    cases = big["cases"]
    ids = [c["case_id"] for c in cases]
    assert all(re.fullmatch(r"NA\d\d-\d{4}-\d{6}", i) for i in ids)
    officers = [c["officer_id"] for c in cases]
    assert all(o is None or re.fullmatch(r"NA\d\d-CHV\d\d", o) for o in officers)
    assert 0 < sum(o is None for o in officers) < 0.05 * len(officers)
    id_numbers = [c["obligor_id_number"] for c in cases]
    assert {len(x) for x in id_numbers if x} == {9, 12} and None in id_numbers
    assert any(c["office_code"].startswith("CC-NA-") for c in cases)
    with open(get_settings().reference_dir / "credit_institutions.csv", encoding="utf-8") as fh:
        aliases = {r["alias"] for r in csv.DictReader(fh)}
    banks = [c["credit_institution"] for c in cases if c["credit_case"]]
    known = sum(b in aliases for b in banks)
    assert 0.9 * len(banks) < known < len(banks)  # mostly known spellings, a few unknown ones
    assert {c["obligee_type"] for c in cases} == set(ENUMS["obligee_type"])
    by_case = {c["case_id"]: c for c in cases}
    named = [e for e in big["status_events"]
             if e["reason"] and by_case[e["case_id"]]["obligor_name"]
             and by_case[e["case_id"]]["obligor_name"] in e["reason"]]
    assert named, "some reasons name the obligor (the ingest must strip them)"


def test_moved_cases_leave_superseded_copies(big):
    offices = office_map()
    stale = [c for c in big["cases"] if offices.get(c["office_code"]) != c["_folder"]]
    assert 0.0005 * len(big["cases"]) < len(stale) < 0.005 * len(big["cases"])
    live_rows = {(c["case_id"]): c for c in big["cases"] if offices.get(c["office_code"]) == c["_folder"]}
    for s in stale:
        holder = live_rows[s["case_id"]]
        assert offices[holder["office_code"]] == holder["_folder"] == s["office_code"] != s["_folder"]
    stale_ids = {(s["_folder"], s["case_id"]) for s in stale}
    assert any((e["_folder"], e["case_id"]) in stale_ids for e in big["status_events"])


# ---------------------------------------------------------------------------------------------------
# Calibration of the latest full statistical year (metrics.md formulas, from the files).
# ---------------------------------------------------------------------------------------------------
def year_figures(batch, start: date, end: date) -> dict[str, float]:
    b = live(batch)
    events = defaultdict(list)
    for e in b["status_events"]:
        events[e["case_id"]].append(e)  # file order = same-day order
    pays = defaultdict(list)
    for p in b["payments"]:
        pays[p["case_id"]].append(p)

    def status_on(cid, received, d):
        st = "dang_thi_hanh"
        for e in sorted(events[cid], key=lambda e: e["event_date"]):  # stable: keeps file order
            if e["event_date"] <= d:
                st = e["status"]
        return st

    f = Counter()
    for c in b["cases"]:
        cid, received = c["case_id"], c["received_date"]
        if received > end:
            continue
        before = status_on(cid, received, start - timedelta(days=1)) if received < start else None
        carried = received < start and before in OPEN_STATUSES
        new = start <= received <= end
        back = before == "theo_doi_rieng" and any(
            start <= e["event_date"] <= end and e["status"] in OPEN_STATUSES for e in events[cid])
        if not (carried or new or back):
            continue
        at_end = status_on(cid, received, end)
        entrusted_on = max((e["event_date"] for e in events[cid] if e["status"] == "uy_thac" and e["event_date"] <= end),
                           default=None)
        paid_before = sum(p["amount"] for p in pays[cid] if p["payment_date"] < start)
        paid_in = sum(p["amount"] for p in pays[cid] if start <= p["payment_date"] <= end)
        paid_to_entrust = sum(p["amount"] for p in pays[cid]
                              if entrusted_on and start <= p["payment_date"] <= entrusted_on)
        partly = at_end == "uy_thac" and paid_to_entrust > 0
        if at_end in ("thu_hoi", "theo_doi_rieng") or (at_end == "uy_thac" and not partly):
            continue
        outstanding = c["amount_due"] - paid_before
        base = paid_to_entrust if partly else outstanding
        f["to_enforce"] += 1
        f["money_to_enforce"] += base
        if c["credit_case"]:
            f["credit_cases"] += 1
            f["credit_money"] += base
        if at_end in ("dang_thi_hanh", "hoan_thoa_thuan", "xong", "dinh_chi") or partly:
            f["with_conditions"] += 1
            f["money_with_conditions"] += base
            done = at_end in ("xong", "dinh_chi")
            f["money_completed"] += outstanding if done else (paid_to_entrust if partly else paid_in)
            if done or partly:
                f["completed"] += 1
    return {
        "credit_share_cases": 100 * f["credit_cases"] / f["to_enforce"],
        "credit_share_money": 100 * f["credit_money"] / f["money_to_enforce"],
        "with_conditions_share": 100 * f["with_conditions"] / f["to_enforce"],
        "rate_cases": 100 * f["completed"] / f["with_conditions"],
        "rate_money": 100 * f["money_completed"] / f["money_with_conditions"],
        "to_enforce": f["to_enforce"],
    }


def test_latest_full_year_is_calibrated(big):
    fig = year_figures(big, YEAR_START, YEAR_END)
    print("statistical year 2025:", {k: round(v, 2) for k, v in fig.items()})
    assert 4 <= fig["credit_share_cases"] <= 5
    assert 40 <= fig["credit_share_money"] <= 55
    assert 70 <= fig["with_conditions_share"] <= 80
    assert 80 <= fig["rate_cases"] <= 86
    assert 45 <= fig["rate_money"] <= 57


def test_amounts_are_heavy_tailed_and_the_backlog_old(big):
    cases = live(big)["cases"]
    amounts = np.array([c["amount_due"] for c in cases])
    assert 1e6 <= np.median(amounts) <= 2e7
    assert max(c["amount_due"] for c in cases if c["credit_case"]) >= 1e11
    received = np.array([c["received_date"] for c in cases])
    assert received.min() < AS_OF - timedelta(days=14 * 365)
    pending = [c for c in cases if c["status"] in OPEN_STATUSES + ("theo_doi_rieng",)]
    old = [c for c in pending if c["received_date"] < AS_OF - timedelta(days=10 * 365)]
    assert old
    aged = [c for c in pending if c["received_date"] < AS_OF - timedelta(days=2 * 365)]
    without = [c for c in aged if c["status"] not in ("dang_thi_hanh", "hoan_thoa_thuan")]
    assert len(without) > 0.8 * len(aged)
    assert any(c["status"] == "theo_doi_rieng" for c in aged)


def test_every_status_and_transition_occurs(big):
    b = live(big)
    assert {c["status"] for c in b["cases"]} == set(ENUMS["status"])
    seq = defaultdict(list)
    for e in b["status_events"]:
        seq[e["case_id"]].append(e["status"])
    steps = Counter((a, z) for s in seq.values() for a, z in zip(s, s[1:]))
    assert steps[("dang_thi_hanh", "chua_co_dieu_kien")] and steps[("chua_co_dieu_kien", "dang_thi_hanh")]
    assert steps[("theo_doi_rieng", "dang_thi_hanh")], "some cases come back from the separate register"
    assert steps[("dang_thi_hanh", "hoan_thoa_thuan")] and steps[("dang_thi_hanh", "hoan")]
    assert steps[("dang_thi_hanh", "tam_dinh_chi")] or steps[("hoan", "tam_dinh_chi")]
    # Entrusted after paying part within the same statistical year.
    pays = defaultdict(list)
    for p in b["payments"]:
        pays[p["case_id"]].append(p["payment_date"])
    partly = 0
    for e in b["status_events"]:
        if e["status"] == "uy_thac":
            y0 = date(e["event_date"].year - (e["event_date"].month < 10), 10, 1)
            partly += any(y0 <= d <= e["event_date"] for d in pays[e["case_id"]])
    assert partly


def _asset_rows(big):
    assets = {a["asset_id"]: a for a in big["assets"]}
    vals, rounds = defaultdict(list), defaultdict(list)
    for v in big["valuations"]:
        vals[v["asset_id"]].append(v)
    for u in big["auctions"]:
        rounds[u["asset_id"]].append(u)
    for r in rounds.values():
        r.sort(key=lambda u: u["round_no"])
    return assets, vals, rounds


def test_assets_get_stuck_and_prices_are_cut(big):
    assets, vals, rounds = _asset_rows(big)
    failed = {aid: sum(u["outcome"] == "khong_thanh" for u in rs) for aid, rs in rounds.items()}
    stuck = [aid for aid, a in assets.items() if a["disposition"] is None and failed.get(aid, 0) >= 3]
    assert stuck and all(3 <= failed[aid] <= 16 for aid in stuck)
    assert max(failed[aid] for aid in stuck) >= 6
    cuts = []
    for aid, rs in rounds.items():
        certs = [v["certificate_date"] for v in vals[aid] if v["certificate_date"]]
        for prev, cur in zip(rs, rs[1:]):
            revalued = any(prev["contract_date"] <= c <= cur["contract_date"] for c in certs)
            if prev["outcome"] == "khong_thanh" and not revalued:
                cuts.append(cur["starting_price"] / prev["starting_price"])
    assert len(cuts) > 50
    assert all(0.895 <= r <= 0.985 for r in cuts), (min(cuts), max(cuts))
    dispositions = Counter(a["disposition"] for a in assets.values())
    assert set(ENUMS["disposition"]) <= set(dispositions)
    sold = [a for a in assets.values() if a["disposition"] == "da_ban"]
    assert any(a["handover_date"] is None for a in sold) and any(a["handover_date"] for a in sold)
    assert any(v["kind"] == "dinh_gia_lai" for vs in vals.values() for v in vs)
    assert any(v["disputed"] for vs in vals.values() for v in vs)
    assert any(a["price_agreed"] and not vals[aid] for aid, a in assets.items())
    assert big["complaints"] and any(k["case_id"] for k in big["complaints"])


# -- statutory deadlines (metrics.md), with Vietnamese public holidays ------------------------------------
_HOLIDAYS = np.array(sorted(holidays.VN(years=range(2009, 2028))), dtype="datetime64[D]")


def _wd_after(d: date, n: int) -> date:
    return np.busday_offset(np.datetime64(d), n, roll="backward", holidays=_HOLIDAYS).astype(date)


def _days_after(d: date, n: int) -> date:
    return np.busday_offset(np.datetime64(d + timedelta(days=n)), 0, roll="forward", holidays=_HOLIDAYS).astype(date)


def _late(actual: date | None, due: date, stop: date | None = None) -> bool:
    if actual is not None:
        return actual > due
    return due < min(AS_OF, stop or AS_OF)


def test_each_deadline_is_broken_by_some_and_met_by_most(big):
    b = live(big)
    cases = {c["case_id"]: c for c in b["cases"]}
    closed = {cid: c["status_date"] for cid, c in cases.items() if c["status"] in CLOSED_STATUSES}
    assets, vals, rounds = _asset_rows(big)
    checks: dict[str, list[bool]] = defaultdict(list)
    for cid, c in cases.items():
        checks["decision_late"].append(_late(c["decision_date"], _wd_after(c["received_date"], 5), closed.get(cid)))
    for aid, a in assets.items():
        stop = a["disposition_date"]
        if not a["price_agreed"]:
            first = min((v["contract_date"] for v in vals[aid] if v["contract_date"]), default=None)
            checks["valuation_contract_late"].append(_late(first, _wd_after(a["seizure_date"], 5), stop))
        valuation_contracts = sorted(v["contract_date"] for v in vals[aid] if v["contract_date"])
        for v in vals[aid]:
            cert = v["certificate_date"]
            if not cert:
                continue
            nxt = min((u["contract_date"] for u in rounds[aid] if u["contract_date"] >= cert), default=None)
            later_val = min((d for d in valuation_contracts if d > cert), default=None)
            if later_val and (nxt is None or later_val < nxt):
                continue  # a new valuation stopped this certificate's clock
            checks["auction_contract_late"].append(_late(nxt, _days_after(cert, 10), stop))
        for i, u in enumerate(rounds[aid]):
            if u["outcome"] != "huy":
                limit = 45 if a["asset_type"] == "bat_dong_san" else 30
                checks["auction_held_late"].append(_late(u["auction_date"], _days_after(u["contract_date"], limit), stop))
            if u["outcome"] == "khong_thanh":
                steps = [r["contract_date"] for r in rounds[aid][i + 1:]] + [
                    d for d in valuation_contracts if d >= u["auction_date"]]
                checks["price_cut_late"].append(_late(min(steps, default=None), _days_after(u["auction_date"], 15), stop))
            if u["auction_date"]:
                in_force = [v for v in vals[aid] if v["certificate_date"] and v["certificate_date"] <= u["contract_date"]]
                if in_force:
                    v = max(in_force, key=lambda v: v["certificate_date"])
                    if v["valid_until"]:
                        checks["certificate_expired"].append(u["auction_date"] > v["valid_until"])
        if a["disposition"] == "da_ban":
            checks["handover_late"].append(_late(a["handover_date"], _days_after(a["disposition_date"], 60)))
    shares = {rule: (sum(v), len(v)) for rule, v in checks.items()}
    print("deadline breaches (late, checked):", shares)
    assert set(shares) == {"decision_late", "valuation_contract_late", "auction_contract_late", "auction_held_late",
                           "price_cut_late", "certificate_expired", "handover_late"}
    for rule, (late, n) in shares.items():
        assert 0 < late < 0.5 * n, rule


# ---------------------------------------------------------------------------------------------------
# Defects: the manifest lists exactly what the validation rules quarantine.
# ---------------------------------------------------------------------------------------------------
MONEY_POSITIVE = {"payments": ["amount"], "auctions": ["starting_price", "sale_price"], "valuations": ["value"]}
ROW_ORDERS = {"cases": [("received_date", "decision_date"), ("received_date", "status_date")],
              "valuations": [("contract_date", "certificate_date"), ("certificate_date", "valid_until")],
              "auctions": [("contract_date", "auction_date")],
              "assets": [("seizure_date", "disposition_date"), ("disposition_date", "handover_date")],
              "complaints": [("received_date", "resolved_date")]}
KEYS = {"payments": "payment_id", "assets": "asset_id", "valuations": "valuation_id", "auctions": "auction_id",
        "complaints": "complaint_id", "cases": "case_id"}


def quarantine(batch: dict[str, list[dict]]) -> dict[tuple[str, int], set[str]]:
    """validation-rules.md, applied to the rows as read: (file, row) -> reasons."""
    offices = office_map()
    bad: dict[tuple[str, int], set[str]] = defaultdict(set)
    for name, rows in batch.items():
        rt = RECORD_TYPES[name]
        ids = Counter((r["_file"], r[rt.key]) for r in rows) if name in KEYS else Counter()
        for r in rows:
            k = (r["_file"], r["_row"])
            bad[k].update(reason for _, reason in r["_failed"])
            unparsed = {col for col, _ in r["_failed"]}
            for col in rt.columns:
                if col.required and col.kind != "bool" and r[col.name] is None and col.name not in unparsed:
                    bad[k].add("missing_required")
                if col.kind == "date" and col.name != "valid_until" and r[col.name] and r[col.name] > AS_OF:
                    bad[k].add("date_in_future")
            for a, z in ROW_ORDERS.get(name, []):
                if r[a] and r[z] and r[z] < r[a]:
                    bad[k].add("date_order")
            for col in MONEY_POSITIVE.get(name, []):
                if r[col] is not None and r[col] <= 0:
                    bad[k].add("negative_amount")
            if name == "cases":
                if r["amount_due"] is not None and r["amount_due"] < 0:
                    bad[k].add("negative_amount")
                if r["credit_case"] and not r["credit_institution"]:
                    bad[k].add("conditional_required")
            # Conditional rules look at parsed values: an unreadable value counts as absent there too.
            if name == "valuations" and r["certificate_date"] and r["value"] is None:
                bad[k].add("conditional_required")
            if name == "assets" and r["disposition"] and r["disposition_date"] is None:
                bad[k].add("conditional_required")
            if name == "auctions":
                if r["outcome"] == "thanh" and r["sale_price"] is None:
                    bad[k].add("conditional_required")
                if r["sale_price"] is not None and r["starting_price"] is not None and r["sale_price"] < r["starting_price"]:
                    bad[k].add("sale_below_starting")
                if r["round_no"] is not None and r["round_no"] < 1:
                    bad[k].add("round_no_invalid")
            if r["office_code"] and r["office_code"] not in offices:
                bad[k].add("unknown_office")
            if name in KEYS and ids[(r["_file"], r[rt.key])] > 1:
                bad[k].add("duplicate_id")
    # Parents and children: superseded copies first (they are neither loaded nor quarantined).
    stale = {(r["_folder"], r["case_id"]) for r in batch["cases"]
             if offices.get(r["office_code"], r["office_code"]) != r["_folder"] and r["office_code"] in offices}
    case_rows = defaultdict(list)
    for r in batch["cases"]:
        if (r["_folder"], r["case_id"]) not in stale:
            case_rows[r["case_id"]].append(r)
    case_ok = {cid: all(not bad[(r["_file"], r["_row"])] for r in rs) for cid, rs in case_rows.items()}
    received = {cid: rs[0]["received_date"] for cid, rs in case_rows.items()}
    # Cross-row dates and payments above the amount due, over payments that passed.
    for name in ("status_events", "payments", "assets"):
        col = {"status_events": "event_date", "payments": "payment_date", "assets": "seizure_date"}[name]
        for r in batch[name]:
            rec = received.get(r["case_id"])
            if r[col] and rec and r[col] < rec and (r["_folder"], r["case_id"]) not in stale:
                bad[(r["_file"], r["_row"])].add("date_order")
    running: dict[str, int] = Counter()
    due = {cid: rs[0]["amount_due"] for cid, rs in case_rows.items() if case_ok[cid]}
    passed = [r for r in batch["payments"] if not bad[(r["_file"], r["_row"])] and r["case_id"] in due
              and (r["_folder"], r["case_id"]) not in stale]
    for r in sorted(passed, key=lambda r: (r["payment_date"], r["_folder"], r["_row"])):
        running[r["case_id"]] += r["amount"]
        if running[r["case_id"]] > due[r["case_id"]]:
            bad[(r["_file"], r["_row"])].add("payments_exceed_amount_due")
    # Orphans and quarantined parents (cascading case -> asset -> valuations/auctions).
    asset_ok = {}
    for r in batch["assets"]:
        ok = not bad[(r["_file"], r["_row"])]
        asset_ok[r["asset_id"]] = asset_ok.get(r["asset_id"], True) and ok
    for name in ("status_events", "payments", "assets", "complaints"):
        for r in batch[name]:
            if name == "complaints" and r["case_id"] is None:
                continue
            if (r["_folder"], r["case_id"]) in stale:
                continue
            if r["case_id"] not in case_ok:
                bad[(r["_file"], r["_row"])].add("orphan")
            elif not case_ok[r["case_id"]]:
                bad[(r["_file"], r["_row"])].add("parent_quarantined")
    for r in batch["assets"]:
        asset_ok[r["asset_id"]] = asset_ok.get(r["asset_id"], True) and not bad[(r["_file"], r["_row"])]
    for name in ("valuations", "auctions"):
        for r in batch[name]:
            if r["asset_id"] not in asset_ok:
                bad[(r["_file"], r["_row"])].add("orphan")
            elif not asset_ok[r["asset_id"]]:
                bad[(r["_file"], r["_row"])].add("parent_quarantined")
    return {k: v for k, v in bad.items() if v}


def test_clean_batch_quarantines_nothing(big):
    assert quarantine(big) == {}


def test_defect_manifest_lists_exactly_the_quarantined_rows(defective):
    root, batch, manifest = defective
    kinds = {m["kind"] for m in manifest}
    assert kinds == {"missing_required", "invalid_date", "invalid_money", "invalid_bool", "invalid_int",
                     "invalid_enum", "negative_amount", "round_no_invalid", "date_order", "date_in_future",
                     "conditional_required", "sale_below_starting", "unknown_office", "duplicate_id", "orphan",
                     "payments_exceed_amount_due", "parent_quarantined"}
    listed = defaultdict(set)
    for m in manifest:
        listed[(m["file"], int(m["row"]))].add(m["kind"])
    found = quarantine(batch)
    assert set(found) == set(listed)  # the same rows
    # Each row has exactly one reason, and it is the one the manifest gives.
    assert all(len(v) == 1 for v in listed.values())
    mismatched = {k: (listed[k], found[k]) for k in listed if listed[k] != found[k]}
    assert not mismatched, list(mismatched.items())[:10]
    # Each listed ID is the row's own, and no file comes near half bad.
    rows = {(r["_file"], r["_row"]): r for rs in batch.values() for r in rs}
    for m in manifest:
        r = rows[(m["file"], int(m["row"]))]
        name = Path(m["file"]).stem
        assert m["record_id"] == r[KEYS.get(name, "case_id")]
    per_file = Counter(f for f, _ in listed)
    sizes = Counter(r["_file"] for rs in batch.values() for r in rs)
    assert all(per_file[f] < 0.4 * sizes[f] for f in per_file if sizes[f] >= 20)
