"""`leadflow leads ...`: add, show, list and process (a rep's work on a lead is in lead_work,
the daily operations in lead_ops, import and export in lead_files)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, grade_text, minutes_text, table
from leadflow.errors import InvalidInput
from leadflow.intake.checks import unchecked as unchecked_leads
from leadflow.intake.pending import intake_chunk, process_pending
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.assign import queue_rows
from leadflow.lifecycle.contract_approval import contract_line
from leadflow.lifecycle.invalid_review import invalid_leads
from leadflow.lifecycle.view import full_story
from leadflow.phrases import N_, listed
from leadflow.rules.data_quality import missing_fields
from leadflow.rules.vocab import Grade, Priority, State
from leadflow.settings import get_rules
from leadflow.store.queries import LeadFilter, sorted_leads
from leadflow.winmodel.explain import win_line

app = App(no_args_is_help=True, help="Leads: import, inspect and move them.")
BY = typer.Option("cli", "--by", help="Who is acting (kept in the audit trail).")
AT = typer.Option(
    None,
    "--at",
    help="When it happened, if earlier (ISO date/time; UTC "
    "unless a zone is given); a time in the future is refused.",
)


def utcnow() -> dt.datetime:
    """The CLI's clock: now, in UTC."""
    return dt.datetime.now(dt.UTC)


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """A CLI date/time as UTC-aware (a time without a zone is taken as UTC)."""
    return value.replace(tzinfo=dt.UTC) if value and value.tzinfo is None else value


@app.command("add")
def add(
    source: str = typer.Option(
        ...,
        help="Channel (website_form, referral, ...) or a channel word: 展会, 客户转介绍, 線上推廣.",
    ),
    company: str | None = typer.Option(
        None, "--company", help="Company name (required for a company customer)."
    ),
    customer_type: str = typer.Option(
        "company", help="company | individual (an individual needs no --company)."
    ),
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
    budget: str | None = typer.Option(
        None, help="As written: 50-80万, 100万以上, 20万左右, 80k (both ends at once)."
    ),
    budget_min: str | None = typer.Option(None),
    budget_max: str | None = typer.Option(None),
    timeline: str | None = typer.Option(
        None, help="Expected purchase time as written: 2026-06-30, 2026年6月, Q3, 3个月内, 尽快."
    ),
    tag: list[str] = typer.Option([], help="A label; repeat for more."),
    external_id: str | None = typer.Option(None),
    process: bool = typer.Option(
        True, help="Screen, score, grade and assign this lead at once (no other)."
    ),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Add one lead."""
    record: dict[str, Any] = {
        "source": source,
        "customer_type": customer_type,
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
        "budget": budget,
        "budget_min": budget_min,
        "budget_max": budget_max,
        "timeline": timeline,
        "tags": tag,
        "external_id": external_id,
    }
    record = {k: v for k, v in record.items() if v not in (None, [])}
    with unit_of_work(by) as uow:
        summary = store_leads(uow.session, [(1, record)], "cli add", get_rules(), by_hand=True)
        uow.commit()
    if summary.rejected:
        errs = summary.rejections[0]["errors"]
        raise InvalidInput(N_("lead rejected: {errors}", errors=listed(errs)), errs)
    lead_id = summary.lead_ids[0] if summary.lead_ids else summary.duplicate_of[1]
    if process:  # this lead only: other pending leads wait for `leads process` or the flow
        intake_chunk([lead_id], utcnow())
    with unit_of_work() as uow:
        lead = svc.get_lead(uow.session, lead_id)
        missing = missing_fields(lead, get_rules().data_quality)
        asks = [f"{k}: {v}" for k, v in lead.to_confirm.items()]
        asks += [f"{name}: missing (required)" for name in missing]
        data = {
            "id": lead.id,
            "state": lead.state,
            "grade": lead.grade,
            "priority": lead.priority,
            "score": lead.score,
            "owner_id": lead.owner_id,
            "duplicate": bool(summary.duplicates),
            "to_confirm": lead.to_confirm,
            "missing": missing,
        }
        graded = grade_text(lead.grade)
    emit(
        data,
        as_json,
        ("merged into" if summary.duplicates else "added")
        + f" lead {lead_id}: {data['state']}, {graded}, {data['priority']} "
        f"priority, score {data['score']}, owner {data['owner_id'] or '-'}"
        + (f"\nto confirm: {'; '.join(asks)}" if asks else ""),
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
        story = full_story(uow.session, lead_id, get_rules())
    if not sensitive:  # output ends up in tickets and chats: the least by default
        story = svc.mask_story(story)
    skip = {
        "transitions",
        "history",
        "activities",
        "explanation",
        "objections",
        "minutes",
        "touches",
        "customer",
        "plan",
        "win",
        "contract",
    }
    lines = [f"{k}: {v}" for k, v in story.items() if k not in skip and v not in (None, [], "")]
    explain = (story.get("explanation") or {}).get("explain", {})
    if explain:
        lines.append(f"score points: {explain.get('points')}")
        lines.append(f"grade because: {', '.join(explain.get('grade_reasons', []))}")
        if explain.get("target_profile"):
            said = (f"{part} {fit}" for part, fit in explain["target_profile"].items())
            lines.append(f"target profile: {'; '.join(said)}")
    if story.get("contract"):
        lines.append(contract_line(story["contract"]))
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
    if story["minutes"]:
        lines += ["", "negotiation minutes:", minutes_text(story["minutes"])]
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
        plan = dict(story["plan"])
        deviations = plan.pop("deviations", [])
        lines += ["", "conversion plan:"] + [f"  {k}: {v}" for k, v in plan.items()]
        lines += [
            f"  price deviation approved: {d['value']} by {d['approved_role']} "
            f"{d['approved_by']} at {d['approved_at']}: {d['reason']}"
            for d in deviations
        ]
    emit(story, as_json, "\n".join(lines))


@app.command("list")
def list_leads(
    state: State | None = typer.Option(
        None, help=f"Only leads in this state: {' | '.join(State)}."
    ),
    owner: int | None = typer.Option(None, help="Only this rep's leads (rep id)."),
    grade: Grade | None = typer.Option(None, help="Only leads of this grade."),
    priority: Priority | None = typer.Option(None, help="Only leads of this priority."),
    stage: str | None = typer.Option(
        None, "--stage", help="Only deals at this sub-stage (技术评估阶段, ...)."
    ),
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
    unchecked: bool = typer.Option(
        False,
        "--unchecked",
        help="Only leads entered by hand or file that no supervisor has checked yet.",
    ),
    sort: str = typer.Option(
        "newest",
        help="newest | score | win-probability (highest first; leads without one last; "
        "ties in the channel ranking's order).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List leads, newest first, filtered by state, owner, grade, priority or sub-stage.

    Or a work queue: --queue, --invalid [--unreviewed], or --unchecked (entries to check)."""
    if queue or invalid or unchecked:
        with unit_of_work() as uow:
            if unchecked:
                rows = unchecked_leads(uow.session, get_rules(), limit)
                columns = ["id", "company", "state", "entered_by", "missing", "to_confirm"]
            elif queue:
                rows = queue_rows(uow.session, utcnow(), get_rules(), limit)
                columns = [
                    "id",
                    "company",
                    "team_id",
                    "grade",
                    "priority",
                    "source",
                    "waiting_hours",
                ]
            else:
                rows = invalid_leads(uow.session, unreviewed=unreviewed, limit=limit)
                columns = [
                    "id",
                    "company",
                    "source",
                    "lost_at",
                    "screening",
                    "review",
                    "invalid_reason",
                ]
        emit(rows, as_json, table(rows, columns))
        return
    where = LeadFilter(
        state=state, owner=owner, grade=grade, priority=priority, sub_stage=stage and stage.strip()
    )
    with unit_of_work() as uow:
        rows = [
            {
                "id": lead.id,
                "state": lead.state,
                "sub_stage": lead.sub_stage,
                "company": lead.company_name,
                "source": lead.source,
                "grade": lead.grade,
                "priority": lead.priority,
                "score": lead.score,
                "win_probability": p,
                "owner": lead.owner_id,
            }
            for lead, p in sorted_leads(
                uow.session, where, sort, limit, get_rules().channels.priority
            )
        ]
    emit(
        rows,
        as_json,
        table(
            rows,
            [
                "id",
                "state",
                "sub_stage",
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
