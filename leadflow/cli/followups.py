"""`leadflow reminders due` and the follow-up records reminders wait for: the grade-A brief
(`leads brief`), the handoff's delivery details (`leads handoff`) and the post-win review
(`leads win-review`)."""

from __future__ import annotations

import datetime as dt

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli import leads
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.followup.reminders import preview, preview_rows
from leadflow.handoff.details import HandoffIn, set_handoff
from leadflow.lifecycle.opportunity import record_brief, record_win_review
from leadflow.schemas import validated
from leadflow.settings import get_rules, get_settings

app = App(no_args_is_help=True, help="Reminders and escalations.")


def _utc(when: dt.datetime | None) -> dt.datetime:
    if when is None:
        return dt.datetime.now(dt.UTC)
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


@app.command("due")
def due(
    at: dt.datetime | None = typer.Option(None, help="As of this time (ISO, UTC); now by default."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Show the reminders and escalations a pass would send at that time, sending nothing."""
    with unit_of_work() as uow:
        messages = preview(uow.session, _utc(at), get_rules(), get_settings().director_recipients)
    rows = preview_rows(messages)
    emit(
        [m.model_dump(mode="json") for m in messages],
        as_json,
        table(rows, ["lead", "kind", "due", "action", "to", "subject"])
        + f"\n{sum(m.action == 'remind' for m in messages)} reminders, "
        f"{sum(m.action == 'escalate' for m in messages)} escalations would be sent",
    )


@leads.app.command("brief")
def brief(
    lead_id: int,
    text: str = typer.Option(..., help="The opportunity brief (立项报告)."),
    by: str = leads.BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the opportunity brief of a grade-A deal; its reminder stops."""
    with unit_of_work(by) as uow:
        lead = record_brief(uow.session, lead_id, text=text, by=by, now=_utc(None))
        uow.commit()
        data = {"lead_id": lead.id, "brief_at": lead.brief_at, "brief_due": lead.brief_due}
    emit(data, as_json, f"brief recorded on lead {lead_id}")


@leads.app.command("win-review")
def win_review(
    lead_id: int,
    notes: str = typer.Option(..., help="What the post-win review found."),
    by: str = leads.BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the post-win review of a won deal; its reminder stops."""
    with unit_of_work(by) as uow:
        data = record_win_review(uow.session, lead_id, notes=notes, by=by, now=_utc(None))
        uow.commit()
    emit(data, as_json, f"post-win review recorded on lead {lead_id} (due {data['review_due']})")


_DAY = ["%Y-%m-%d"]


@leads.app.command("handoff")
def handoff(
    lead_id: int,
    delivery_owner: str | None = typer.Option(None, help="Who in delivery owns the deal."),
    start: dt.datetime | None = typer.Option(
        None, formats=_DAY, help="When delivery starts, YYYY-MM-DD."
    ),
    go_live: dt.datetime | None = typer.Option(
        None, formats=_DAY, help="When the customer goes live, YYYY-MM-DD."
    ),
    customer_contact: str | None = typer.Option(
        None, help='The customer\'s contact for delivery: "NAME, PHONE or EMAIL".'
    ),
    by: str = leads.BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Set a won deal's delivery owner, dates and customer contact.

    A package already made is rebuilt and mailed again; it is delivered once it names its owner."""
    given = {
        "delivery_owner": delivery_owner,
        "delivery_start": start.date() if start else None,
        "go_live": go_live.date() if go_live else None,
        "customer_contact": customer_contact,
    }
    details = validated(HandoffIn, {k: v for k, v in given.items() if v is not None})
    with unit_of_work(by) as uow:
        data = set_handoff(uow.session, lead_id, details, now=_utc(None), settings=get_settings())
        uow.commit()
    emit(
        data,
        as_json,
        f"lead {lead_id}: delivery owner {data['delivery_owner'] or '-'}, start "
        f"{data['delivery_start'] or '-'}, go-live {data['go_live'] or '-'}, customer contact "
        f"{data['customer_contact'] or '-'}; package {data['package']}",
    )
