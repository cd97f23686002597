"""`leadflow report ...`: the periodic review for managers, as HTML, Markdown, XLSX or JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.i18n import use_locale
from leadflow.review.period import read_period
from leadflow.rules.access import Viewer
from leadflow.settings import get_settings
from leadflow.team.reps import get_rep

app = typer.Typer(no_args_is_help=True, help="Reports for managers.")


@app.command("review")
def review(
    period: str = typer.Option(..., help="A quarter (2026-Q3) or a month (2026-09)."),
    fmt: str = typer.Option("md", "--format", help="html | md | xlsx | json"),
    out: str | None = typer.Option(
        None,
        "--out",
        help="Write to this file. Without it, text formats go to stdout and "
        "xlsx goes to review-<period>.xlsx in the current folder.",
    ),
    role: str = typer.Option(
        "manager",
        help="Who reads it (system | rep | manager | director), masked as the "
        "API masks that role: budgets and notes only for the lead's owner, "
        "managers and directors.",
    ),
    rep: int | None = typer.Option(
        None, "--rep", help="With --role rep: the rep whose review it is (only their leads)."
    ),
    locale: str | None = typer.Option(
        None,
        "--locale",
        help="The report's language: en or zh_CN (default: LEADFLOW_LOCALE, else en).",
    ),
) -> None:
    """The review of a month or quarter: leads, deals, channels, losses, SLA, targets."""
    # Here, not at the top: every process that imports the CLI would load openpyxl, and a
    # flow run's process, spawned by `leadflow serve`, imports the CLI (0.15 s of its start).
    from leadflow.review.export import (
        check_format,
        review_for,
        review_text,
        write_review,
    )

    check_format(fmt)
    viewer = Viewer.of(role, rep)
    # The company's review runs on the default zone's clock; a rep's on their team's.
    chosen = read_period(period).in_zone(get_settings().default_timezone)
    if out is None and fmt == "xlsx":
        out = f"review-{chosen.label}.xlsx"
    with use_locale(locale), unit_of_work() as uow:
        if rep is not None:
            get_rep(uow.session, rep)  # NotFound names a rep that does not exist
        result = review_for(uow.session, chosen, dt.datetime.now(dt.UTC), viewer)
        if out is None:
            typer.echo(review_text(result, fmt), nl=False)
            return
        write_review(uow.session, result, fmt, Path(out), viewer)
    note = " (a workbook is never printed; --out chooses the file)" if fmt == "xlsx" else ""
    typer.echo(f"review {chosen.label} written to {out}{note}")
