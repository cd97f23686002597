"""`leadflow leads ...` for a rep's work on a lead: fire a trigger, log a contact, track
behaviour, record conversion criteria, assess, approve (a plan, or a price deviation), log
an objection, and move a deal to its next sub-stage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.leads import AT, BY, app, utc, utcnow
from leadflow.cli.output import JSON_OPTION, emit
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle import prices
from leadflow.lifecycle.objections import add_objection
from leadflow.lifecycle.plans import approve_plan
from leadflow.lifecycle.stages import set_stage, stage_of
from leadflow.rules.facts import OpportunityFacts
from leadflow.settings import get_rules
from leadflow.store.models import Lead


def _moved(lead: Lead) -> dict[str, Any]:
    return {"id": lead.id, "state": lead.state, "version": lead.version}


@app.command("fire")
def fire_cmd(
    lead_id: int,
    trigger: str,
    reason: str | None = typer.Option(None),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Fire a lifecycle trigger (qualify, lose --reason price, reactivate, ...).

    A win is recorded with its contract by `leads win`."""
    with unit_of_work(by) as uow:
        lead = svc.fire_trigger(
            uow.session,
            lead_id,
            trigger,
            by=by,
            now=utcnow(),
            rules=get_rules(),
            reason=reason,
            at=utc(at),
        )
        uow.commit()
        data = _moved(lead)
    emit(data, as_json, f"lead {lead_id}: {trigger} -> {data['state']}")


@app.command("log")
def log(
    lead_id: int,
    channel: str = typer.Option(..., help="phone | email | visit | chat | meeting"),
    points: str = typer.Option(..., "--points", help="Key points of the contact."),
    feedback: str | None = typer.Option(None),
    next_action: str | None = typer.Option(None),
    due: dt.datetime | None = typer.Option(None, help="Next action due (ISO date/time, UTC)."),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Log a follow-up contact (spec §6), at the time it happened with --at."""
    with unit_of_work(by) as uow:
        act = svc.log_activity(
            uow.session,
            lead_id,
            channel=channel,
            key_points=points,
            feedback=feedback,
            next_action=next_action,
            next_action_due=utc(due),
            now=utcnow(),
            rules=get_rules(),
            at=utc(at),
        )
        uow.commit()
        data = {"activity_id": act.id, "lead_id": lead_id}
    emit(data, as_json, f"logged activity {act.id} on lead {lead_id}")


@app.command("track")
def track(
    lead_id: int,
    event: str = typer.Argument(..., help="page_visit | download | webinar | reply"),
    detail: str | None = typer.Option(None),
    at: dt.datetime | None = AT,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record a behaviour event; the score updates at once."""
    with unit_of_work("tracking") as uow:
        lead = svc.track_event(
            uow.session, lead_id, event, now=utcnow(), rules=get_rules(), detail=detail, at=utc(at)
        )
        uow.commit()
        data = {"id": lead.id, "score": lead.score, "priority": lead.priority, "grade": lead.grade}
    emit(data, as_json, f"lead {lead_id}: score {data['score']} ({data['priority']})")


@app.command("criteria")
def criteria(
    lead_id: int,
    intent: bool | None = typer.Option(
        None, "--intent/--no-intent", help="The customer stated intent to proceed."
    ),
    budget_confirmed: float | None = typer.Option(None, help="Confirmed budget amount."),
    decision_maker: bool | None = typer.Option(
        None, "--decision-maker/--no-decision-maker", help="A key decision maker is engaged."
    ),
    target_date: dt.datetime | None = typer.Option(None, help="Target date stated."),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the conversion criteria of spec §6 (what `qualify` checks), as learned at --at."""
    with unit_of_work(by) as uow:
        lead = svc.update_conversion(
            uow.session,
            lead_id,
            intent_stated=intent,
            budget_confirmed=Decimal(str(budget_confirmed)) if budget_confirmed else None,
            decision_maker_engaged=decision_maker,
            target_date=target_date.date() if target_date else None,
            now=utcnow(),
            at=utc(at),
        )
        uow.commit()
        data = {
            "id": lead.id,
            "intent_stated": lead.intent_stated,
            "budget_confirmed": lead.budget_confirmed,
            "decision_maker_engaged": lead.decision_maker_engaged,
            "target_date": lead.target_date,
        }
    emit(data, as_json)


@app.command("assess")
def assess(
    lead_id: int,
    urgency: str = typer.Option(..., help="immediate | urgent | normal"),
    budget: float = typer.Option(..., help="Opportunity budget."),
    competition: str = typer.Option(..., help="advantage | parity | disadvantage"),
    decision_chain: str = typer.Option(..., help="simple | medium | complex"),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Grade an opportunity (spec §7), as assessed at --at."""
    facts = OpportunityFacts.model_validate(
        {
            "urgency": urgency,
            "budget": budget,
            "competition": competition,
            "decision_chain": decision_chain,
        }
    )
    with unit_of_work(by) as uow:
        row = svc.assess_opportunity(
            uow.session, lead_id, facts, by=by, now=utcnow(), rules=get_rules(), at=utc(at)
        )
        uow.commit()
        data = {"lead_id": lead_id, "points": row.points, "grade": row.grade}
    emit(data, as_json, f"lead {lead_id}: opportunity grade {row.grade} ({row.points} points)")


@app.command("approve")
def approve(
    lead_id: int,
    role: str = typer.Option(..., help="manager | director"),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve an opportunity's submitted plan (needed by start_negotiation), at --at.

    A director approves grade A, a manager B or C.

    In negotiation it approves a revised plan (another price or terms), which win waits for."""
    with unit_of_work(by) as uow:
        lead = approve_plan(
            uow.session, lead_id, role=role, by=by, now=utcnow(), rules=get_rules(), at=utc(at)
        )
        uow.commit()
        data = {"id": lead.id, "approved_role": lead.approved_role, "approved_by": by}
    emit(data, as_json, f"lead {lead_id}: plan approved by {role} {by}")


@app.command("approve-deviation")
def approve_deviation(
    lead_id: int,
    value: Decimal = typer.Option(..., help="The contract value approved outside the range."),
    reason: str = typer.Option(..., help="Why the deviation is approved."),
    role: str = typer.Option(..., help="manager | director"),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve a contract value outside the approved plan's price range (needed by win).

    The role that approves the plan's grade approves it; win then accepts exactly that value."""
    with unit_of_work(by) as uow:
        row = prices.approve_deviation(
            uow.session,
            lead_id,
            value=value,
            reason=reason,
            role=role,
            by=by,
            now=utcnow(),
            rules=get_rules(),
        )
        uow.commit()
        data = {"lead_id": lead_id, "value": row.value, "approved_role": row.approved_role}
    emit(data, as_json, f"lead {lead_id}: contract value {value} approved by {role} {by}")


@app.command("object")
def objection(
    lead_id: int,
    kind: str = typer.Option(..., help="price | terms | function | competitor | decision_chain"),
    detail: str = typer.Option(...),
    key: bool = typer.Option(
        False, "--key", help="A key objection: the team's manager is told, for the team to discuss."
    ),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Log an objection raised in negotiation."""
    with unit_of_work(by) as uow:
        row = add_objection(
            uow.session, lead_id, kind=kind, detail=detail, now=utcnow(), at=utc(at), key=key
        )
        uow.commit()
        data = {"objection_id": row.id, "lead_id": lead_id}
    emit(data, as_json, f"objection {row.id} logged on lead {lead_id}")


@app.command("stage")
def stage_cmd(
    lead_id: int,
    stage: str = typer.Argument(..., help="One of the state's sub-stages (rules.yaml: stages)."),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Move an opportunity or a negotiation to one of its sub-stages (技术评估阶段, ...).

    The state's sub-stages are listed in config/rules.yaml under stages."""
    with unit_of_work(by) as uow:
        lead = set_stage(uow.session, lead_id, stage, now=utcnow(), rules=get_rules(), at=utc(at))
        uow.commit()
        data = stage_of(lead)
    emit(data, as_json, f"lead {lead_id}: {data['state']}, at {data['sub_stage']}")
