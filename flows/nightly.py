"""The nightly flow: ingest and validate every office's export, rebuild the warehouse, publish.

A short composition of named tasks; the work lives in importable functions (`transforms.intake`,
`transforms.build`, `thads.publish`, `thads.audit`) that tests and notebooks call without Prefect.
Big data moves through Parquet files and DuckDB, never through Prefect's result storage.
"""

from __future__ import annotations

import dataclasses
import gc
import importlib
import json
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from thads.audit import AuditStore
from thads.publish import browser as browser_mod
from thads.history import published_figures
from thads.pseudonym import Pseudonymiser, load_or_create_key
from thads.runs import RunTargets, apply_retention, new_run_id, newest_batch_date, resolve_targets, run_lock
from thads.settings import Settings, get_settings
from transforms import intake as intake_mod
from transforms.build import build_warehouse
from transforms.ingest.inbox import InboxFile, scan_inbox
from transforms.ingest.read import ParsedFile, read_file


@dataclass
class RunReport:
    run_id: str
    as_of: date
    status: str
    totals: dict = field(default_factory=dict)
    warehouse: Path | None = None
    report_dir: Path | None = None
    messages: list[str] = field(default_factory=list)
    kpis: dict = field(default_factory=dict)
    stale_offices: list[str] = field(default_factory=list)
    missing_offices: list[str] = field(default_factory=list)
    build: str = ""  # what the warehouse build kept and rebuilt (build_summary)


@lru_cache(maxsize=4)
def _pseudonymiser(key_file: str) -> Pseudonymiser:
    return Pseudonymiser(load_or_create_key(Path(key_file)))


def key_fingerprint(key_file: Path) -> str:
    """Names the key without revealing it, so the parse cache never mixes pseudonyms of two keys."""
    return _pseudonymiser(str(key_file)).text("thads-cache-fingerprint")[-10:]


# Imported by later steps, and slow to import: the expectation suites (Great Expectations, ~6 s), the
# report (plotly, xlsxwriter: ~0.4 s) and the holiday calendar's Vietnam module (~0.5 s, first used by
# the build's `staging.stg_calendar`).
PRELOAD_MODULES = ("expectations.validate", "thads.publish.report", "holidays.countries.vietnam")


@lru_cache(maxsize=1)
def preload_modules() -> threading.Thread:
    """Import PRELOAD_MODULES in a background thread, once per process.

    Started while the run waits for Prefect's API and parses files (polars releases the GIL), the imports
    are done by the time a step needs them instead of adding to the run; a step's own import waits for
    this one (Python's per-module import locks).
    """
    thread = threading.Thread(target=lambda: [importlib.import_module(m) for m in PRELOAD_MODULES],
                              name="preload-imports", daemon=True)
    thread.start()
    return thread


@task(name="scan-inbox", retries=2, retry_delay_seconds=[2, 10])
def scan_task(inbox: Path, as_of: date) -> intake_mod.FilePlan:
    """List tonight's files (and what stands from earlier nights), refusing anything outside the layout."""
    return intake_mod.plan_files(scan_inbox(inbox, up_to=as_of))


@task(name="parse-file", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE,
      task_run_name="parse {f.rel_path}")
def parse_task(f: InboxFile, key_file: Path, safe_extras: tuple[str, ...], cache_dir: Path | None) -> ParsedFile:
    """Read one office file into typed, pseudonymised rows (reused when its bytes are unchanged).

    The rows stay in the parse cache (Parquet); the task returns the file's accounting only, so Prefect
    (or Dask) never carries a night of rows around.
    """
    return dataclasses.replace(_parse(f, key_file, safe_extras, cache_dir, with_frame=False), frame=None)


def _parse(f: InboxFile, key_file: Path, safe_extras: tuple[str, ...], cache_dir: Path,
           with_frame: bool = True) -> ParsedFile:
    pseud = _pseudonymiser(str(key_file))
    return intake_mod.parse_cached(f, lambda x: read_file(x, pseud, safe_extras), cache_dir,
                                   key_fingerprint(key_file), with_frame=with_frame)


@task(name="validate-night", cache_policy=NO_CACHE)
def validate_task(plan: intake_mod.FilePlan, parsed_files: list[ParsedFile], key_file: Path, safe_extras,
                  cache_dir: Path, office_of: dict, canonical_dir: Path) -> intake_mod.NightIntake:
    """Run the expectation suites over the whole night's rows, account for every row, and write the
    rows that passed for the build; returns the accounting (the rows are on disk)."""
    files = {f.rel_path: f for candidates in plan.candidates.values() for f in candidates}
    parse = lambda f: _parse(f, key_file, safe_extras, cache_dir)  # noqa: E731 - cache hits
    parsed = {p.rel_path: parse(files[p.rel_path]) for p in parsed_files}
    night = intake_mod.validate_plan(plan, parsed, parse, office_of)
    del parsed
    intake_mod.write_canonical(night, canonical_dir)
    night.loaded = {}
    # The night's frames sit in reference cycles until Python's cyclic collector happens to run; collect
    # now, or the warehouse build stacks its memory on ~2 GB of dead frames (1M cases).
    gc.collect()
    return night


@task(name="record-intake", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def record_intake_task(night: intake_mod.NightIntake, run_id: str, as_of: date, audit: AuditStore,
                       canonical_dir: Path) -> None:
    """Keep the night's accounting in the append-only audit store, and hand the build the history of
    what was published (to flag revised figures)."""
    stamp = dict(as_of=pl.lit(as_of))
    audit.append("file_manifest", run_id, night.manifest.with_columns(**stamp))
    audit.append("quarantine", run_id, night.quarantine.with_columns(**stamp))
    audit.append("warnings", run_id, night.warnings.with_columns(**stamp))
    messages = [("refused", m) for m in night.refused] + [("ignored", m) for m in night.ignored] + \
               [("rejected", m) for m in night.messages]
    audit.append("inbox_messages", run_id, pl.DataFrame(
        {"kind": [k for k, _ in messages], "message": [m for _, m in messages]},
        schema={"kind": pl.String, "message": pl.String}).with_columns(**stamp))
    history = audit.read("published_history")  # what earlier nights published, to flag revisions
    if history is not None:
        history.write_parquet(canonical_dir / "published_history.parquet")


@task(name="build-warehouse", cache_policy=NO_CACHE)
def build_task(target: Path, canonical_dir: Path, as_of: date, settings: Settings, audit: AuditStore,
               this_run: pl.DataFrame, reuse_previous: bool = True):
    """Build the warehouse into a new file (keeping from the previous one what did not change) and swap
    it in only when every model and check passed."""
    return build_warehouse(target, canonical_dir, as_of, settings.reference_dir,
                           before_publish=lambda con: audit.copy_into(con, pending={"runs": this_run}),
                           models_dir=settings.models_dir, reuse_previous=reuse_previous)


def build_summary(result) -> str:
    """How much of the warehouse a build kept from the previous one (transforms/reuse.py)."""
    modes = [m.mode for m in result.models]
    partial = [f"{m.name} ({m.mode})" for m in result.models if m.mode.startswith("offices")]
    text = (f"built in {result.seconds:.1f} s: {modes.count('built')} of {len(modes)} tables rebuilt whole, "
            f"{modes.count('kept')} kept from the previous warehouse")
    return text + (f", rebuilt for some offices only: {'; '.join(partial)}" if partial else "")


@task(name="publish-report", retries=1, retry_delay_seconds=[5], cache_policy=NO_CACHE)
def publish_task(warehouse: Path, targets: RunTargets):
    """Charts, the committee's report, PDF, PNGs and the Excel forms, swapped in atomically."""
    from thads.publish.report import publish_report

    return publish_report(warehouse, targets.exports, targets.as_of, latest=targets.latest)


def headline_kpis(warehouse: Path, as_of: date) -> dict:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            """
            select scope, completed, with_conditions, rate_cases, money_completed,
                   money_with_conditions, rate_money
            from marts.kpi_period
            where period_kind = 'ytd' and period_end = ? and office_code = 'ALL'
            """,
            [as_of],
        ).fetchall()
    except Exception:  # noqa: BLE001 - a summary must never fail the run
        return {}
    finally:
        con.close()
    cols = ["scope", "completed", "with_conditions", "rate_cases", "money_completed",
            "money_with_conditions", "rate_money"]
    return {r[0]: dict(zip(cols, r)) for r in rows}


def summary_markdown(report: RunReport, night: intake_mod.NightIntake | None) -> str:
    from thads.publish.formatting import format_int as fmt_int
    from thads.publish.formatting import format_pct as fmt_pct

    t = report.totals
    lines = [f"# THADS nightly run {report.run_id}", "",
             f"- as-of: {report.as_of.strftime('%d/%m/%Y')}; status: **{report.status}**"]
    for scope, k in report.kpis.items():
        lines.append(f"- completion ({scope}): {fmt_pct(k['rate_cases'])} by cases "
                     f"({fmt_int(k['completed'])} of {fmt_int(k['with_conditions'])}), "
                     f"{fmt_pct(k['rate_money'])} by money")
    if t:
        lines.append(f"- rows read {fmt_int(t['rows_read'])}: loaded {fmt_int(t['rows_loaded'])}, "
                     f"quarantined {fmt_int(t['rows_quarantined'])}, superseded {fmt_int(t['rows_superseded'])}, "
                     f"in rejected files {fmt_int(t['rows_rejected'])}; files rejected: {t['files_rejected']} "
                     f"of {t['files']}")
    if report.stale_offices:
        lines.append(f"- offices whose newest batch is older than the as-of date: {', '.join(report.stale_offices)}")
    if report.missing_offices:
        lines.append(f"- offices that sent no batch at all: {', '.join(report.missing_offices)}")
    for m in report.messages:
        lines.append(f"- {m}")
    if report.report_dir:
        lines.append(f"- report: {report.report_dir / 'index.html'}")
    if report.warehouse:
        lines.append(f"- warehouse: {report.warehouse}")
    if report.build:
        lines.append(f"- warehouse {report.build}")
    return "\n".join(lines)


def run_row(run_id: str, targets: RunTargets, report: RunReport, started: datetime, ended: datetime | None,
            night: intake_mod.NightIntake | None) -> pl.DataFrame:
    """The run's `audit.runs` row (while building: status `building`, no end time)."""
    hashes = {} if night is None else dict(zip(night.manifest["source_file"], night.manifest["file_sha256"]))
    return pl.DataFrame([{
        "run_id": run_id, "as_of": targets.as_of, "started_at": started, "ended_at": ended,
        "status": report.status if ended else "building", "backfill": targets.backfill,
        "warehouse": str(targets.warehouse),
        **{k: report.totals.get(k) for k in ("rows_read", "rows_loaded", "rows_quarantined",
                                             "rows_superseded", "rows_rejected", "files_rejected")},
        "input_file_hashes": json.dumps(hashes, sort_keys=True),
    }], schema_overrides={"ended_at": pl.Datetime("us", "UTC")})


def notify_failure(flow, flow_run, state) -> None:
    """Tell the operators when a run fails, through the notification block they configured.

    THADS_FAILURE_NOTIFICATION_BLOCK names a saved Prefect notification block (`custom-webhook/ops`,
    `slack-webhook/thads`, …). A Prefect automation on 'flow run failed' works too (README).
    """
    ref = get_settings().failure_block
    if not ref:
        return
    from prefect.blocks.core import Block

    block = Block.load(ref)
    block.notify(body=f"THADS nightly run '{flow_run.name}' failed: {state.message}",
                 subject="THADS nightly run failed")


def task_runner():
    """Threads on this machine; a Dask cluster when THADS_DASK_ADDRESS is set (parsing fans out there,
    the warehouse build stays in the flow's process: DuckDB has one writer)."""
    address = get_settings().dask_address
    if address:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=address)
    return ThreadPoolTaskRunner(max_workers=4)


@flow(name="nightly", log_prints=True, task_runner=task_runner(), on_failure=[notify_failure])
def nightly(inbox: str | None = None, as_of: str | None = None, warehouse: str | None = None,
            exports: str | None = None, wait_seconds: float = 0.0, full: bool = False) -> RunReport:
    """One night: ingest + validate (fanned out per file), build, publish, record.

    Every argument defaults to the settings (environment, then the embedded defaults); as_of defaults
    to the newest batch in the inbox. `full` parses every file again and rebuilds every table (no parse
    cache, nothing kept from the previous warehouse). This is the flow the schedule runs.
    """
    settings = get_settings().with_overrides(inbox=inbox, warehouse=warehouse, exports=exports)
    newest = newest_batch_date(settings.inbox)
    if newest is None:
        raise FileNotFoundError(f"no batch folder (YYYY-MM-DD) in the inbox {settings.inbox}")
    run_date = date.fromisoformat(as_of) if as_of else newest
    targets = resolve_targets(settings, run_date, newest)
    with run_lock(settings.state_dir, wait_seconds=wait_seconds):
        return run_night(settings, targets, new_run_id(), full=full)


def run_night(settings: Settings, targets: RunTargets, run_id: str, full: bool = False) -> RunReport:
    """The body of the flow, for a settings object already resolved (must run inside a flow)."""
    logger = get_run_logger()
    started = datetime.now(timezone.utc)
    audit = AuditStore(settings.audit_dir)
    report = RunReport(run_id=run_id, as_of=targets.as_of, status="failed")
    run_dir = settings.state_dir / "runs" / run_id
    cache_dir = settings.state_dir / "parsed"
    office_of = intake_mod.load_office_map(settings.reference_dir)
    night = None
    preload_modules()
    if full:
        shutil.rmtree(cache_dir, ignore_errors=True)
    try:
        load_or_create_key(settings.key_file)
        plan = scan_task(settings.inbox, targets.as_of)
        firsts = [files[0] for files in plan.candidates.values()]
        futures = parse_task.map(firsts, key_file=unmapped(settings.key_file),
                                 safe_extras=unmapped(settings.safe_extra_columns), cache_dir=unmapped(cache_dir))
        parsed_files = futures.result()
        del futures
        night = validate_task(plan, parsed_files, settings.key_file, settings.safe_extra_columns, cache_dir,
                              office_of, run_dir / "canonical")
        report.totals = night.totals
        report.messages = night.messages + night.refused
        record_intake_task(night, run_id, targets.as_of, audit, run_dir / "canonical")
        this_run = run_row(run_id, targets, report, started, None, night)
        png_browser = browser_mod.find_browser()
        if png_browser:  # kaleido's Chromium starts while the warehouse builds
            browser_mod.start_png_browser(png_browser)
        built = build_task(targets.warehouse, run_dir / "canonical", targets.as_of, settings, audit,
                           this_run, reuse_previous=not full)
        report.warehouse = targets.warehouse
        report.build = build_summary(built)
        logger.info("warehouse %s", report.build)
        published = publish_task(targets.warehouse, targets)
        if published is not None:
            report.report_dir = getattr(published, "path", None) or (targets.exports / targets.as_of.isoformat())
            for m in getattr(published, "messages", []) or []:
                report.messages.append(m)
        audit.append("published_history", run_id, published_figures(targets.warehouse, run_id, targets.as_of))
        report.kpis = headline_kpis(targets.warehouse, targets.as_of)
        report.stale_offices = sorted(o for o, d in plan.newest_batch.items() if d < targets.as_of)
        report.missing_offices = sorted(set(office_of.values()) - set(plan.newest_batch))
        report.status = "published"
        if targets.latest and settings.retention_nights > 0:
            protected = {f"{f.batch_date.isoformat()}/{f.office_dir}" for f in firsts}
            removed = apply_retention(settings, settings.retention_nights, protected)
            if removed:
                logger.info("retention removed %d old folders", len(removed))
    finally:
        browser_mod.stop_png_browser()
        audit.append("runs", run_id, run_row(run_id, targets, report, started,
                                             datetime.now(timezone.utc), night))
        shutil.rmtree(run_dir, ignore_errors=True)
        md = summary_markdown(report, night)
        try:
            create_markdown_artifact(md, key="nightly-summary", description="THADS nightly run summary")
            if night is not None and night.quarantine.height:
                reasons = (night.quarantine.group_by("record_type", "reason").len()
                           .sort("len", descending=True).rename({"len": "rows"}))
                create_table_artifact(reasons.to_dicts(), key="quarantine-reasons",
                                      description="Quarantined rows by record type and reason")
        except Exception as exc:  # noqa: BLE001 - artifacts must not hide the run's own outcome
            logger.warning("could not record the Prefect artifacts: %s", exc)
        print(md)
    return report
