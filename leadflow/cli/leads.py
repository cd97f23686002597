"""`leadflow leads ...`: add, show, list, fire, log, track, and rep updates (import and export
are in lead_files)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.errors import InvalidInput
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.assign import queue_rows
from leadflow.lifecycle.invalid_review import invalid_leads
from leadflow.lifecycle.objections import add_objection
from leadflow.lifecycle.plans import approve_plan
from leadflow.lifecycle.view import full_story
from leadflow.rules.facts import OpportunityFacts
from leadflow.settings import get_rules
from leadflow.store.models import Lead
from leadflow.store.queries import LeadFilter, sorted_leads
from leadflow.tasks.chunks import process_pending
from leadflow.winmodel.explain import win_line

app = typer.Typer(no_args_is_help=True, help="Leads: import, inspect and move them.")
BY = typer.Option("cli", "--by", help="Who is acting (kept in the audit trail).")
AT = typer.Option(
    None,
    "--at",
    help="When it happened, if earlier (ISO date/time; UTC "
    "unless a zone is given); a time in the future is refused.",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A CLI date/time as UTC-aware (a time without a zone is taken as UTC)."""
    return value.replace(tzinfo=dt.UTC) if value and value.tzinfo is None else value


@app.command("add")
def add(
    source: str = typer.Option(..., help="Channel, e.g. website_form, referral."),
    company: str = typer.Option(..., "--company", help="Company name."),
    contact: str = typer.Option(..., "--contact", help="Contact name."),
    need: str = typer.Option(..., help="Initial need description."),
    phone: str | None = typer.Option(None),
    email: str | None = typer.Option(None),
    source_detail: str | None = typer.Option(None),
    industry: str | None = typer.Option(None),
    size: str | None = typer.Option(None, "--size", help="small | medium | large"),
    employees: int | None = typer.Option(None),
    revenue: float | None = typer.Option(None),
    region: str | None = typer.Option(None),
    title: str | None = typer.Option(None),
    role: str | None = typer.Option(None, help="decision_maker | influencer | user"),
    budget_min: float | None = typer.Option(None),
    budget_max: float | None = typer.Option(None),
    timeline: str | None = typer.Option(None, help="Expected purchase date, YYYY-MM-DD."),
    tag: list[str] = typer.Option([], help="A label; repeat for more."),
    external_id: str | None = typer.Option(None),
    process: bool = typer.Option(True, help="Screen, score, grade and assign at once."),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add one lead."""
    record: dict[str, Any] = {
        "source": source,
        "company_name": company,
        "contact_name": contact,
        "need": need,
        "phone": phone,
        "email": email,
        "source_detail": source_detail,
        "industry": industry,
        "company_size": size,
        "employees": employees,
        "annual_revenue": revenue,
        "region": region,
        "contact_title": title,
        "contact_role": role,
        "budget_min": budget_min,
        "budget_max": budget_max,
        "timeline": timeline,
        "tags": tag,
        "external_id": external_id,
    }
    record = {k: v for k, v in record.items() if v not in (None, [])}
    with unit_of_work(by) as uow:
        summary = store_leads(uow.session, [(1, record)], "cli add", get_rules())
        uow.commit()
    if summary.rejected:
        errs = summary.rejections[0]["errors"]
        raise InvalidInput(
            "lead rejected: " + "; ".join(f"{k}: {v}" for k, v in errs.items()), errs
        )
    if process:
        process_pending()
    lead_id = summary.lead_ids[0] if summary.lead_ids else summary.duplicate_of[1]
    with unit_of_work() as uow:
        lead = svc.get_lead(uow.session, lead_id)
        data = {
            "id": lead.id,
            "state": lead.state,
            "grade": lead.grade,
            "priority": lead.priority,
            "score": lead.score,
            "owner_id": lead.owner_id,
            "duplicate": bool(summary.duplicates),
        }
    emit(
        data,
        as_json,
        ("merged into" if summary.duplicates else "added")
        + f" lead {lead_id}: {data['state']}, grade {data['grade']}, {data['priority']} priority, "
        f"score {data['score']}, owner {data['owner_id'] or '-'}",
    )


@app.command("show")
def show(
    lead_id: int,
    as_json: bool = JSON_OPTION,
    sensitive: bool = typer.Option(
        False,
        "--sensitive",
        help="Also show budgets and notes (owner, managers and directors only).",
    ),
) -> None:
    """Show a lead with its score explanation, transitions, history and activities.

    Budgets and notes are masked unless --sensitive is given."""
    with unit_of_work() as uow:
        story = full_story(uow.session, lead_id)
    if not sensitive:  # output ends up in tickets and chats: the least by default
        story = svc.mask_story(story)
    skip = {
        "transitions",
        "history",
        "activities",
        "explanation",
        "objections",
        "touches",
        "customer",
        "plan",
        "win",
    }
    lines = [f"{k}: {v}" for k, v in story.items() if k not in skip and v not in (None, [], "")]
    explain = (story.get("explanation") or {}).get("explain", {})
    if explain:
        lines.append(f"score points: {explain.get('points')}")
        lines.append(f"grade because: {', '.join(explain.get('grade_reasons', []))}")
    if story.get("win"):
        lines.append(win_line(story["win"]))
    lines += [
        "",
        "transitions:",
        table(story["transitions"], ["at", "from", "to", "trigger", "by", "reason"]),
    ]
    lines += ["", "history:", table(story["history"], ["at", "field", "old", "new", "by"])]
    lines += [
        "",
        "activities:",
        table(story["activities"], ["at", "channel", "key_points", "next_action"]),
    ]
    lines += [
        "",
        "objections:",
        table(story["objections"], ["id", "kind", "key", "detail", "raised_at", "response"]),
    ]
    lines += [
        "",
        "touches:",
        table(story["touches"], ["at", "channel", "detail", "outcome", "need"]),
    ]
    if story["customer"]:
        lines += [
            "",
            "customer's other leads:",
            table(
                story["customer"], ["id", "state", "created_at", "contract_value", "repeat_of_id"]
            ),
        ]
    if story["plan"]:
        lines += ["", "conversion plan:"] + [f"  {k}: {v}" for k, v in story["plan"].items()]
    emit(story, as_json, "\n".join(lines))


@app.command("list")
def list_leads(
    state: str | None = typer.Option(None),
    owner: int | None = typer.Option(None),
    grade: str | None = typer.Option(None),
    priority: str | None = typer.Option(None),
    limit: int = typer.Option(50, min=1, max=10_000),
    queue: bool = typer.Option(
        False,
        "--queue",
        help="Only leads waiting in a manager queue, with how long each has waited.",
    ),
    invalid: bool = typer.Option(False, "--invalid", help="Only disqualified leads."),
    unreviewed: bool = typer.Option(
        False, "--unreviewed", help="With --invalid: only those no manager has reviewed yet."
    ),
    sort: str = typer.Option(
        "newest", help="newest | score | win-probability (highest first; leads without one last)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List leads, newest first, filtered by state, owner, grade or priority.

    Or the manager queue (--queue), or disqualified leads to review (--invalid --unreviewed)."""
    if queue or invalid:
        with unit_of_work() as uow:
            if queue:
                rows = queue_rows(uow.session, _now())[:limit]
                columns = ["id", "company", "team_id", "grade", "priority", "waiting_hours"]
            else:
                rows = invalid_leads(uow.session, unreviewed=unreviewed, limit=limit)
                columns = ["id", "company", "source", "lost_at", "review", "invalid_reason"]
        emit(rows, as_json, table(rows, columns))
        return
    where = LeadFilter(state=state, owner=owner, grade=grade, priority=priority)
    with unit_of_work() as uow:
        rows = [
            {
                "id": lead.id,
                "state": lead.state,
                "company": lead.company_name,
                "source": lead.source,
                "grade": lead.grade,
                "priority": lead.priority,
                "score": lead.score,
                "win_probability": p,
                "owner": lead.owner_id,
            }
            for lead, p in sorted_leads(uow.session, where, sort, limit)
        ]
    emit(
        rows,
        as_json,
        table(
            rows,
            [
                "id",
                "state",
                "company",
                "source",
                "grade",
                "priority",
                "score",
                "win_probability",
                "owner",
            ],
        ),
    )


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
            now=_now(),
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
            now=_now(),
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
            uow.session, lead_id, event, now=_now(), rules=get_rules(), detail=detail, at=utc(at)
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
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the conversion criteria of spec §6 (what `qualify` checks)."""
    with unit_of_work(by) as uow:
        lead = svc.update_conversion(
            uow.session,
            lead_id,
            intent_stated=intent,
            budget_confirmed=Decimal(str(budget_confirmed)) if budget_confirmed else None,
            decision_maker_engaged=decision_maker,
            target_date=target_date.date() if target_date else None,
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
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Grade an opportunity (spec §7)."""
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
            uow.session, lead_id, facts, by=by, now=_now(), rules=get_rules()
        )
        uow.commit()
        data = {"lead_id": lead_id, "points": row.points, "grade": row.grade}
    emit(data, as_json, f"lead {lead_id}: opportunity grade {row.grade} ({row.points} points)")


@app.command("approve")
def approve(
    lead_id: int,
    role: str = typer.Option(..., help="manager | director"),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve an opportunity's submitted plan (needed by start_negotiation).

    A director approves grade A, a manager B or C."""
    with unit_of_work(by) as uow:
        lead = approve_plan(uow.session, lead_id, role=role, by=by, now=_now(), rules=get_rules())
        uow.commit()
        data = {"id": lead.id, "approved_role": lead.approved_role, "approved_by": by}
    emit(data, as_json, f"lead {lead_id}: plan approved by {role} {by}")


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
            uow.session, lead_id, kind=kind, detail=detail, now=_now(), at=utc(at), key=key
        )
        uow.commit()
        data = {"objection_id": row.id, "lead_id": lead_id}
    emit(data, as_json, f"objection {row.id} logged on lead {lead_id}")


@app.command("process")
def process(as_json: bool = JSON_OPTION) -> None:
    """Screen, score, grade and assign every lead still `new`."""
    result = process_pending()
    emit(
        result,
        as_json,
        f"{result.processed} processed: {result.screened} screened, "
        f"{result.disqualified} disqualified, {result.assigned} assigned, "
        f"{result.queued} queued",
    )
