"""An opportunity's grade from current facts (spec §7), and what follows from it: the
slipped flag, the grade-A brief (立项报告) and whether the plan's approval still suffices;
the brief and the post-win review are recorded here too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput, NotFound
from leadflow.phrases import N_
from leadflow.rules.approval import role_needed, role_suffices
from leadflow.rules.config import RulesConfig
from leadflow.rules.grading import OpportunityGrade
from leadflow.rules.vocab import Grade, State
from leadflow.store.models import Lead
from leadflow.store.outbound_models import Handoff
from leadflow.store.rows import LeadRow
from leadflow.store.uow import flush
from leadflow.store.writer import write


def approval_falls_short(lead: Lead | LeadRow, rules: RulesConfig) -> str | None:
    """Why the recorded approval no longer suffices for the lead's opportunity grade
    (None when it does, or when there is none): start_negotiation then refuses it."""
    if lead.approved_role is None or lead.opportunity_grade is None:
        return None
    grade = Grade(lead.opportunity_grade)
    if role_suffices(lead.approved_role, grade, rules):
        return None
    return (
        f"approval by a {lead.approved_role} no longer suffices: grade {grade.value} "
        f"needs a {role_needed(grade, rules).value}"
    )


def apply_opportunity_grade(
    lead: Lead | LeadRow, graded: OpportunityGrade, now: dt.datetime, rules: RulesConfig
) -> None:
    """Set the grade (the manager's, when one was set in place of the assessed grade) and
    the slipped flag; what follows from the grade is `set_grade`'s."""
    write(lead, slipped=graded.slipped)
    set_grade(lead, Grade(lead.grade_override) if lead.grade_override else graded.grade, now, rules)


def set_grade(lead: Lead | LeadRow, grade: Grade, now: dt.datetime, rules: RulesConfig) -> None:
    """Set the opportunity grade. A grade that changes (or is first given) waits for the
    manager's confirmation (seed 002); the brief's clock starts when the grade asks for a
    brief (grade A by default) and stops when it no longer does."""
    if grade.value != lead.opportunity_grade:
        write(
            lead,
            opportunity_grade=grade.value,
            grade_confirmed_by=None,
            grade_confirmed_at=None,
            grade_confirm_due=now + dt.timedelta(hours=rules.opportunity.confirm_due_hours),
        )
    hours = rules.opportunity.brief_due_hours.get(grade)
    if lead.brief_at is not None:
        return
    if hours is None:
        write(lead, brief_due=None)
    elif lead.brief_due is None:
        write(lead, brief_due=now + dt.timedelta(hours=hours))


def start_assessment(lead: Lead, now: dt.datetime, rules: RulesConfig) -> None:
    """Seed 002: qualifying a lead creates its assessment (商机评估分级表), due from the
    owner within the configured hours; a deal already graded owes none."""
    if lead.state == State.opportunity.value and lead.opportunity_grade is None:
        write(lead, assess_due=now + dt.timedelta(hours=rules.opportunity.assess_due_hours))


def record_brief(session: Session, lead_id: int, *, text: str, by: str, now: dt.datetime) -> Lead:
    """Keep the opportunity brief (立项报告); it stops the brief reminder."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(N_("lead {lead} does not exist", lead=lead_id))
    if not text.strip():
        raise InvalidInput(N_("text: the brief must not be empty"), {"text": N_("empty")})
    if lead.state not in (State.opportunity.value, State.negotiation.value):
        raise GuardRefused(
            lead.id,
            "brief",
            N_("only opportunities have a brief (state {state})", state=lead.state),
        )
    write(lead, brief=f"{text.strip()}\n-- {by}", brief_at=now)
    flush(session)
    return lead


def record_win_review(
    session: Session, lead_id: int, *, notes: str, by: str, now: dt.datetime
) -> dict[str, Any]:
    """Keep the post-win review of a won deal (due some business days after the win); it
    stops the review reminder."""
    handoff = session.scalar(select(Handoff).where(Handoff.lead_id == lead_id))
    if handoff is None:
        raise NotFound(
            N_(
                "lead {lead} has no handoff yet: only a won deal, once handed off, has a "
                "post-win review",
                lead=lead_id,
            )
        )
    if not notes.strip():
        raise InvalidInput(N_("notes: the review must not be empty"), {"notes": N_("empty")})
    handoff.review_notes, handoff.reviewed_at = f"{notes.strip()}\n-- {by}", now
    flush(session)
    return {
        "lead_id": lead_id,
        "review_due": handoff.review_due,
        "reviewed_at": now,
        "notes": handoff.review_notes,
    }
