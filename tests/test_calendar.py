"""The working-day calendar (`staging.stg_calendar`): holidays from the library, project adjustments."""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from thads.settings import MODELS_DIR
from transforms.build import BuildError, build_warehouse, open_warehouse

_spec = importlib.util.spec_from_file_location("stg_calendar", MODELS_DIR / "staging" / "stg_calendar.py")
stg_calendar = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stg_calendar)


def _days(frame: pl.DataFrame) -> dict[date, tuple[bool, str | None]]:
    return {r["date"]: (r["is_working_day"], r["holiday_name"]) for r in frame.iter_rows(named=True)}


def test_tet_2025_weekends_and_ordinary_days():
    days = _days(stg_calendar.calendar_frame(date(2025, 1, 20), date(2025, 2, 10)))
    assert len(days) == 22
    # Friday 24/01/2025 is an ordinary working day; Saturday 25 and Sunday 26 are the weekend.
    assert days[date(2025, 1, 24)] == (True, None)
    assert days[date(2025, 1, 25)] == (False, None)
    assert days[date(2025, 1, 26)] == (False, None)
    # Tết Ất Tỵ: Mùng 1 = Wednesday 29/01/2025; offices close Monday 27 to Friday 31 (Monday 27 is the
    # day off in place of Mùng 4, which falls on Saturday 01/02).
    for d in range(27, 32):
        working, name = days[date(2025, 1, d)]
        assert not working and name, d
    assert days[date(2025, 1, 29)][1] == "Tết Nguyên Đán"
    # Back to work on Monday 03/02/2025.
    assert days[date(2025, 2, 3)] == (True, None)


def test_substituted_days_and_make_up_saturdays_from_the_library():
    days = _days(stg_calendar.calendar_frame(date(2025, 4, 20), date(2025, 5, 5)))
    # 2025: Friday 02/05 off, worked back on Saturday 26/04 (the Government's swap, known to the library).
    assert days[date(2025, 5, 2)][0] is False
    assert days[date(2025, 4, 26)] == (True, None)
    assert days[date(2025, 4, 30)][0] is False and days[date(2025, 5, 1)][0] is False
    # Tết Bính Ngọ 2026: Monday 16/02 (giao thừa) to Friday 20/02 off.
    tet26 = _days(stg_calendar.calendar_frame(date(2026, 2, 13), date(2026, 2, 23)))
    assert [tet26[date(2026, 2, d)][0] for d in range(13, 24)] == [
        True, False, False, False, False, False, False, False, False, False, True]


def test_adjustments_override_the_library():
    adjustments = {
        date(2025, 2, 15): (True, "làm bù"),  # a Saturday made a working day
        date(2025, 2, 14): (False, "nghỉ bù thử"),  # a Friday made a day off
        date(2025, 1, 29): (True, None),  # even a holiday can be overridden (not that one would)
    }
    days = _days(stg_calendar.calendar_frame(date(2025, 1, 25), date(2025, 2, 20), adjustments))
    assert days[date(2025, 2, 15)] == (True, None)
    assert days[date(2025, 2, 14)] == (False, "nghỉ bù thử")
    assert days[date(2025, 1, 29)] == (True, None)
    frame = stg_calendar.calendar_frame(date(2025, 2, 14), date(2025, 2, 16), adjustments)
    assert frame["source"].to_list() == ["adjustment", "adjustment", "weekend"]


def test_range_covers_a_year_before_the_data_and_two_after_as_of():
    assert stg_calendar.calendar_range(date(2019, 3, 5), date(2026, 6, 30)) == (
        date(2018, 1, 1), date(2028, 12, 31))
    # no data: around as_of only
    assert stg_calendar.calendar_range(None, date(2026, 6, 30)) == (date(2025, 1, 1), date(2028, 12, 31))


def test_model_builds_from_raw_dates_and_reference_adjustments(tmp_path: Path):
    models = tmp_path / "models" / "staging"
    models.mkdir(parents=True)
    shutil.copy(MODELS_DIR / "staging" / "stg_calendar.py", models / "stg_calendar.py")
    canonical = tmp_path / "canonical"
    canonical.mkdir()
    pl.DataFrame({"case_id": ["C1"], "office_code": ["NA01"],
                  "received_date": [date(2019, 3, 5)]}).write_parquet(canonical / "cases.parquet")
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "holiday_adjustments.csv").write_text(
        "date,is_working_day,note\n# yyyy-mm-dd,true or false,note\n2025-02-15,true,làm bù\n"
        "2025-02-14,false,nghỉ bù\n", encoding="utf-8")
    db = tmp_path / "wh.duckdb"
    build_warehouse(db, canonical, date(2026, 6, 30), reference_dir=ref, models_dir=tmp_path / "models")
    with open_warehouse(db) as con:
        first, last, n = con.execute(
            "select min(date), max(date), count(*) from staging.stg_calendar").fetchone()
        assert (first, last) == (date(2018, 1, 1), date(2028, 12, 31))
        assert n == (last - first).days + 1  # one row per day, no gaps
        rows = dict(con.execute(
            "select date, is_working_day from staging.stg_calendar "
            "where date in ('2025-02-14', '2025-02-15', '2025-01-29')").fetchall())
        assert rows == {date(2025, 2, 14): False, date(2025, 2, 15): True, date(2025, 1, 29): False}


def test_the_project_adjustments_file_is_well_formed():
    path = MODELS_DIR.parent.parent / "data" / "reference" / "holiday_adjustments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,is_working_day,note"
    for line in lines[1:]:
        if line.startswith("#"):
            continue
        day, flag, _note = line.split(",", 2)
        date.fromisoformat(day)
        assert flag in ("true", "false")


def test_a_bad_adjustment_stops_the_build(tmp_path: Path):
    models = tmp_path / "models" / "staging"
    models.mkdir(parents=True)
    shutil.copy(MODELS_DIR / "staging" / "stg_calendar.py", models / "stg_calendar.py")
    ref = tmp_path / "ref"
    ref.mkdir()
    (ref / "holiday_adjustments.csv").write_text("date,is_working_day,note\n15/02/2025,true,x\n",
                                                 encoding="utf-8")
    with pytest.raises(BuildError, match="yyyy-mm-dd"):
        build_warehouse(tmp_path / "wh.duckdb", tmp_path, date(2026, 6, 30), reference_dir=ref,
                        models_dir=tmp_path / "models")


def test_model_builds_without_an_adjustments_file(tmp_path: Path):
    models = tmp_path / "models" / "staging"
    models.mkdir(parents=True)
    shutil.copy(MODELS_DIR / "staging" / "stg_calendar.py", models / "stg_calendar.py")
    (tmp_path / "ref").mkdir()
    build_warehouse(tmp_path / "wh.duckdb", tmp_path, date(2026, 6, 30), reference_dir=tmp_path / "ref",
                    models_dir=tmp_path / "models")
    with open_warehouse(tmp_path / "wh.duckdb") as con:
        # no data: 2025-01-01 .. 2028-12-31; 27/01/2025 (Tết) is off
        assert con.execute("select min(date), max(date) from staging.stg_calendar").fetchone() == (
            date(2025, 1, 1), date(2028, 12, 31))
        assert con.execute("select is_working_day from staging.stg_calendar "
                           "where date = '2025-01-27'").fetchone() == (False,)


def test_agrees_with_the_library_on_every_day_without_adjustments():
    import holidays

    frame = stg_calendar.calendar_frame(date(2012, 1, 1), date(2028, 12, 31))
    vn = holidays.Vietnam(years=range(2012, 2029))
    assert [d for d, w in zip(frame["date"], frame["is_working_day"]) if w != vn.is_working_day(d)] == []
