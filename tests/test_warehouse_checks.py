"""The identity checks can fail, and a failing build leaves the published warehouse as it was."""

from __future__ import annotations

import shutil
from datetime import date as d
from pathlib import Path

import duckdb
import pytest

from thads.settings import MODELS_DIR, get_settings
from transforms.build import BuildError, build_warehouse
from warehouse_data import Dataset, build, one, rows

M = 1_000_000


def small() -> Dataset:
    ds = Dataset()
    # worked examples 1-3 of metrics.md (office NA01)
    ds.case("W1", d(2023, 2, 1), 200 * M)
    ds.pay("W1", d(2024, 1, 10), 50 * M).pay("W1", d(2026, 1, 5), 30 * M)
    ds.case("W2", d(2025, 11, 3), 60 * M)
    ds.history("W2", (d(2025, 11, 3), "dang_thi_hanh"), (d(2026, 2, 1), "uy_thac"))
    ds.pay("W2", d(2026, 1, 20), 10 * M, "mien_giam")
    ds.case("W3", d(2016, 5, 1), 15 * M)
    ds.history("W3", (d(2016, 5, 1), "dang_thi_hanh"), (d(2016, 12, 1), "chua_co_dieu_kien"),
               (d(2025, 12, 1), "theo_doi_rieng"))
    ds.case("C1", d(2025, 12, 1), 10 * M, office="NA02")
    return ds


def copy_models(tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(MODELS_DIR, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


CHECKS = sorted(p.name for p in (MODELS_DIR / "checks").glob("kpi_*.sql"))


@pytest.mark.parametrize("check", CHECKS)
def test_each_identity_check_catches_a_corrupted_row(tmp_path, check):
    con = build(tmp_path, small(), d(2026, 6, 30))
    con.close()
    db = tmp_path / "warehouse" / "thads.duckdb"
    corrupt = duckdb.connect(str(db))
    sql = (MODELS_DIR / "checks" / check).read_text(encoding="utf-8")
    assert corrupt.execute(sql).fetchall() == []  # holds on the real build
    # one office row of the as-of ytd: shift the column each identity checks by one
    column = {
        "kpi_handled_identity.sql": "entrusted",
        "kpi_to_enforce_identity.sql": "without_conditions",
        "kpi_carried_forward_identity.sql": "completed",
        "kpi_money_completed_identity.sql": "money_paid",
        "kpi_money_carried_forward_identity.sql": "money_carried_forward",
        "kpi_province_equals_offices.sql": "money_recovered",
    }[check]
    corrupt.execute(f"update marts.kpi_period set {column} = {column} + 1 where office_code = 'NA01' "
                    "and scope = 'all' and period_label = '2026 ytd to 2026-06-30'")
    offending = corrupt.execute(sql).fetchall()
    corrupt.close()
    assert len(offending) == 1


def test_a_corrupted_model_fails_the_build_and_names_the_check(tmp_path):
    # the first build publishes; then a model that derives a column wrongly must not replace it
    con = build(tmp_path, small(), d(2026, 6, 30))
    con.close()
    db = tmp_path / "warehouse" / "thads.duckdb"
    before = db.read_bytes()
    models = copy_models(tmp_path)
    kpi = models / "marts" / "kpi_period.sql"
    text = kpi.read_text(encoding="utf-8")
    assert "        aggregates.carried_forward,\n" in text
    kpi.write_text(text.replace("        aggregates.carried_forward,\n",
                                "        aggregates.carried_forward + aggregates.entrusted as carried_forward,\n"))
    small_ds = small()
    small_ds.case("E1", d(2025, 10, 10), 40 * M, office="NA02")  # an entrusted case makes the error visible
    small_ds.history("E1", (d(2025, 10, 10), "dang_thi_hanh"), (d(2026, 1, 10), "uy_thac"))
    canonical = small_ds.write(tmp_path / "canonical2")
    with pytest.raises(BuildError) as err:
        build_warehouse(db, canonical, d(2026, 6, 30), models_dir=models)
    assert err.value.stage == "check" and err.value.name == "checks.kpi_carried_forward_identity"
    assert err.value.row_count >= 1 and "carried_forward=" in str(err.value)
    assert db.read_bytes() == before
    assert not list(db.parent.glob("*.building-*"))


def test_a_broken_model_midway_leaves_the_previous_warehouse(tmp_path):
    con = build(tmp_path, small(), d(2026, 6, 30))
    con.close()
    db = tmp_path / "warehouse" / "thads.duckdb"
    before = db.read_bytes()
    models = copy_models(tmp_path)
    (models / "intermediate" / "int_kpi_targets.sql").write_text(
        "with targets as (select * from staging.stg_targets) select no_such_column from targets\n")
    with pytest.raises(BuildError) as err:
        build_warehouse(db, tmp_path / "canonical", d(2026, 7, 31), models_dir=models)
    assert err.value.stage == "model" and err.value.name == "intermediate.int_kpi_targets"
    assert db.read_bytes() == before
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select as_of from ref.run_context").fetchone() == (d(2026, 6, 30),)


def test_next_year_and_an_office_target(tmp_path):
    # as of 31/10/2026 (statistical year 2027) with an office target for 2026 in the reference data
    refdir = tmp_path / "reference"
    shutil.copytree(get_settings().reference_dir, refdir)
    with open(refdir / "targets.csv", "a", encoding="utf-8") as f:
        f.write("2026,all,NA01,90.00,60.00,office target (test)\n")
    con = build(tmp_path, small(), d(2026, 10, 31), reference_dir=refdir)
    w3 = one(con, """select f.* from intermediate.int_case_period_kpi f join intermediate.int_periods p
                     using (period_id) where f.case_id = 'W3' and p.period_label = '2027 ytd to 2026-10-31'""")
    # worked example 3: in the separate register on 30/09/2026, so not carried over into 2027
    assert (w3["carried_over"], w3["is_handled"]) == (False, False)
    kpi = {r["office_code"]: r for r in rows(con, "select * from marts.kpi_period where scope = 'all' "
                                                  "and period_label = '2027 ytd to 2026-10-31'")}
    # NA01 carries over W1 only (W2 entrusted, W3 in the register)
    assert (kpi["NA01"]["carried_over"], kpi["NA01"]["handled"]) == (1, 1)
    # 2027 has no target: NA01 shows its own 2026 target, the others and the province the 2025 one
    assert (kpi["NA01"]["target_year"], kpi["NA01"]["target_rate_cases"], kpi["NA01"]["target_rate_money"]) == (
        2026, 90.0, 60.0)
    assert (kpi["NA02"]["target_year"], kpi["NA02"]["target_rate_cases"]) == (2025, 83.90)
    assert (kpi["ALL"]["target_year"], kpi["ALL"]["target_rate_cases"]) == (2025, 83.90)
    con.close()
