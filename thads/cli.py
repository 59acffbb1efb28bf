"""The `thads` command: generate sample data, run the nightly job, serve its schedule."""

from __future__ import annotations

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


if __name__ == "__main__":  # pragma: no cover
    app()
