"""Operations on one lead: fire a trigger, log an activity, track behaviour, assess, approve.

Each takes the caller's session; the caller's unit of work commits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput, NotFound
from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import BehaviourCounts, OpportunityFacts
from leadflow.rules.grading import opportunity_grade
from leadflow.rules.timing import logged_late, next_cadence_date
from leadflow.rules.vocab import (
    SENSITIVE,
    ActivityChannel,
    BehaviourKind,
    Grade,
    LossReason,
    ObjectionKind,
    Role,
    State,
)
from leadflow.services.opportunity import apply_opportunity_grade
from leadflow.services.pipeline import (
    apply_evaluation,
    behaviour_counts,
    evaluate_lead,
    tighten_first_contact,
)
from leadflow.statemachines.lead import fire
from leadflow.store.models import (
    Activity,
    BehaviourEvent,
    FieldChange,
    Lead,
    Objection,
    OpportunityAssessment,
    TransitionAudit,
)
from leadflow.store.uow import flush


def get_lead(session: Session, lead_id: int) -> Lead:
    """The lead, or NotFound naming the id."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return lead


def _choice(value: str, vocab: Any, field: str) -> Any:
    try:
        return vocab(value)
    except ValueError:
        raise InvalidInput(f"{field}: {value!r} is not one of "
                           + ", ".join(v.value for v in vocab), {field: "unknown value"}) from None


def fire_trigger(session: Session, lead_id: int, trigger: str, *, by: str, now: dt.datetime,
                 rules: RulesConfig, reason: str | None = None) -> Lead:
    """Fire a lifecycle trigger on a lead by id (loss reason recorded on `lose`)."""
    lead = get_lead(session, lead_id)
    fire(lead, trigger, by=by, at=now, rules=rules, reason=reason)
    if trigger == "lose" and reason:
        lead.loss_reason = _choice(reason.split(":", 1)[0].strip(), LossReason, "reason").value
    if trigger == "reactivate":
        lead.dormant = False
        lead.loss_reason = None
    flush(session)
    return lead


def rescore(session: Session, lead: Lead, now: dt.datetime, rules: RulesConfig) -> None:
    """Recompute score, priority, stage and grade from the lead's facts and events."""
    counts = behaviour_counts(session, [lead.id], now, rules)
    apply_evaluation(lead, evaluate_lead(lead, counts.get(lead.id, BehaviourCounts()), now, rules))
    tighten_first_contact(lead, rules)


def track_event(session: Session, lead_id: int, kind: str, *, now: dt.datetime,
                rules: RulesConfig, detail: str | None = None) -> Lead:
    """Record a behaviour event and update the lead's score at once."""
    lead = get_lead(session, lead_id)
    session.add(BehaviourEvent(lead_id=lead.id, kind=_choice(kind, BehaviourKind, "kind").value,
                               at=now, detail=detail))
    lead.last_interaction_at = max(lead.last_interaction_at or now, now)
    flush(session)
    rescore(session, lead, now, rules)
    flush(session)
    return lead


def log_activity(session: Session, lead_id: int, *, channel: str, key_points: str,
                 now: dt.datetime, rules: RulesConfig, at: dt.datetime | None = None,
                 rep_id: int | None = None, feedback: str | None = None,
                 next_action: str | None = None,
                 next_action_due: dt.datetime | None = None) -> Activity:
    """Log a follow-up contact; it resets the no-follow-up timer and the cadence."""
    lead = get_lead(session, lead_id)
    when = at or now
    if when > now + dt.timedelta(minutes=5):
        raise InvalidInput("at: a contact cannot be logged in the future", {"at": "in the future"})
    activity = Activity(lead_id=lead.id, rep_id=rep_id or lead.owner_id, at=when,
                        channel=_choice(channel, ActivityChannel, "channel").value,
                        key_points=key_points, feedback=feedback, next_action=next_action,
                        next_action_due=next_action_due, logged_at=now,
                        late=logged_late(when, now, rules))
    session.add(activity)
    if lead.first_contacted_at is None:
        lead.first_contacted_at = when
    if lead.last_contact_at is None or when > lead.last_contact_at:
        lead.last_contact_at = when
    lead.last_interaction_at = max(lead.last_interaction_at or when, when)
    lead.next_action, lead.next_action_due = next_action, next_action_due
    lead.dormant = False
    grade = Grade(lead.grade) if lead.grade else None
    opp = Grade(lead.opportunity_grade) if lead.opportunity_grade else None
    lead.next_cadence_due = next_cadence_date(lead.last_contact_at, State(lead.state), grade, opp,
                                              rules, lead.nurture_stage)
    flush(session)
    return activity


def update_conversion(session: Session, lead_id: int, *, intent_stated: bool | None = None,
                      budget_confirmed: Decimal | None = None,
                      decision_maker_engaged: bool | None = None,
                      target_date: dt.date | None = None) -> Lead:
    """Record what the rep learned about the conversion criteria (spec §6)."""
    lead = get_lead(session, lead_id)
    for name, value in (("intent_stated", intent_stated), ("budget_confirmed", budget_confirmed),
                        ("decision_maker_engaged", decision_maker_engaged),
                        ("target_date", target_date)):
        if value is not None:
            setattr(lead, name, value)
    flush(session)
    return lead


def assess_opportunity(session: Session, lead_id: int, facts: OpportunityFacts, *, by: str,
                       now: dt.datetime, rules: RulesConfig) -> OpportunityAssessment:
    """Grade the opportunity (spec §7) and keep the assessment."""
    lead = get_lead(session, lead_id)
    if lead.state not in (State.opportunity.value, State.negotiation.value):
        raise GuardRefused(lead.id, "assess", f"only opportunities are graded (state {lead.state})")
    result = opportunity_grade(facts, rules)
    row = OpportunityAssessment(lead_id=lead.id, urgency=facts.urgency.value, budget=facts.budget,
                                competition=facts.competition.value,
                                decision_chain=facts.decision_chain.value, points=result.points,
                                grade=result.grade.value, assessed_by=by, assessed_at=now)
    session.add(row)
    apply_opportunity_grade(lead, result, now, rules)
    flush(session)
    return row


def approve_plan(session: Session, lead_id: int, *, role: str, by: str, now: dt.datetime) -> Lead:
    """Record approval of the conversion plan by a manager or director."""
    lead = get_lead(session, lead_id)
    chosen = _choice(role, Role, "role")
    if chosen not in (Role.manager, Role.director):
        raise InvalidInput("role: only a manager or a director approves a plan",
                           {"role": "must be manager or director"})
    lead.approved_role, lead.approved_by, lead.approved_at = chosen.value, by, now
    flush(session)
    return lead


def add_objection(session: Session, lead_id: int, *, kind: str, detail: str,
                  now: dt.datetime) -> Objection:
    """Log an objection raised in negotiation."""
    lead = get_lead(session, lead_id)
    row = Objection(lead_id=lead.id, kind=_choice(kind, ObjectionKind, "kind").value,
                    detail=detail, raised_at=now)
    session.add(row)
    flush(session)
    return row


def lead_story(session: Session, lead_id: int) -> dict[str, Any]:
    """A lead with its transitions, history, activities and events, for `leads show`."""
    lead = get_lead(session, lead_id)
    data = {c.key: getattr(lead, c.key) for c in Lead.__table__.columns}
    data["transitions"] = [
        {"from": t.from_state, "to": t.to_state, "trigger": t.trigger, "by": t.actor,
         "reason": t.reason, "at": t.at}
        for t in session.scalars(select(TransitionAudit).where(TransitionAudit.lead_id == lead_id)
                                 .order_by(TransitionAudit.id))]
    data["history"] = [
        {"field": h.field, "old": h.old_value, "new": h.new_value, "by": h.actor, "at": h.at}
        for h in session.scalars(select(FieldChange).where(FieldChange.lead_id == lead_id)
                                 .order_by(FieldChange.id))]
    data["activities"] = [
        {"at": a.at, "channel": a.channel, "key_points": a.key_points, "feedback": a.feedback,
         "next_action": a.next_action, "next_action_due": a.next_action_due,
         "logged_at": a.logged_at, "late": a.late}
        for a in session.scalars(select(Activity).where(Activity.lead_id == lead_id)
                                 .order_by(Activity.at))]
    return data


def mask_story(data: dict[str, Any]) -> dict[str, Any]:
    """A lead story with the sensitive fields and their history entries hidden, and the
    hidden names listed under `masked`."""
    masked = {**data, **dict.fromkeys(SENSITIVE), "masked": list(SENSITIVE)}
    masked["history"] = [
        {**h, "old": None, "new": None, "masked": True} if h["field"] in SENSITIVE else h
        for h in data["history"]]
    return masked
