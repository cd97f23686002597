"""`leadflow report ...`: the periodic review for managers, as HTML, Markdown, XLSX or JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.i18n import use_locale
from leadflow.services.review import build_review, read_period

app = typer.Typer(no_args_is_help=True, help="Reports for managers.")


@app.command("review")
def review(
    period: str = typer.Option(..., help="A quarter (2026-Q3) or a month (2026-09)."),
    fmt: str = typer.Option("md", "--format", help="html | md | xlsx | json"),
    out: str | None = typer.Option(
        None, "--out", help="Write to this file. Without it, text formats go to stdout and "
                            "xlsx goes to review-<period>.xlsx in the current folder."),
    role: str = typer.Option(
        "manager", help="Who reads it: the workbook's budget and notes columns are masked "
                        "unless manager or director (system | rep | manager | director)."),
    locale: str | None = typer.Option(
        None, "--locale", help="The report's language: en or zh_CN (default: LEADFLOW_LOCALE, "
                               "else en)."),
) -> None:
    """The review of a month or quarter: leads, deals, channels, losses, SLA, targets."""
    # Here, not at the top: every process that imports the CLI would load openpyxl, and a
    # flow run's process, spawned by `leadflow serve`, imports the CLI (0.15 s of its start).
    from leadflow.services.review_export import check_format, review_text, write_review
    from leadflow.services.review_xlsx import check_role

    check_format(fmt)
    check_role(role)
    chosen = read_period(period)
    if out is None and fmt == "xlsx":
        out = f"review-{chosen.label}.xlsx"
    with use_locale(locale), unit_of_work() as uow:
        result = build_review(uow.session, chosen, dt.datetime.now(dt.UTC))
        if out is None:
            typer.echo(review_text(result, fmt), nl=False)
            return
        write_review(uow.session, result, fmt, Path(out), role)
    note = " (a workbook is never printed; --out chooses the file)" if fmt == "xlsx" else ""
    typer.echo(f"review {chosen.label} written to {out}{note}")
