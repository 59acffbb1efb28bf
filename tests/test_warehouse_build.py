"""The warehouse runner: discovery, dependency order, checks, and the all-or-nothing publish."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from transforms.build import BuildError, build_warehouse, list_models, open_warehouse, sql_references

AS_OF = date(2026, 6, 30)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture()
def tiny(tmp_path: Path) -> dict[str, Path]:
    """A models dir with two SQL models, a Python model and a check; a canonical dir with one file."""
    models = tmp_path / "models"
    _write(models / "staging" / "stg_things.sql",
           "-- reads marts.ignored_in_a_comment\n"
           "with cases as (select * from raw.cases)\n"
           "select case_id, amount_due, 'intermediate.not_a_ref' as note from cases\n")
    _write(models / "marts" / "thing_total.sql",
           "with things as (select * from staging.stg_things),\n"
           "ctx as (select * from ref.run_context),\n"
           "final as (select cast(sum(amount_due) as bigint) as total, any_value(ctx.as_of) as as_of\n"
           "          from things cross join ctx)\n"
           "select * from final;\n")
    _write(models / "intermediate" / "int_doubled.py",
           'DEPENDS_ON = ["staging.stg_things"]\n'
           "def build(con, context):\n"
           "    con.execute(f'create table {context.name} as '\n"
           "                'select case_id, amount_due * 2 as doubled from staging.stg_things')\n")
    _write(models / "checks" / "no_negative_total.sql",
           "select * from marts.thing_total where total < 0\n")
    canonical = tmp_path / "canonical"
    canonical.mkdir()
    pl.DataFrame({"case_id": ["A", "B"], "office_code": ["NA01", "NA02"],
                  "received_date": [date(2025, 1, 1)] * 2, "amount_due": [5, 7]}).write_parquet(
        canonical / "cases.parquet")
    refdir = tmp_path / "ref"
    _write(refdir / "targets.csv", "statistical_year,scope,target_rate_cases\n2025,all,83.90\n")
    return {"models": models, "canonical": canonical, "ref": refdir, "db": tmp_path / "wh" / "thads.duckdb"}


def test_references_ignore_comments_and_strings():
    sql = "-- marts.a\n/* staging.b */ select 'marts.c' from intermediate.d join staging.e on x"
    assert sql_references(sql) == ["intermediate.d", "staging.e"]


def test_list_models_orders_dependencies_first(tiny):
    models = list_models(tiny["models"])
    names = [m.name for m in models]
    assert names == ["staging.stg_things", "intermediate.int_doubled", "marts.thing_total"]
    by_name = {m.name: m for m in models}
    assert by_name["marts.thing_total"].depends_on == ("staging.stg_things",)
    assert by_name["intermediate.int_doubled"].kind == "py"


def test_build_loads_inputs_runs_models_and_publishes(tiny):
    result = build_warehouse(tiny["db"], tiny["canonical"], AS_OF, reference_dir=tiny["ref"],
                             models_dir=tiny["models"])
    assert result.path == tiny["db"] and tiny["db"].exists()
    assert [(m.name, m.rows) for m in result.models] == [
        ("staging.stg_things", 2), ("intermediate.int_doubled", 2), ("marts.thing_total", 1)]
    assert [c.passed for c in result.checks] == [True]
    assert not list(tiny["db"].parent.glob("*.building-*"))
    con = open_warehouse(tiny["db"])
    try:
        # 5 + 7 = 12; as_of comes from ref.run_context, never pasted into the SQL
        assert con.execute("select total, as_of from marts.thing_total").fetchone() == (12, AS_OF)
        # absent files are empty tables with the contract's columns
        cols = [r[0] for r in con.execute("describe raw.payments").fetchall()]
        assert cols[:6] == ["payment_id", "case_id", "office_code", "payment_date", "amount", "kind"]
        assert con.execute("select count(*) from raw.payments").fetchone()[0] == 0
        # reference CSVs are all VARCHAR
        assert con.execute("select typeof(statistical_year) from ref.targets").fetchone()[0] == "VARCHAR"
        # run context: as of 30/06/2026 -> statistical year 2026, from 01/10/2025
        row = con.execute("select statistical_year, year_start, same_day_previous_year "
                          "from ref.run_context").fetchone()
        assert row == (2026, date(2025, 10, 1), date(2025, 6, 30))
        with pytest.raises(duckdb.Error):
            con.execute("create table marts.x as select 1")
    finally:
        con.close()


def test_before_publish_runs_inside_the_new_warehouse(tiny):
    def add_audit(con):
        con.execute("create schema audit")
        con.execute("create table audit.runs as select 1 as run_id")

    build_warehouse(tiny["db"], tiny["canonical"], AS_OF, reference_dir=tiny["ref"],
                    models_dir=tiny["models"], before_publish=add_audit)
    with open_warehouse(tiny["db"]) as con:
        assert con.execute("select run_id from audit.runs").fetchone() == (1,)


def test_failing_check_shows_rows_and_keeps_previous_warehouse(tiny):
    build_warehouse(tiny["db"], tiny["canonical"], AS_OF, reference_dir=tiny["ref"], models_dir=tiny["models"])
    before = tiny["db"].read_bytes()
    _write(tiny["models"] / "checks" / "total_is_small.sql",
           "select total from marts.thing_total where total > 10\n")
    with pytest.raises(BuildError) as err:
        build_warehouse(tiny["db"], tiny["canonical"], date(2026, 7, 31), reference_dir=tiny["ref"],
                        models_dir=tiny["models"])
    assert err.value.stage == "check" and err.value.name == "checks.total_is_small"
    assert err.value.rows == [{"total": 12}] and "total=12" in str(err.value)
    assert tiny["db"].read_bytes() == before
    assert not list(tiny["db"].parent.glob("*.building-*"))


def test_broken_model_midway_leaves_previous_warehouse_untouched(tiny):
    build_warehouse(tiny["db"], tiny["canonical"], AS_OF, reference_dir=tiny["ref"], models_dir=tiny["models"])
    before = tiny["db"].read_bytes()
    _write(tiny["models"] / "marts" / "zz_broken.sql",
           "with things as (select * from staging.stg_things) select no_such_column from things\n")
    with pytest.raises(BuildError) as err:
        build_warehouse(tiny["db"], tiny["canonical"], date(2026, 7, 31), reference_dir=tiny["ref"],
                        models_dir=tiny["models"])
    assert err.value.stage == "model" and err.value.name == "marts.zz_broken"
    assert "zz_broken.sql" in str(err.value)
    assert tiny["db"].read_bytes() == before
    assert not list(tiny["db"].parent.glob("*.building-*"))
    with open_warehouse(tiny["db"]) as con:
        assert con.execute("select as_of from marts.thing_total").fetchone() == (AS_OF,)


def test_failing_before_publish_keeps_previous_warehouse(tiny):
    build_warehouse(tiny["db"], tiny["canonical"], AS_OF, reference_dir=tiny["ref"], models_dir=tiny["models"])
    before = tiny["db"].read_bytes()

    def boom(con):
        raise OSError("disk full")

    with pytest.raises(BuildError, match="disk full"):
        build_warehouse(tiny["db"], tiny["canonical"], AS_OF, reference_dir=tiny["ref"],
                        models_dir=tiny["models"], before_publish=boom)
    assert tiny["db"].read_bytes() == before


def test_unknown_reference_names_the_file(tiny):
    _write(tiny["models"] / "marts" / "orphan.sql", "select * from intermediate.int_missing\n")
    with pytest.raises(BuildError, match=r"orphan\.sql: reads intermediate\.int_missing"):
        list_models(tiny["models"])


def test_cycle_names_the_files(tiny):
    _write(tiny["models"] / "intermediate" / "int_a.sql", "select * from intermediate.int_b\n")
    _write(tiny["models"] / "intermediate" / "int_b.sql", "select * from intermediate.int_a\n")
    with pytest.raises(BuildError, match=r"cycle intermediate\.int_a -> intermediate\.int_b -> "
                                         r"intermediate\.int_a") as err:
        list_models(tiny["models"])
    assert "int_a.sql" in str(err.value) and "int_b.sql" in str(err.value)


def test_staging_may_not_read_a_later_layer(tiny):
    _write(tiny["models"] / "staging" / "stg_bad.sql", "select * from marts.thing_total\n")
    with pytest.raises(BuildError, match=r"stg_bad\.sql: a staging model reads marts\.thing_total"):
        list_models(tiny["models"])



def test_warnings_are_listed_but_do_not_fail(tiny):
    _write(tiny["models"] / "warnings" / "big_amounts.sql",
           "select case_id, amount_due from staging.stg_things where amount_due > 6\n")
    result = build_warehouse(tiny["db"], tiny["canonical"], AS_OF, reference_dir=tiny["ref"],
                             models_dir=tiny["models"])
    assert [(w.name, w.failing_rows, w.sample) for w in result.warnings] == [
        ("warnings.big_amounts", 1, [{"case_id": "B", "amount_due": 7}])]


def test_the_project_models_are_listed_with_their_files():
    models = {m.name: m for m in list_models()}
    assert models["marts.kpi_period"].path.name == "kpi_period.sql"
    assert "intermediate.int_kpi_aggregates" in models["marts.kpi_period"].depends_on
    assert models["staging.stg_status_classes"].kind == "py"
