"""A build that keeps what did not change from the previous warehouse (transforms/reuse.py) gives the
same tables as a build from scratch, and it really keeps: unchanged tables, and the unchanged offices of
the partitioned models.

The inputs are the shared nightly run's own raw tables (generated data, every record type), written
back to canonical Parquet; the changed night is made from them by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLE_AS_OF
from transforms import reuse
from transforms.build import RAW_TABLES, build_warehouse, list_models

MODEL_SCHEMAS = ("raw", "staging", "intermediate", "marts")


@pytest.fixture(scope="module")
def nights(nightly_run, tmp_path_factory) -> dict[str, Path]:
    """Night A: the shared run's raw tables. Night B: A with four offices changed:
    NA02 loses a payment and its first case gets a new status event; one NA03 case moves to NA04; one
    NA05 case is withdrawn from the register with its events, payments, assets and complaints."""
    settings, _ = nightly_run
    root = tmp_path_factory.mktemp("reuse")
    night_a, night_b = root / "a", root / "b"
    night_a.mkdir()
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    for table in RAW_TABLES:
        con.execute(f"copy (select * from raw.{table} order by all) to '{night_a / table}.parquet'")
    con.close()
    shutil.copytree(night_a, night_b)

    con = duckdb.connect()
    a = lambda t: f"read_parquet('{night_a / t}.parquet')"  # noqa: E731
    # the regional office of each case: raw cases may carry legacy codes, staging maps them
    con.execute(f"attach '{settings.warehouse}' as wh (read_only)")
    con.execute("create table case_office as select case_id, office_code from wh.staging.stg_cases")
    pick = lambda o: con.execute(  # noqa: E731 - a case of office o with payments and KPI rows
        "select case_id from case_office join wh.intermediate.int_case_period_kpi using (case_id) "
        f"where case_office.office_code = ? and case_id in (select case_id from {a('payments')}) "
        "order by case_id limit 1", [o]).fetchone()[0]
    paid = con.execute(f"select p.payment_id from {a('payments')} p join case_office c using (case_id) "
                       "where c.office_code = 'NA02' order by payment_id limit 1").fetchone()[0]
    na02_case, moved, withdrawn = pick("NA02"), pick("NA03"), pick("NA05")
    b = lambda t: f"'{night_b / t}.parquet'"  # noqa: E731
    con.execute(f"copy (select * from {a('payments')} where payment_id <> ? and case_id <> ?) to {b('payments')}",
                [paid, withdrawn])
    con.execute(f"""copy (select * from {a('status_events')} where case_id <> $withdrawn
                          union all
                          (select * replace (date '{SAMPLE_AS_OF}' as event_date, 'xong' as status,
                                             999999 as source_row)
                           from {a('status_events')} where case_id = $na02 limit 1))
                    to {b('status_events')}""", {"withdrawn": withdrawn, "na02": na02_case})
    con.execute(f"copy (select * replace (case when case_id = $moved then 'NA04' else office_code end "
                f"as office_code) from {a('cases')} where case_id <> $withdrawn) to {b('cases')}",
                {"moved": moved, "withdrawn": withdrawn})
    for child in ("assets", "complaints"):
        con.execute(f"copy (select * from {a(child)} where case_id is distinct from ?) to {b(child)}",
                    [withdrawn])
    con.execute(f"""copy (select * from {a('valuations')} where asset_id not in
                          (select asset_id from {a('assets')} where case_id = $w)) to {b('valuations')}""",
                {"w": withdrawn})
    con.execute(f"""copy (select * from {a('auctions')} where asset_id not in
                          (select asset_id from {a('assets')} where case_id = $w)) to {b('auctions')}""",
                {"w": withdrawn})
    con.close()
    return {"a": night_a, "b": night_b, "root": root}


def _build(db: Path, canonical: Path, settings, reuse_previous: bool = True):
    return build_warehouse(db, canonical, SAMPLE_AS_OF, settings.reference_dir, reuse_previous=reuse_previous)


def _differences(left: Path, right: Path) -> dict[str, tuple[int, int]]:
    """Per table of the model schemas: rows only in left, rows only in right (as multisets)."""
    con = duckdb.connect()
    con.execute(f"attach '{left}' as l (read_only)")
    con.execute(f"attach '{right}' as r (read_only)")
    tables = {(s, t) for d in ("l", "r") for s, t in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?", [d]).fetchall()
        if s in MODEL_SCHEMAS}
    out = {}
    for s, t in sorted(tables):
        try:
            d = con.execute(f"""select (select count(*) from (select * from l.{s}.{t} except all
                                                          select * from r.{s}.{t})),
                                       (select count(*) from (select * from r.{s}.{t} except all
                                                          select * from l.{s}.{t}))""").fetchone()
        except duckdb.Error as exc:  # a table missing on one side, or other columns
            out[f"{s}.{t}"] = (-1, -1)
            print(exc)
            continue
        if d != (0, 0):
            out[f"{s}.{t}"] = d
    con.close()
    return out


@pytest.fixture(scope="module")
def builds(nights, nightly_run):
    settings, _ = nightly_run
    root = nights["root"]
    reused_db, scratch_db = root / "reused" / "thads.duckdb", root / "scratch" / "thads.duckdb"
    first = _build(reused_db, nights["a"], settings)
    second = _build(reused_db, nights["b"], settings)
    scratch = _build(scratch_db, nights["b"], settings)
    return {"first": first, "second": second, "scratch": scratch, "reused_db": reused_db,
            "scratch_db": scratch_db}


def test_a_build_that_reuses_equals_a_build_from_scratch(builds):
    assert _differences(builds["reused_db"], builds["scratch_db"]) == {}


def test_only_the_changed_offices_of_a_partitioned_model_are_rebuilt(builds):
    modes = {m.name: m.mode for m in builds["second"].models}
    # NA02: a payment and an event; NA03 and NA04: a case moved between them; NA05: a case withdrawn
    assert modes["intermediate.int_case_period_kpi"] == "offices NA02, NA03, NA04, NA05"
    assert modes["intermediate.int_case_current"] == "offices NA02, NA03, NA04, NA05"
    # nothing about assets' valuations or auctions changed except the withdrawn case's: rebuilt whole,
    # while the reference-only models are kept
    assert modes["staging.stg_offices"] == "kept"
    assert modes["staging.stg_deadline_rules"] == "kept"
    assert modes["staging.stg_cases"] == "built"
    assert {m.mode for m in builds["first"].models} == {"built"}
    assert {m.mode for m in builds["scratch"].models} == {"built"}


def test_the_same_night_again_keeps_every_table(builds, nights, nightly_run, tmp_path):
    settings, _ = nightly_run
    db = tmp_path / "thads.duckdb"
    shutil.copyfile(builds["scratch_db"], db)
    again = _build(db, nights["b"], settings)
    modes = {m.name: m.mode for m in again.models}
    # Python models (the calendar, the status classes) have no input fingerprint: always rebuilt
    python_models = {m.name for m in list_models() if m.kind == "py"}
    assert {n for n, mode in modes.items() if mode != "kept"} == python_models
    assert _differences(db, builds["scratch_db"]) == {}


def test_a_changed_model_text_rebuilds_it_and_its_readers(builds, nights, nightly_run, tmp_path):
    settings, _ = nightly_run
    models = tmp_path / "models"
    shutil.copytree(Path(reuse.__file__).parent / "models", models)
    stg = models / "staging" / "stg_offices.sql"
    stg.write_text(stg.read_text(encoding="utf-8") + "\n-- a comment changes the model's text\n",
                   encoding="utf-8")
    db = tmp_path / "thads.duckdb"
    shutil.copyfile(builds["scratch_db"], db)
    result = build_warehouse(db, nights["b"], SAMPLE_AS_OF, settings.reference_dir, models_dir=models)
    modes = {m.name: m.mode for m in result.models}
    assert modes["staging.stg_offices"] == "built"
    # same content, so its readers are kept (a small table's version is its content)
    assert modes["marts.office_freshness"] == "kept"


def test_nothing_is_reused_from_a_warehouse_built_by_other_code(builds, nights, nightly_run, tmp_path):
    settings, _ = nightly_run
    db = tmp_path / "thads.duckdb"
    shutil.copyfile(builds["scratch_db"], db)
    con = duckdb.connect(str(db))
    con.execute(f"update {reuse.STATE_SCHEMA}.tables set input_fp = 'older code' where name = '__recipe__'")
    con.close()
    result = _build(db, nights["b"], settings)
    assert {m.mode for m in result.models} == {"built"}
    full = _build(db, nights["b"], settings, reuse_previous=False)
    assert {m.mode for m in full.models} == {"built"}


def test_partition_columns_hold_the_case_office(nightly_run):
    """What the partitioned models promise (transforms/reuse.py): every row carries its case's office."""
    settings, _ = nightly_run
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    partitioned = [(m.name, reuse.partition_column(m.path.read_text(encoding="utf-8")))
                   for m in list_models() if m.kind == "sql"]
    partitioned = [(n, c) for n, c in partitioned if c]
    assert partitioned, "at least the KPI facts are partitioned by office"
    for name, column in partitioned:
        wrong = con.execute(f"""select count(*) from {name} as m left join {reuse.CASES_TABLE} as c
                                on m.{reuse.CASE_KEY} = c.{reuse.CASE_KEY}
                                where m.{column} is distinct from c.{reuse.OFFICE_COLUMN}""").fetchone()[0]
        assert wrong == 0, name
    con.close()


def _tiny(tmp_path: Path, models: dict[str, str],
          cases: str = "('A', 'NA01', 1), ('B', 'NA02', 2)") -> tuple[Path, Path]:
    """A models dir and a canonical dir whose cases are `cases`: (case_id, office_code, amount_due) rows."""
    for rel, text in models.items():
        (tmp_path / "models" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "models" / rel).write_text(text, encoding="utf-8")
    canonical = tmp_path / "canonical"
    canonical.mkdir(exist_ok=True)
    _write_cases(canonical, cases)
    (tmp_path / "ref").mkdir(exist_ok=True)
    return tmp_path / "models", canonical


def _write_cases(canonical: Path, cases: str) -> None:
    duckdb.sql(f"select case_id, office_code, date '2025-01-01' as received_date, amount_due "
               f"from (values {cases}) as v(case_id, office_code, amount_due)").write_parquet(
        str(canonical / "cases.parquet"))


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall())
    finally:
        con.close()


def test_office_recompute_keeps_literals_and_cases_held_by_two_offices(tmp_path):
    """Found in review: the rewrite once touched string literals, and a case id held by two offices was
    inserted twice."""
    models, canonical = _tiny(tmp_path, {
        "staging/stg_cases.sql": "select case_id, office_code, amount_due from raw.cases",
        "intermediate/int_f.sql": "-- partition_by: office_code\n"
                                  "select case_id, office_code, amount_due, 'staging.stg_cases' as source "
                                  "from staging.stg_cases"},
        cases="('A', 'NA01', 1), ('A', 'NA02', 2), ('B', 'NA02', 5), ('C', 'NA01', 3)")
    db, scratch = tmp_path / "wh" / "thads.duckdb", tmp_path / "scratch" / "thads.duckdb"
    build_warehouse(db, canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
    _write_cases(canonical, "('A', 'NA01', 1), ('A', 'NA02', 2), ('B', 'NA02', 5), ('C', 'NA01', 30)")
    second = build_warehouse(db, canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
    build_warehouse(scratch, canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
    assert {m.name: m.mode for m in second.models}["intermediate.int_f"] == "offices NA01"
    expected = [("A", "NA01", 1, "staging.stg_cases"), ("A", "NA02", 2, "staging.stg_cases"),
                ("B", "NA02", 5, "staging.stg_cases"), ("C", "NA01", 30, "staging.stg_cases")]
    assert _rows(db, "select * from intermediate.int_f") == expected
    assert _rows(scratch, "select * from intermediate.int_f") == expected


def test_a_column_named_like_a_table_alias_is_hashed_as_data(tmp_path):
    """Found in review: `hash(t)` over a table aliased t hashed a column named t instead of the row."""
    models, canonical = _tiny(tmp_path, {"marts/rate_total.sql": "select sum(rate::int) as total from ref.rates"})
    (tmp_path / "ref" / "rates.csv").write_text("t,rate\n1,1\n2,2\n", encoding="utf-8")
    db = tmp_path / "wh" / "thads.duckdb"
    build_warehouse(db, canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
    (tmp_path / "ref" / "rates.csv").write_text("t,rate\n1,10\n2,20\n", encoding="utf-8")
    again = build_warehouse(db, canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
    assert [m.mode for m in again.models] == ["built"]
    assert _rows(db, "select total from marts.rate_total") == [(30,)]


def test_sql_reading_a_clock_or_a_file_is_never_kept(tmp_path):
    models, canonical = _tiny(tmp_path, {
        "staging/stg_cases.sql": "select case_id, office_code from raw.cases",
        "intermediate/int_stamped.sql": "-- partition_by: office_code\n"
                                        "select case_id, office_code, localtimestamp as at from staging.stg_cases",
        "marts/stamped.sql": "select count(*) as n, current_date as built_on from staging.stg_cases",
        "marts/from_file.sql": f"select count(*) as n from '{tmp_path / 'canonical' / 'cases.parquet'}'"})
    db = tmp_path / "wh" / "thads.duckdb"
    build_warehouse(db, canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
    _write_cases(canonical, "('A', 'NA01', 1), ('B', 'NA02', 3)")  # a column stg_cases does not read
    again = build_warehouse(db, canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
    # stg_cases came out the same, so a plain reader would be kept; these are rebuilt whole
    assert {m.name: m.mode for m in again.models} == {
        "staging.stg_cases": "built", "intermediate.int_stamped": "built", "marts.stamped": "built",
        "marts.from_file": "built"}


def test_a_partitioned_model_must_give_every_row_an_office(tmp_path):
    models, canonical = _tiny(tmp_path, {
        "staging/stg_cases.sql": "select case_id, office_code from raw.cases",
        "intermediate/int_facts.sql": "-- partition_by: office_code\n"
                                      "select case_id, case when case_id = 'B' then office_code end as office_code "
                                      "from staging.stg_cases"})
    from transforms.build import BuildError

    with pytest.raises(BuildError, match=r"intermediate.int_facts .*1 row\(s\) with no office_code"):
        build_warehouse(tmp_path / "thads.duckdb", canonical, SAMPLE_AS_OF, tmp_path / "ref", models_dir=models)
