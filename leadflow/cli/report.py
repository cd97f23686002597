"""`leadflow report ...`: the periodic review for managers, as HTML, Markdown, XLSX or JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.leads import BY, utcnow
from leadflow.cli.output import JSON_OPTION, emit, json_format
from leadflow.i18n import use_locale
from leadflow.review.notes import ReviewNotes, list_notes, set_notes
from leadflow.review.period import read_period
from leadflow.rules.access import Viewer
from leadflow.settings import get_settings
from leadflow.team.reps import get_rep

app = App(no_args_is_help=True, help="Reports for managers.")


@app.command("review")
def review(
    period: str = typer.Option(
        ..., help="A quarter (2026-Q3), a month (2026-09) or an ISO week (2026-W49)."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="html | md | xlsx | json (default: md; json with --json)."
    ),
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
    team: int | None = typer.Option(
        None,
        "--team",
        help="Only this team's leads, reps and result, and its meeting's conclusions, "
        "on the team's clock.",
    ),
    locale: str | None = typer.Option(
        None,
        "--locale",
        help="The report's language: en or zh_CN (default: LEADFLOW_LOCALE, else en).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """The review of a quarter, month or ISO week: deals, win rates, targets and conclusions."""
    # Here, not at the top: every process that imports the CLI would load openpyxl, and a
    # flow run's process, spawned by `leadflow serve`, imports the CLI (0.15 s of its start).
    from leadflow.review.export import (
        check_format,
        review_for,
        review_text,
        write_review,
    )

    fmt = json_format(fmt, as_json, "md")
    check_format(fmt)
    viewer = Viewer.of(role, rep)
    # The company's review runs on the default zone's clock; a rep's on their team's.
    chosen = read_period(period).in_zone(get_settings().default_timezone)
    if out is None and fmt == "xlsx":
        out = f"review-{chosen.label}{'' if team is None else f'-team{team}'}.xlsx"
    with use_locale(locale), unit_of_work() as uow:
        if rep is not None:
            get_rep(uow.session, rep)  # NotFound names a rep that does not exist
        result = review_for(uow.session, chosen, dt.datetime.now(dt.UTC), viewer, team)
        if out is None:
            typer.echo(review_text(result, fmt), nl=False)
            return
        write_review(uow.session, result, fmt, Path(out), viewer)
    note = " (a workbook is never printed; --out chooses the file)" if fmt == "xlsx" else ""
    emit(
        {"period": chosen.label, "format": fmt, "file": out},
        as_json,
        f"review {chosen.label} written to {out}{note}",
    )


_FACTOR_NAMES = {
    "success": "success factors",
    "failure": "failure factors",
    "improve": "improvement measures",
}


def _notes_text(found: list[ReviewNotes], period: str) -> str:
    if not found:
        return f"no review notes for {period}"
    lines = []
    for n in found:
        whose = "company" if n.team_id is None else f"team {n.team_id} {n.team}"
        lines.append(f"review notes {n.period}, {whose} (by {n.updated_by}, {n.updated_at}):")
        for name, label in _FACTOR_NAMES.items():
            texts = getattr(n, name)
            lines += [f"  {label}:", *[f"    - {t}" for t in texts]] if texts else []
    return "\n".join(lines)


@app.command("notes")
def notes(
    period: str = typer.Option(
        ..., help="A quarter (2026-Q3), a month (2026-09) or an ISO week (2026-W49)."
    ),
    team: int | None = typer.Option(None, "--team", help="The team (default: the company)."),
    success: list[str] | None = typer.Option(
        None, "--success", help="A main success factor (repeat for several)."
    ),
    failure: list[str] | None = typer.Option(
        None, "--failure", help="A main failure factor (repeat for several)."
    ),
    improve: list[str] | None = typer.Option(
        None, "--improve", help="An improvement measure (repeat for several)."
    ),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Enter or show the review meeting's conclusions for a period and team.

    A factor given (--success, --failure, --improve) replaces what was entered for it."""
    factors = {"success": success, "failure": failure, "improve": improve}
    label = read_period(period).label
    with unit_of_work(by) as uow:
        if any(factors.values()):
            entered = set_notes(uow.session, label, team, factors, by=by, now=utcnow())
            uow.commit()
            found = [entered]
        else:
            found = list_notes(uow.session, label, team, company=team is None)
    emit([n.model_dump() for n in found], as_json, _notes_text(found, label))
