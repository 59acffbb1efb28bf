"""The `thads` command: generate sample data, run the nightly job, serve its schedule."""

from __future__ import annotations

import atexit
import os
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(
    help="thads-analytics: the civil judgment enforcement (THADS) backlog pipeline of a province.",
    no_args_is_help=True,
    add_completion=False,
)


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD")


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Inbox folder to write the batch into."),
    cases: int = typer.Option(300, "--cases", min=1, help="Number of enforcement cases."),
    seed: int = typer.Option(1, "--seed", help="Random seed: same seed and arguments, same bytes."),
    as_of: str = typer.Option(..., "--as-of", help="Export date of the batch (YYYY-MM-DD)."),
    defects: float = typer.Option(0.0, "--defects", min=0.0, max=0.5,
                                  help="Share of rows made defective; listed in OUT/defects.csv."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Write one nightly batch of realistic, seeded enforcement records in the inbox layout."""
    from thads.generate import generate_batch

    summary = generate_batch(out, n_cases=cases, seed=seed, as_of=_parse_date(as_of),
                             defect_rate=defects, progress=not quiet)
    typer.echo(summary)


SAMPLE_CASES = 30_000  # about a typical province


@app.command()
def run(
    inbox: Optional[Path] = typer.Option(None, "--inbox", help="Inbox folder (default: data/inbox)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Run date YYYY-MM-DD (default: newest batch)."),
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", help="Warehouse file (default: data/warehouse/thads.duckdb)."),
    exports: Optional[Path] = typer.Option(None, "--exports", help="Exports folder (default: data/exports)."),
    wait: float = typer.Option(float(os.environ.get("THADS_LOCK_WAIT_SECONDS", "0")), "--wait",
                               help="Seconds to wait for a run already in progress before giving up."),
    full: bool = typer.Option(False, "--full",
                              help="Parse every file again and rebuild every table (by default, unchanged "
                                   "files and unchanged parts of the warehouse are reused)."),
) -> None:
    """Run the nightly job once: ingest and validate, rebuild the warehouse, publish the report."""
    from thads.prefect_env import configure, start_temporary_api
    from thads.runs import RunLockedError, newest_batch_date, resolve_targets, run_lock
    from thads.settings import get_settings

    settings = get_settings().with_overrides(inbox=inbox, warehouse=warehouse, exports=exports)
    configure(settings)
    api = start_temporary_api()  # boots on the other core while this process imports and checks
    newest = newest_batch_date(settings.inbox)
    if newest is None:
        from thads.generate import generate_batch

        sample_date = _parse_date(as_of) if as_of else date.today()
        typer.echo(f"No inbox at {settings.inbox}: generating a sample province of {SAMPLE_CASES:,} cases "
                   f"for {sample_date:%d/%m/%Y} first (thads generate).")
        generate_batch(settings.inbox, n_cases=SAMPLE_CASES, seed=1, as_of=sample_date, defect_rate=0.002,
                       progress=True)
        newest = newest_batch_date(settings.inbox)
    run_date = _parse_date(as_of) if as_of else newest
    if resolve_targets(settings, run_date, newest).backfill:
        typer.echo(f"Backfill for {run_date:%d/%m/%Y}: it writes its own warehouse file and "
                   f"exports/{run_date.isoformat()}/; the live warehouse and latest/ are left alone.")
    try:  # fail fast, before Prefect starts, when another run holds the lock (the flow takes it again)
        with run_lock(settings.state_dir, wait_seconds=wait):
            pass
    except RunLockedError as exc:
        typer.echo(f"thads run: {exc}", err=True)
        raise typer.Exit(code=3)
    # The flow reads its paths from the environment, so flags and env agree in this process.
    os.environ.update(settings.path_env())
    try:
        from flows.nightly import nightly, preload_modules

        preload_modules()  # GX and the report import while the API server finishes booting
        if api is not None:
            api.wait_ready(timeout=float(os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]))
        report = nightly(as_of=run_date.isoformat(), wait_seconds=wait, full=full)
    except RunLockedError as exc:
        typer.echo(f"thads run: {exc}", err=True)
        raise typer.Exit(code=3)
    except Exception as exc:  # noqa: BLE001 - the operator gets one clear line, details are in the log
        typer.echo(f"thads run: FAILED, nothing was published (the previous warehouse and report stand): "
                   f"{type(exc).__name__}: {exc}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"thads run: {report.status}; warehouse {report.warehouse}; report {report.report_dir}")


@app.command()
def models() -> None:
    """List the warehouse's SQL models in build order, with the file and the tables each reads."""
    from transforms.build import format_models, list_models

    typer.echo(format_models(list_models()))


@app.command()
def publish(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Report date (default: the warehouse's)."),
    warehouse: Optional[Path] = typer.Option(None, "--warehouse", help="Warehouse file to read."),
    exports: Optional[Path] = typer.Option(None, "--exports", help="Exports folder."),
) -> None:
    """Publish the report again from an existing warehouse (e.g. after installing Chromium)."""
    import duckdb

    from thads.publish.report import publish_report
    from thads.settings import get_settings

    settings = get_settings().with_overrides(warehouse=warehouse, exports=exports)
    if as_of:
        day = _parse_date(as_of)
    else:
        con = duckdb.connect(str(settings.warehouse), read_only=True)
        try:
            day = con.execute("select as_of from ref.run_context").fetchone()[0]
        finally:
            con.close()
    result = publish_report(settings.warehouse, settings.exports, day, latest=True)
    for m in result.messages:
        typer.echo(m)
    typer.echo(f"thads publish: {result.path}")


@app.command()
def serve(
    cron: str = typer.Option(os.environ.get("THADS_SCHEDULE_CRON", "0 1 * * *"), "--cron",
                             help="When the nightly run starts (cron, in --timezone)."),
    timezone: str = typer.Option(os.environ.get("THADS_SCHEDULE_TZ", "Asia/Ho_Chi_Minh"), "--timezone"),
    name: str = typer.Option("nightly", "--name", help="Deployment name."),
) -> None:
    """Serve the `nightly` deployment on its schedule (needs a Prefect server: see README)."""
    from thads.prefect_env import configure
    from thads.settings import get_settings

    configure(get_settings())
    if not os.environ.get("PREFECT_API_URL"):
        typer.echo("thads serve: a schedule needs a Prefect server; start one with\n"
                   "  .venv/bin/prefect server start --host 127.0.0.1 --port 4200\n"
                   "then: PREFECT_API_URL=http://127.0.0.1:4200/api thads serve", err=True)
        raise typer.Exit(code=2)
    from prefect.schedules import Cron

    from flows.nightly import nightly

    nightly.serve(name=name, schedules=[Cron(cron, timezone=timezone)])


def main() -> None:
    """The `thads` command: the CLI, then a quick exit.

    A process that has imported Great Expectations, Prefect, pandas and plotly spends ~1.4 s in the
    interpreter's own teardown (freeing module objects, in C) after its work is done. So once the command
    has finished, every atexit handler runs as it would (Prefect sends its last logs, the temporary API
    server stops), the output is flushed, and the process ends with the command's exit status.
    """
    code: int | str | None = 0
    try:
        app()
    except SystemExit as exc:
        code = exc.code
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # noqa: SLF001 - what a normal exit runs first, in the same order
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
