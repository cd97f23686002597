"""`leadflow leads minutes`: record the minutes of a negotiation (seed 003: 《谈判纪要》), or
list a lead's minutes with --list."""

from __future__ import annotations

import datetime as dt

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.leads import BY, app, utc, utcnow
from leadflow.cli.output import JSON_OPTION, emit, minutes_text
from leadflow.lifecycle.minutes import confirmer, list_minutes, minutes_of, record_minutes


@app.command("minutes")
def minutes(
    lead_id: int,
    held_at: dt.datetime | None = typer.Option(
        None,
        "--held-at",
        help="When the negotiation was held, if earlier than now (ISO; UTC unless a zone is "
        "given): not in the future, not before the lead's negotiation started.",
    ),
    agreed: list[str] = typer.Option([], "--agreed", help="A point agreed (repeat for each)."),
    open_issues: list[str] = typer.Option(
        [], "--open", help="An issue still open (repeat for each)."
    ),
    confirmed_by: str | None = typer.Option(
        None, "--confirmed-by", help="The customer's contact who confirmed the minutes."
    ),
    confirmed_title: str | None = typer.Option(
        None, "--confirmed-title", help="That contact's title, if given."
    ),
    confirmed_at: dt.datetime | None = typer.Option(
        None, "--confirmed-at", help="When the contact confirmed them (default: now)."
    ),
    show_list: bool = typer.Option(False, "--list", help="List the lead's minutes instead."),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the minutes of a negotiation: points agreed, open issues, who confirmed them.

    Only while the lead is in negotiation; at least one --agreed and --confirmed-by are needed.

    The customer's signature stays on paper: LeadFlow records who confirmed and when.

    With --list, show the lead's minutes instead."""
    if show_list:
        with unit_of_work() as uow:
            rows = list_minutes(uow.session, lead_id)
        emit(rows, as_json, minutes_text(rows))
        return
    with unit_of_work(by) as uow:
        row = record_minutes(
            uow.session,
            lead_id,
            held_at=utc(held_at),
            agreed=agreed,
            open_issues=open_issues,
            confirmed_by=confirmed_by,
            confirmed_title=confirmed_title,
            confirmed_at=utc(confirmed_at),
            by=by,
            now=utcnow(),
        )
        uow.commit()
        data = minutes_of(row)
    emit(
        data,
        as_json,
        f"minutes {data['id']} recorded on lead {lead_id}: {len(data['agreed'])} agreed, "
        f"{len(data['open_issues'])} open, confirmed by {confirmer(data)}",
    )
