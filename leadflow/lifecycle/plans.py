"""The conversion plan and its approval (spec §2): an opportunity, graded, with a submitted
plan, is approved by the role its grade needs before negotiation starts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead
from leadflow.rules.approval import plan_grade, role_needed, role_suffices
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Role, State
from leadflow.store.deal_models import ConversionPlan, OpportunityAssessment
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import write

PlanText = Field(min_length=1, max_length=5000)


class PlanIn(BaseModel):
    """A conversion plan: the customer's pain points, our advantages, the strategy and its
    milestones."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    pain_points: str = PlanText
    advantages: str = PlanText
    strategy: str = PlanText
    milestones: str = PlanText


def current_plan(session: Session, lead_id: int) -> ConversionPlan | None:
    """The newest submitted plan of a lead."""
    return session.scalars(
        select(ConversionPlan)
        .where(ConversionPlan.lead_id == lead_id)
        .order_by(ConversionPlan.id.desc())
        .limit(1)
    ).first()


def submit_plan(
    session: Session, lead_id: int, plan: PlanIn, *, by: str, now: dt.datetime
) -> ConversionPlan:
    """Submit (or resubmit) an opportunity's conversion plan; a new plan needs a new
    approval."""
    lead = get_lead(session, lead_id)
    if lead.state != State.opportunity.value:
        raise GuardRefused(
            lead.id, "plan", f"a conversion plan is for an opportunity (the lead is {lead.state})"
        )
    row = ConversionPlan(lead_id=lead.id, submitted_by=by, submitted_at=now, **plan.model_dump())
    session.add(row)
    write(lead, approved_role=None, approved_by=None, approved_at=None)
    flush(session)
    return row


def approve_plan(
    session: Session, lead_id: int, *, role: str, by: str, now: dt.datetime, rules: RulesConfig
) -> Lead:
    """Approve the submitted plan of a graded opportunity, as a manager (grade B/C) or a
    director (any grade)."""
    lead = get_lead(session, lead_id)
    try:
        chosen = Role(role)
    except ValueError:
        raise InvalidInput(
            f"role: {role!r} is not manager or director", {"role": "must be manager or director"}
        ) from None
    if chosen not in (Role.manager, Role.director):
        raise InvalidInput(
            "role: only a manager or a director approves a plan",
            {"role": "must be manager or director"},
        )
    if lead.state != State.opportunity.value:
        raise GuardRefused(
            lead.id, "approve", f"only an opportunity's plan is approved (the lead is {lead.state})"
        )
    assessed = session.scalar(select(func.count()).where(OpportunityAssessment.lead_id == lead.id))
    if not assessed:
        raise GuardRefused(
            lead.id,
            "approve",
            "grade the opportunity first (`leadflow leads assess` or POST /assessment)",
        )
    if current_plan(session, lead.id) is None:
        raise GuardRefused(
            lead.id,
            "approve",
            "no conversion plan was submitted (`leadflow leads plan` or POST /plan)",
        )
    grade = plan_grade(lead.opportunity_grade, lead.grade)
    if not role_suffices(chosen, grade, rules):
        raise GuardRefused(
            lead.id,
            "approve",
            f"a grade {grade.value} plan is approved by a {role_needed(grade, rules).value}",
        )
    write(lead, approved_role=chosen.value, approved_by=by, approved_at=now)
    flush(session)
    return lead
