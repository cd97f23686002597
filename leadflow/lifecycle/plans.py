"""The conversion plan and its approval (spec §2): an opportunity, graded, with a submitted
plan, is approved by the role its grade needs before negotiation starts. A plan carries the
price range and terms offered; in negotiation a plan with another price or terms is a
revision that needs approval again (seed 003: 若涉及价格或条款变动,需内部审批后同步客户)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.amounts import Price
from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead, lead_time
from leadflow.lifecycle.plan_notice import price_text, tell_approver
from leadflow.phrases import N_
from leadflow.rules.approval import plan_grade, role_needed, role_suffices
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Role, State
from leadflow.store.deal_models import ConversionPlan, OpportunityAssessment
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import changes_at, note, write

PlanText = Field(min_length=1, max_length=5000)
PLANNED = (State.opportunity.value, State.negotiation.value)


class PlanIn(BaseModel):
    """A conversion plan: the customer's pain points, our advantages, the strategy and its
    milestones, the contract value range offered and the commercial terms (payment,
    delivery)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    pain_points: str = PlanText
    advantages: str = PlanText
    strategy: str = PlanText
    milestones: str = PlanText
    price_min: Price
    price_max: Price
    terms: Annotated[str, Field(max_length=2000)] | None = None

    @field_validator("price_max")
    @classmethod
    def _not_below_min(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        low = info.data.get("price_min")
        if low is not None and value < low:
            raise ValueError(
                N_("the highest price {high} is below the lowest {low}", high=value, low=low)
            )
        return value

    @field_validator("terms")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


def current_plan(session: Session, lead_id: int) -> ConversionPlan | None:
    """The newest submitted plan of a lead."""
    return session.scalars(
        select(ConversionPlan)
        .where(ConversionPlan.lead_id == lead_id)
        .order_by(ConversionPlan.id.desc())
        .limit(1)
    ).first()


def approved_plan(session: Session, lead_id: int) -> ConversionPlan | None:
    """The newest approved plan of a lead: the price and terms the deal is held to."""
    return session.scalars(
        select(ConversionPlan)
        .where(ConversionPlan.lead_id == lead_id, ConversionPlan.approved_at.is_not(None))
        .order_by(ConversionPlan.id.desc())
        .limit(1)
    ).first()


def _same_offer(plan: ConversionPlan, offer: PlanIn) -> bool:
    """Whether a plan offers the same price range and terms."""
    return (plan.price_min, plan.price_max, plan.terms or None) == (
        offer.price_min,
        offer.price_max,
        offer.terms,
    )


def _approve(
    lead: Lead, plan: ConversionPlan, role: str | None, by: str | None, at: dt.datetime | None
) -> None:
    """Record the approval on the plan and on the lead (which start_negotiation reads)."""
    plan.approved_role, plan.approved_by, plan.approved_at = role, by, at
    write(lead, approved_role=role, approved_by=by, approved_at=at)


def submit_plan(
    session: Session,
    lead_id: int,
    plan: PlanIn,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    directors: Sequence[str],
    at: dt.datetime | None = None,
) -> ConversionPlan:
    """Submit an opportunity's conversion plan, or revise it in negotiation, at `at` when
    given (not in the future, not before the lead entered its state). A plan that
    needs approval tells its approver (the team's manager, or `directors` for a grade
    they approve); in negotiation the same price and terms keep the approval given."""
    lead = get_lead(session, lead_id)
    if lead.state not in PLANNED:
        raise GuardRefused(
            lead.id,
            "plan",
            N_(
                "a conversion plan is for an opportunity or a deal in negotiation "
                "(the lead is {state})",
                state=lead.state,
            ),
        )
    when = lead_time(lead, at, now, "plan")
    # The plan's own fields only: the API's body adds its `at`.
    offer = plan.model_dump(include=set(PlanIn.model_fields))
    row = ConversionPlan(lead_id=lead.id, submitted_by=by, submitted_at=when, **offer)
    session.add(row)
    flush(session)
    with changes_at(session, when):
        _file_plan(session, lead, row, plan, now, rules, directors)
    return row


def _file_plan(
    session: Session,
    lead: Lead,
    row: ConversionPlan,
    plan: PlanIn,
    now: dt.datetime,
    rules: RulesConfig,
    directors: Sequence[str],
) -> None:
    """Keep a revision's approval when it offers the same, else ask for one."""
    held = approved_plan(session, lead.id) if lead.state == State.negotiation.value else None
    if held is not None and _same_offer(held, plan):
        _approve(lead, row, held.approved_role, held.approved_by, held.approved_at)
    else:
        write(lead, approved_role=None, approved_by=None, approved_at=None)
        if held is not None:
            note(
                lead,
                "plan",
                f"plan revised in negotiation: price {price_text(row)} "
                f"(approved: {price_text(held)}), terms {row.terms or '-'} "
                f"(approved: {held.terms or '-'}); awaits approval",
            )
        grade = plan_grade(lead.opportunity_grade, lead.grade)
        tell_approver(session, lead, row, role_needed(grade, rules), directors, now, rules)
    flush(session)


def approver_role(lead: Lead, role: str, step: str, rules: RulesConfig) -> Role:
    """The approving role, checked: a manager or director whose rank covers the grade."""
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(
            N_("role: {role} is not manager or director", role=repr(role)),
            {"role": N_("must be manager or director")},
        ) from None
    if chosen not in (Role.manager, Role.director):
        raise InvalidInput(
            N_("role: only a manager or a director approves a plan"),
            {"role": N_("must be manager or director")},
        )
    grade = plan_grade(lead.opportunity_grade, lead.grade)
    if not role_suffices(chosen, grade, rules):
        raise GuardRefused(
            lead.id,
            step,
            N_(
                "a grade {grade} plan is approved by a {role}",
                grade=grade.value,
                role=role_needed(grade, rules).value,
            ),
        )
    return chosen


def approve_plan(
    session: Session,
    lead_id: int,
    *,
    role: str,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    at: dt.datetime | None = None,
) -> Lead:
    """Approve the submitted plan of a graded opportunity, or a revised plan in negotiation,
    as a manager (grade B/C) or a director (any grade), at `at` when given (not in the
    future, not before the lead entered its state or the plan was submitted)."""
    lead = get_lead(session, lead_id)
    if lead.state not in PLANNED:
        raise GuardRefused(
            lead.id,
            "approve",
            N_(
                "only an opportunity's plan, or a revised plan in negotiation, is approved "
                "(the lead is {state})",
                state=lead.state,
            ),
        )
    assessed = session.scalar(select(func.count()).where(OpportunityAssessment.lead_id == lead.id))
    if not assessed:
        raise GuardRefused(
            lead.id,
            "approve",
            N_("grade the opportunity first (`leadflow leads assess` or POST /assessment)"),
        )
    plan = current_plan(session, lead.id)
    if plan is None:
        raise GuardRefused(
            lead.id,
            "approve",
            N_("no conversion plan was submitted (`leadflow leads plan` or POST /plan)"),
        )
    chosen = approver_role(lead, role, "approve", rules)
    if lead.state == State.negotiation.value and plan.approved_at is not None:
        raise GuardRefused(
            lead.id,
            "approve",
            f"no revised plan awaits approval: the plan of {plan.submitted_at:%Y-%m-%d} "
            f"(price {price_text(plan)}) was approved by {plan.approved_by}",
        )
    when = lead_time(lead, at, now, "approve")
    if when < plan.submitted_at:
        raise InvalidInput(
            f"at: {when.isoformat(timespec='seconds')} is before the plan was submitted "
            f"({plan.submitted_at.isoformat(timespec='seconds')})",
            {"at": N_("before the plan was submitted")},
        )
    with changes_at(session, when):
        _approve(lead, plan, chosen.value, by, when)
        if lead.state == State.negotiation.value:
            note(lead, "plan", f"revised plan approved: price {price_text(plan)}")
        flush(session)
    return lead
