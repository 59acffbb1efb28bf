"""The published 2021 national figures reproduce through the same SQL (metrics.md):
493,971 completed of 651,563 with conditions = 75.81 %; 45,705 of 147,216 billion VND = 31.05 %;
843,102 - 493,971 = 349,131 carried forward.

A synthetic province whose counts equal the national ones, all received in statistical year 2021
(01/10/2020 - 30/09/2021), built as of 30/06/2025 so that 2021 is one of the 4 previous full years:

  group        cases    status on 30/09/2021                         money (sum of amount_due)
  done       493,971    xong (half of them paid half their amount first)   45,705 bn
  open       157,592    dang_thi_hanh (xong on 15/10/2021)                101,511 bn  (147,216 - 45,705)
  without    191,539    chua_co_dieu_kien (xong on 15/10/2021)            139,019 bn  (286,235 - 147,216)
  entrusted   12,345    uy_thac, nothing paid: handled, not to enforce
  withdrawn    6,789    thu_hoi: handled, not to enforce
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest

from thads.settings import MODELS_DIR
from transforms.build import build_warehouse, list_models

BN = 1_000_000_000
GROUPS = [  # name, cases, total amount, final status, status date (or None: see events)
    ("done", 493_971, 45_705 * BN),
    ("open", 157_592, 101_511 * BN),
    ("without", 191_539, 139_019 * BN),
    ("entrusted", 12_345, 0),
    ("withdrawn", 6_789, 0),
]


def _write_dataset(folder: Path) -> None:
    folder.mkdir(parents=True)
    con = duckdb.connect()
    parts = []
    offset = 0
    for name, n, total in GROUPS:
        parts.append(f"""
            select '{name}' as grp, i - {offset} as k, i,
                   cast({total // n} + case when i - {offset} < {total % n} then 1 else 0 end as bigint) as amount_due
            from range({offset}, {offset + n}) as t(i)""")
        offset += n
    con.execute(f"create table base as {' union all '.join(parts)}")
    con.execute("""
        create table cases as
        select
            'N' || lpad(cast(i as varchar), 7, '0') as case_id,
            'NA' || lpad(cast(i % 10 + 1 as varchar), 2, '0') as office_code,
            'CHV' || cast(i % 50 as varchar) as officer_id,
            'BA-' || cast(i as varchar) as judgment_no,
            case when i % 3 = 0 then 'hinh_su' else 'dan_su' end as judgment_type,
            case when i % 2 = 0 then 'chu_dong' else 'theo_don' end as initiation,
            cast(date '2020-10-01' + cast(i % 300 as integer) as date) as received_date,
            cast(null as date) as decision_date,
            'ca_nhan' as obligee_type,
            'obligee' as obligee_key,
            cast(null as varchar) as obligee_org_name,
            'obligor-' || cast(i as varchar) as obligor_key,
            false as credit_case,
            cast(null as varchar) as credit_institution,
            amount_due,
            case grp when 'entrusted' then 'uy_thac' when 'withdrawn' then 'thu_hoi' else 'xong' end as status,
            case grp
                when 'done' then cast(date '2020-10-01' + cast(i % 300 + 30 as integer) as date)
                when 'entrusted' then cast(date '2020-10-01' + cast(i % 300 + 20 as integer) as date)
                when 'withdrawn' then cast(date '2020-10-01' + cast(i % 300 + 10 as integer) as date)
                else date '2021-10-15'
            end as status_date,
            grp, k, i
        from base""")
    con.execute(f"copy (select * exclude (grp, k, i) from cases) to '{folder / 'cases.parquet'}' (format parquet)")
    # the cases without conditions have a history: chua_co_dieu_kien from the start, xong on 15/10/2021
    con.execute(f"""
        copy (
            select case_id, office_code, event_date, status, false as has_reason,
                   cast(row_number() over (order by i, step) as integer) as source_row
            from (
                select case_id, office_code, received_date as event_date, 'chua_co_dieu_kien' as status, i, 1 as step
                from cases where grp = 'without'
                union all
                select case_id, office_code, date '2021-10-15', 'xong', i, 2 from cases where grp = 'without'
            )
        ) to '{folder / 'status_events.parquet'}' (format parquet)""")
    # half of the completed cases paid half their amount before closing: money completed stays
    # outstanding_start, split into money_paid and money_closed_remainder
    con.execute(f"""
        copy (
            select 'PAY' || case_id as payment_id, case_id, office_code,
                   cast(received_date + 5 as date) as payment_date, amount_due // 2 as amount, 'tu_nguyen' as kind
            from cases where grp = 'done' and k % 2 = 0 and amount_due >= 2
        ) to '{folder / 'payments.parquet'}' (format parquet)""")
    con.close()


def kpi_models(target: Path) -> Path:
    """The model files marts.kpi_period and marts.kpi_breakdown are built from, unchanged, and the KPI
    checks: the same SQL, without the asset, deadline and flow models this test does not read (keeps it
    to seconds on 860,000 cases)."""
    models = {m.name: m for m in list_models(MODELS_DIR)}
    needed: set[str] = set()
    todo = ["marts.kpi_period", "marts.kpi_breakdown"]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(models[name].depends_on)
    for name in needed:
        path = models[name].path
        dest = target / path.relative_to(MODELS_DIR)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(path.read_bytes())
    (target / "checks").mkdir(parents=True, exist_ok=True)
    for check in (MODELS_DIR / "checks").glob("kpi_*.sql"):
        (target / "checks" / check.name).write_bytes(check.read_bytes())
    return target


def half_up(x: float) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def year_2021(tmp_path_factory):
    root = tmp_path_factory.mktemp("national")
    _write_dataset(root / "canonical")
    db = root / "thads.duckdb"
    build_warehouse(db, root / "canonical", date(2025, 6, 30), models_dir=kpi_models(root / "models"))
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("select * from marts.kpi_period where period_kind = 'year' and statistical_year = 2021 "
                          "and scope = 'all' and office_code = 'ALL'")
        names = [c[0] for c in cur.description]
        found = [dict(zip(names, r)) for r in cur.fetchall()]
    assert len(found) == 1
    return found[0]


def test_2021_counts(year_2021):
    r = year_2021
    assert r["period_start"] == date(2020, 10, 1) and r["period_end"] == date(2021, 9, 30)
    assert r["with_conditions"] == 651_563
    assert r["completed"] == 493_971
    assert r["to_enforce"] == 843_102
    assert r["carried_forward"] == 349_131
    assert r["handled"] == 843_102 + 12_345 + 6_789
    assert (r["entrusted"], r["withdrawn"]) == (12_345, 6_789)


def test_2021_rates_as_published(year_2021):
    assert half_up(year_2021["rate_cases"]) == Decimal("75.81")
    assert half_up(year_2021["rate_money"]) == Decimal("31.05")


def test_2021_money(year_2021):
    r = year_2021
    assert r["money_with_conditions"] == 147_216 * BN
    assert r["money_completed"] == 45_705 * BN
    assert r["money_to_enforce"] == 286_235 * BN
    assert r["money_carried_forward"] == (286_235 - 45_705) * BN
    assert r["money_paid"] + r["money_closed_remainder"] == 45_705 * BN and r["money_paid"] > 0
