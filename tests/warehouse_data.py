"""Hand-made canonical datasets for the warehouse tests: a few cases, events and payments, written as the
Parquet files the ingest step hands to `build_warehouse`.

Status events keep the order they are added in (`source_row` 1, 2, ...), but the file is written in
reverse physical order, so a model that relied on the physical row order instead of `source_row` fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from transforms.build import build_warehouse


@dataclass
class Dataset:
    cases: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)

    def case(self, case_id: str, received: date, amount: int = 0, *, office: str = "NA01",
             credit: bool = False, institution: str | None = None, judgment_type: str = "dan_su",
             initiation: str = "theo_don", officer: str | None = "CHV01",
             status: str | None = None, status_date: date | None = None) -> "Dataset":
        """A case; without `status`, the cases row carries its last event (or dang_thi_hanh)."""
        self.cases.append(dict(
            case_id=case_id, office_code=office, officer_id=officer, judgment_no=f"BA-{case_id}",
            judgment_type=judgment_type, initiation=initiation, received_date=received,
            decision_date=None, obligee_type="to_chuc_tin_dung" if credit else "ca_nhan",
            obligee_key=f"obligee-{case_id}", obligee_org_name=None, obligor_key=f"obligor-{case_id}",
            credit_case=credit, credit_institution=institution, amount_due=amount,
            status=status, status_date=status_date,
        ))
        return self

    def event(self, case_id: str, day: date, status: str) -> "Dataset":
        self.events.append(dict(case_id=case_id, event_date=day, status=status))
        return self

    def history(self, case_id: str, *steps: tuple[date, str]) -> "Dataset":
        for day, status in steps:
            self.event(case_id, day, status)
        return self

    def pay(self, case_id: str, day: date, amount: int, kind: str = "tu_nguyen") -> "Dataset":
        self.payments.append(dict(payment_id=f"P{len(self.payments) + 1:05d}", case_id=case_id,
                                  payment_date=day, amount=amount, kind=kind))
        return self

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        office_of = {c["case_id"]: c["office_code"] for c in self.cases}
        last_event: dict[str, dict] = {}
        for e in self.events:  # events are added in order
            last_event[e["case_id"]] = e
        case_rows = []
        for i, c in enumerate(self.cases, start=1):
            row = dict(c)
            if row["status"] is None:
                last = last_event.get(row["case_id"])
                row["status"] = last["status"] if last else "dang_thi_hanh"
                row["status_date"] = last["event_date"] if last else row["received_date"]
            case_rows.append(_lineage(row, "cases", i))
        pl.DataFrame(case_rows, schema=_schema(CASES), orient="row").write_parquet(folder / "cases.parquet")

        event_rows = [
            _lineage(dict(case_id=e["case_id"], office_code=office_of[e["case_id"]], event_date=e["event_date"],
                          status=e["status"], has_reason=False), "status_events", i)
            for i, e in enumerate(self.events, start=1)
        ]
        pl.DataFrame(list(reversed(event_rows)), schema=_schema(EVENTS), orient="row").write_parquet(
            folder / "status_events.parquet")

        pay_rows = [
            _lineage(dict(p, office_code=office_of[p["case_id"]]), "payments", i)
            for i, p in enumerate(self.payments, start=1)
        ]
        pl.DataFrame(pay_rows, schema=_schema(PAYMENTS), orient="row").write_parquet(folder / "payments.parquet")
        return folder


LINEAGE = {"batch_date": pl.Date, "batch_office": pl.Utf8, "source_file": pl.Utf8, "source_row": pl.Int32,
           "file_sha256": pl.Utf8}
CASES = {
    "case_id": pl.Utf8, "office_code": pl.Utf8, "officer_id": pl.Utf8, "judgment_no": pl.Utf8,
    "judgment_type": pl.Utf8, "initiation": pl.Utf8, "received_date": pl.Date, "decision_date": pl.Date,
    "obligee_type": pl.Utf8, "obligee_key": pl.Utf8, "obligee_org_name": pl.Utf8, "obligor_key": pl.Utf8,
    "credit_case": pl.Boolean, "credit_institution": pl.Utf8, "amount_due": pl.Int64, "status": pl.Utf8,
    "status_date": pl.Date,
}
EVENTS = {"case_id": pl.Utf8, "office_code": pl.Utf8, "event_date": pl.Date, "status": pl.Utf8,
          "has_reason": pl.Boolean}
PAYMENTS = {"payment_id": pl.Utf8, "case_id": pl.Utf8, "office_code": pl.Utf8, "payment_date": pl.Date,
            "amount": pl.Int64, "kind": pl.Utf8}


def _schema(columns: dict) -> dict:
    return {**columns, **LINEAGE}


def _lineage(row: dict, record_type: str, n: int) -> dict:
    return {**row, "batch_date": date(2026, 6, 30), "batch_office": row.get("office_code"),
            "source_file": f"2026-06-30/{row.get('office_code')}/{record_type}.csv", "source_row": n,
            "file_sha256": "0" * 64}


def build(tmp_path: Path, ds: Dataset, as_of: date, **kwargs) -> duckdb.DuckDBPyConnection:
    """Write the dataset, build a warehouse from it, and open the result read-only."""
    canonical = ds.write(tmp_path / "canonical")
    db = tmp_path / "warehouse" / "thads.duckdb"
    build_warehouse(db, canonical, as_of, **kwargs)
    return duckdb.connect(str(db), read_only=True)


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def one(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> dict:
    found = rows(con, sql, params)
    assert len(found) == 1, f"expected one row, got {len(found)}: {found[:5]}"
    return found[0]
