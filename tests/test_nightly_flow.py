"""The real nightly flow end to end on the session's generated batch (a real Prefect run, real GX,
a real DuckDB file), and the issue 3 guarantee: validation quarantines exactly the generator's defects.
"""

from __future__ import annotations

import csv

import duckdb
import polars as pl
import pytest


def test_flow_publishes_a_warehouse_with_every_mart(nightly_run):
    settings, report = nightly_run
    assert report.status == "published"
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = {r[0] + "." + r[1] for r in con.execute(
            "select table_schema, table_name from information_schema.tables").fetchall()}
        for t in ("raw.cases", "marts.kpi_period", "audit.file_manifest", "audit.quarantine"):
            assert t in tables, t
        assert con.execute("select count(*) from marts.kpi_period").fetchone()[0] > 0
    finally:
        con.close()
    assert not list(settings.warehouse.parent.glob("*.building-*")), "no half-built warehouse left behind"


def test_every_row_read_is_accounted_for(nightly_run):
    settings, report = nightly_run
    t = report.totals
    assert t["rows_read"] > 0
    assert t["rows_read"] == t["rows_loaded"] + t["rows_quarantined"] + t["rows_superseded"] + t["rows_rejected"]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        off = con.execute("""
            select source_file from audit.file_manifest
            where rows_read <> rows_loaded + rows_quarantined + rows_superseded + rows_rejected""").fetchall()
        assert off == []
        # loaded rows are exactly the raw tables' rows
        loaded = con.execute("select sum(rows_loaded) from audit.file_manifest where status <> 'rejected'").fetchone()[0]
        raw = sum(con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in
                  ("cases", "status_events", "payments", "assets", "valuations", "auctions", "complaints"))
        assert loaded == raw
    finally:
        con.close()


def test_validation_quarantines_exactly_the_generators_defects(nightly_run, generated_inbox):
    settings, report = nightly_run
    with open(generated_inbox / "defects.csv", encoding="utf-8") as fh:
        expected = {(r["file"], int(r["row"])) for r in csv.DictReader(fh)}
    assert expected, "the generator listed no defects"
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        got = set(con.execute("select distinct source_file, source_row from audit.quarantine").fetchall())
    finally:
        con.close()
    missing = sorted(expected - got)[:10]
    extra = sorted(got - expected)[:10]
    assert not missing and not extra, f"not quarantined: {missing}; quarantined but not defects: {extra}"


def test_run_leaves_prefect_artifacts(nightly_run):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["nightly-summary"])))
    assert arts, "no summary artifact"
    assert "rows read" in arts[-1].data


def test_data_quality_page_accounts_for_the_night(nightly_run):
    """The offline data-quality page beside the report shows the night's balance and every office."""
    settings, report = nightly_run
    page = (settings.exports / "latest" / "chat_luong_du_lieu.html").read_text(encoding="utf-8")
    t = report.totals
    dots = lambda n: f"{n:,}".replace(",", ".")  # noqa: E731 - Vietnamese thousands, written out here
    assert f"rows read <b>{dots(t['rows_read'])}</b> = loaded {dots(t['rows_loaded'])}" in page
    for office in [f"NA{i:02d}" for i in range(1, 11)]:
        assert f"<td>{office}</td>" in page
    assert "cdn" not in page.lower() and "<script" not in page  # opens offline, nothing to fetch
