"""`leadflow report ...`: the periodic review for managers, as Markdown or JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.errors import InvalidInput
from leadflow.services.review import build_review, read_period, review_markdown

app = typer.Typer(no_args_is_help=True, help="Reports for managers.")
FORMATS = ("md", "json")
LATER_FORMATS = ("html", "xlsx")  # arrive with the manager-outputs work


@app.command("review")
def review(
    period: str = typer.Option(..., help="A quarter (2026-Q3) or a month (2026-09)."),
    fmt: str = typer.Option("md", "--format", help="md | json"),
    out: str | None = typer.Option(None, "--out", help="Write to this file, not stdout."),
) -> None:
    """The review of a month or quarter: leads, deals, channels, losses, SLA, targets."""
    if fmt in LATER_FORMATS:
        raise InvalidInput(f"format {fmt}: HTML and spreadsheet reviews come with the "
                           "manager-outputs work; use --format md or --format json for now",
                           {"format": "not available yet"})
    if fmt not in FORMATS:
        raise InvalidInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}",
                           {"format": "unknown format"})
    chosen = read_period(period)
    with unit_of_work() as uow:
        result = build_review(uow.session, chosen, dt.datetime.now(dt.UTC))
    text = review_markdown(result) if fmt == "md" else result.model_dump_json(indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    typer.echo(f"review {chosen.label} written to {out}")
