"""`leadflow leads answer|update|assign|review-invalid|plan`: the daily operations on one
lead, each a thin call into the service that the API calls too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.leads import AT, BY, app, utc
from leadflow.cli.output import JSON_OPTION, emit, grade_text
from leadflow.errors import InvalidInput
from leadflow.intake.pending import intake_chunk
from leadflow.lifecycle.assign import assign_lead
from leadflow.lifecycle.invalid_review import review_invalid, screening_note
from leadflow.lifecycle.lookup import get_lead
from leadflow.lifecycle.objections import answer_objection
from leadflow.lifecycle.plans import PlanIn, submit_plan
from leadflow.lifecycle.update import EDITABLE, update_lead
from leadflow.phrases import N_
from leadflow.rules.written import read_budget
from leadflow.schemas import validated
from leadflow.settings import get_rules, get_settings


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@app.command("answer")
def answer(
    lead_id: int,
    objection_id: int,
    response: str = typer.Option(..., help="How the objection was answered."),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record the answer to an objection; it stops reminding."""
    with unit_of_work(by) as uow:
        row = answer_objection(
            uow.session, lead_id, objection_id, response=response, by=by, now=_now(), at=utc(at)
        )
        uow.commit()
        data = {"objection_id": row.id, "lead_id": lead_id, "answered_at": row.answered_at}
    emit(data, as_json, f"objection {objection_id} on lead {lead_id} answered")


def _field_options() -> str:
    return ", ".join(EDITABLE)


@app.command("update")
def update(
    lead_id: int,
    field: list[str] = typer.Option(
        [], "--set", help="FIELD=VALUE; repeat for more. FIELD=  (empty) clears an optional field."
    ),
    budget: str | None = typer.Option(
        None, help="Both ends as written: 50-80万, 100万以上, 20万左右, 80k."
    ),
    budget_max: str | None = typer.Option(None, help="Shortcut for --set budget_max=..."),
    budget_min: str | None = typer.Option(None, help="Shortcut for --set budget_min=..."),
    contact_role: str | None = typer.Option(None, help="decision_maker | influencer | user"),
    timeline: str | None = typer.Option(
        None, help="Expected purchase time as written: 2026-06-30, 2026年6月, Q3, 3个月内, 尽快."
    ),
    need: str | None = typer.Option(None, help="The need, as it stands now."),
    expected_version: int | None = typer.Option(
        None, help="Refuse if the lead has changed since this version."
    ),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a lead's facts (any field of the rule book's §1).

    The lead is re-scored, re-graded and its timers recomputed at once."""
    changes: dict[str, Any] = {}
    for item in field:
        name, sep, value = item.partition("=")
        if not sep:
            raise InvalidInput(
                N_(
                    "--set: {item!r} is not FIELD=VALUE (fields: {fields})",
                    item=item,
                    fields=_field_options(),
                ),
                {"--set": "FIELD=VALUE"},
            )
        changes[name.strip()] = _parse(value.strip())
    for name, given in (
        ("budget", budget),
        ("budget_max", budget_max),
        ("budget_min", budget_min),
        ("contact_role", contact_role),
        ("timeline", timeline),
        ("need", need),
    ):
        if given is not None:
            changes[name] = _parse(given)
    with unit_of_work(by) as uow:
        lead = update_lead(
            uow.session,
            lead_id,
            changes,
            now=_now(),
            rules=get_rules(),
            expected_version=expected_version,
        )
        uow.commit()
        data = {
            "id": lead.id,
            "version": lead.version,
            "score": lead.score,
            "priority": lead.priority,
            "grade": lead.grade,
            "valid": lead.valid,
            "changed": sorted(changes),
            "screening": screening_note(uow.session, lead),
        }
        graded = grade_text(lead.grade)
    emit(
        data,
        as_json,
        f"lead {lead_id}: {', '.join(sorted(changes))} changed; score "
        f"{data['score']} ({data['priority']}), {graded}"
        + (f"\n{data['screening']}" if data["screening"] else ""),
    )


def _parse(value: str) -> Any:
    """A CLI value: empty clears, [a, b] is a list (tags); other text is converted to the
    field's type when the lead is validated."""
    if value == "":
        return None
    if value.startswith("[") and value.endswith("]"):
        return [v.strip() for v in value[1:-1].split(",") if v.strip()]
    return value


@app.command("assign")
def assign(
    lead_id: int,
    rep: int = typer.Option(..., "--rep", help="The rep to own the lead."),
    reason: str | None = typer.Option(None, help="Why (kept with the assignment)."),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Give a queued lead an owner, or move an open lead to another rep (both are told)."""
    with unit_of_work(by) as uow:
        lead = assign_lead(
            uow.session, lead_id, rep, by=by, now=_now(), rules=get_rules(), reason=reason
        )
        uow.commit()
        data = {
            "id": lead.id,
            "state": lead.state,
            "owner_id": lead.owner_id,
            "first_contact_due": lead.first_contact_due,
        }
    emit(data, as_json, f"lead {lead_id}: owner {rep} ({data['state']})")


@app.command("review-invalid")
def review_invalid_cmd(
    lead_id: int,
    confirm: bool = typer.Option(False, "--confirm", help="Archive the lead as invalid."),
    reinstate: bool = typer.Option(False, "--reinstate", help="Send it back to screening."),
    reason: str | None = typer.Option(None, help="Why it is reinstated (required then)."),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """A sales manager's review of a disqualified lead: --confirm or --reinstate."""
    if confirm == reinstate:
        raise InvalidInput(
            N_(
                "give exactly one of --confirm or --reinstate",
            ),
            {"decision": "--confirm or --reinstate"},
        )
    with unit_of_work(by) as uow:
        lead = review_invalid(
            uow.session,
            lead_id,
            decision="confirm" if confirm else "reinstate",
            by=by,
            now=_now(),
            rules=get_rules(),
            reason=reason,
        )
        uow.commit()
    if reinstate:  # this lead goes through intake at once, on the manager's decision
        intake_chunk([lead_id], _now())
    with unit_of_work() as uow:
        lead = get_lead(uow.session, lead_id)
        data = {
            "id": lead.id,
            "state": lead.state,
            "invalid_review": lead.invalid_review,
            "screened_again": reinstate,
            "valid": lead.valid,
            "grade": lead.grade,
            "screening": screening_note(uow.session, lead),
        }
        graded = grade_text(lead.grade)
    emit(
        data,
        as_json,
        f"lead {lead_id}: {data['invalid_review']}, now {data['state']}, {graded}"
        + (f"\n{data['screening']}" if data["screening"] else ""),
    )


@app.command("plan")
def plan(
    lead_id: int,
    pain_points: str = typer.Option(..., help="The customer's pain points."),
    advantages: str = typer.Option(..., help="Our advantages for this customer."),
    strategy: str = typer.Option(..., help="How we will win the deal."),
    milestones: str = typer.Option(..., help="The steps and dates to signing."),
    price: str = typer.Option(
        ..., help="The contract value range offered: 500000-800000, 50-80万, or one amount."
    ),
    terms: str | None = typer.Option(None, help="The commercial terms offered: payment, delivery."),
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Submit an opportunity's conversion plan (approved before negotiation), or revise it;
    --at gives when it was submitted.

    In negotiation another price or terms is a revision: it needs approval again before a win.

    The approver for the plan's grade is told: the team's manager, or the directors."""
    low, high = price_range(price)
    body: PlanIn = validated(
        PlanIn,
        {
            "pain_points": pain_points,
            "advantages": advantages,
            "strategy": strategy,
            "milestones": milestones,
            "price_min": low,
            "price_max": high,
            "terms": terms,
        },
    )
    with unit_of_work(by) as uow:
        row = submit_plan(
            uow.session,
            lead_id,
            body,
            by=by,
            now=_now(),
            rules=get_rules(),
            directors=get_settings().director_recipients,
            at=utc(at),
        )
        uow.commit()
        state = "approved" if row.approved_at else "awaiting approval"
        data = {"plan_id": row.id, "lead_id": lead_id, "approval": state}
    emit(data, as_json, f"lead {lead_id}: conversion plan {row.id} submitted, {state}")


def price_range(text: str) -> tuple[Decimal, Decimal]:
    """--price as its two ends ("50-80万" is 500000 to 800000; one amount is both)."""
    read = read_budget(text)
    if read is None or read.low is None or read.high is None:
        raise InvalidInput(
            N_("price: {text!r} is not a price range such as 500000-800000 or 50-80万", text=text),
            {"price": N_("a range low-high, or one amount")},
        )
    return read.low, read.high
