"""Operations on one lead: fire a trigger, log an activity, track behaviour, assess, approve.

Each takes the caller's session; the caller's unit of work commits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput, NotFound
from leadflow.intake.process import (
    apply_evaluation,
    behaviour_counts,
    evaluate_lead,
    tighten_first_contact,
)
from leadflow.lifecycle.opportunity import apply_opportunity_grade
from leadflow.rules.access import mask
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
    State,
)
from leadflow.schemas import MAX_ID
from leadflow.statemachines.lead import fire
from leadflow.store.deal_models import OpportunityAssessment
from leadflow.store.models import (
    Activity,
    BehaviourEvent,
    FieldChange,
    Lead,
    TransitionAudit,
    utcnow,
)
from leadflow.store.uow import flush
from leadflow.team.zones import zone_of
from leadflow.winmodel.score import lead_win, score_leads


def get_lead(session: Session, lead_id: int) -> Lead:
    """The lead, or NotFound naming the id (also for an id no row can have: the CLI's
    ids reach here unchecked)."""
    lead = session.get(Lead, lead_id) if 1 <= lead_id <= MAX_ID else None
    if lead is None:
        raise NotFound(f"lead {lead_id} does not exist")
    return lead


def _choice(value: str, vocab: Any, field: str) -> Any:
    try:
        return vocab(value)
    except ValueError:
        raise InvalidInput(
            f"{field}: {value!r} is not one of " + ", ".join(v.value for v in vocab),
            {field: "unknown value"},
        ) from None


def happened_at(at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When something happened: `at` when given (a past contact or event recorded later),
    else now. A time in the future is refused; a time without a zone is taken as UTC."""
    if at is None:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    if at > now + dt.timedelta(minutes=5):  # a little clock skew between machines is fine
        raise InvalidInput(f"at: {at.isoformat()} is in the future", {"at": "in the future"})
    return at


def fire_trigger(
    session: Session,
    lead_id: int,
    trigger: str,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    reason: str | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    """Fire a lifecycle trigger on a lead by id (loss reason recorded on `lose`); `at`
    records a move that happened earlier. `reactivate` also gives the lead an owner."""
    when = happened_at(at, now)
    if trigger == "reactivate":
        from leadflow.lifecycle.assign import reactivate  # assign builds on this module

        return reactivate(session, lead_id, by=by, now=when, rules=rules, reason=reason)
    lead = get_lead(session, lead_id)
    fire(lead, trigger, by=by, at=when, rules=rules, reason=reason)
    if trigger == "lose" and reason:
        lead.loss_reason = _choice(reason.split(":", 1)[0].strip(), LossReason, "reason").value
    flush(session)
    score_leads(session, [lead.id], now)
    return lead


def rescore(session: Session, lead: Lead, now: dt.datetime, rules: RulesConfig) -> None:
    """Recompute score, priority, stage and grade from the lead's facts and events."""
    counts = behaviour_counts(session, [lead.id], now, rules)
    apply_evaluation(lead, evaluate_lead(lead, counts.get(lead.id, BehaviourCounts()), now, rules))
    tighten_first_contact(lead, rules, zone_of(session, lead.team_id, rules))
    score_leads(session, [lead.id], now)


def track_event(
    session: Session,
    lead_id: int,
    kind: str,
    *,
    now: dt.datetime,
    rules: RulesConfig,
    detail: str | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    """Record a behaviour event (at `at`, when it happened earlier) and update the lead's
    score at once."""
    lead = get_lead(session, lead_id)
    when = happened_at(at, now)
    session.add(
        BehaviourEvent(
            lead_id=lead.id, kind=_choice(kind, BehaviourKind, "kind").value, at=when, detail=detail
        )
    )
    lead.last_interaction_at = max(lead.last_interaction_at or when, when)
    flush(session)
    rescore(session, lead, now, rules)
    flush(session)
    return lead


def log_activity(
    session: Session,
    lead_id: int,
    *,
    channel: str,
    key_points: str,
    now: dt.datetime,
    rules: RulesConfig,
    at: dt.datetime | None = None,
    rep_id: int | None = None,
    feedback: str | None = None,
    next_action: str | None = None,
    next_action_due: dt.datetime | None = None,
) -> Activity:
    """Log a follow-up contact; it resets the no-follow-up timer and the cadence."""
    lead = get_lead(session, lead_id)
    when = happened_at(at, now)
    activity = Activity(
        lead_id=lead.id,
        rep_id=rep_id or lead.owner_id,
        at=when,
        channel=_choice(channel, ActivityChannel, "channel").value,
        key_points=key_points,
        feedback=feedback,
        next_action=next_action,
        next_action_due=next_action_due,
        logged_at=now,
        late=logged_late(when, now, rules),
    )
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
    lead.next_cadence_due = next_cadence_date(
        lead.last_contact_at, State(lead.state), grade, opp, rules, lead.nurture_stage
    )
    flush(session)
    score_leads(session, [lead.id], now)
    return activity


def update_conversion(
    session: Session,
    lead_id: int,
    *,
    intent_stated: bool | None = None,
    budget_confirmed: Decimal | None = None,
    decision_maker_engaged: bool | None = None,
    target_date: dt.date | None = None,
) -> Lead:
    """Record what the rep learned about the conversion criteria (spec §6)."""
    lead = get_lead(session, lead_id)
    for name, value in (
        ("intent_stated", intent_stated),
        ("budget_confirmed", budget_confirmed),
        ("decision_maker_engaged", decision_maker_engaged),
        ("target_date", target_date),
    ):
        if value is not None:
            setattr(lead, name, value)
    flush(session)
    score_leads(session, [lead.id], utcnow())
    return lead


def assess_opportunity(
    session: Session,
    lead_id: int,
    facts: OpportunityFacts,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
) -> OpportunityAssessment:
    """Grade the opportunity (spec §7) and keep the assessment."""
    lead = get_lead(session, lead_id)
    if lead.state not in (State.opportunity.value, State.negotiation.value):
        raise GuardRefused(lead.id, "assess", f"only opportunities are graded (state {lead.state})")
    result = opportunity_grade(facts, rules)
    row = OpportunityAssessment(
        lead_id=lead.id,
        urgency=facts.urgency.value,
        budget=facts.budget,
        competition=facts.competition.value,
        decision_chain=facts.decision_chain.value,
        points=result.points,
        grade=result.grade.value,
        assessed_by=by,
        assessed_at=now,
    )
    session.add(row)
    apply_opportunity_grade(lead, result, now, rules)
    flush(session)
    score_leads(session, [lead.id], now)
    return row


def lead_story(session: Session, lead_id: int) -> dict[str, Any]:
    """A lead with its transitions, history, activities and events, for `leads show`."""
    lead = get_lead(session, lead_id)
    data = {c.key: getattr(lead, c.key) for c in Lead.__table__.columns}
    data["transitions"] = [
        {
            "from": t.from_state,
            "to": t.to_state,
            "trigger": t.trigger,
            "by": t.actor,
            "reason": t.reason,
            "at": t.at,
        }
        for t in session.scalars(
            select(TransitionAudit)
            .where(TransitionAudit.lead_id == lead_id)
            .order_by(TransitionAudit.id)
        )
    ]
    data["history"] = [
        {"field": h.field, "old": h.old_value, "new": h.new_value, "by": h.actor, "at": h.at}
        for h in session.scalars(
            select(FieldChange).where(FieldChange.lead_id == lead_id).order_by(FieldChange.id)
        )
    ]
    data["activities"] = [
        {
            "at": a.at,
            "channel": a.channel,
            "key_points": a.key_points,
            "feedback": a.feedback,
            "next_action": a.next_action,
            "next_action_due": a.next_action_due,
            "logged_at": a.logged_at,
            "late": a.late,
        }
        for a in session.scalars(
            select(Activity).where(Activity.lead_id == lead_id).order_by(Activity.at)
        )
    ]
    data["win"] = lead_win(session, lead_id)
    return data


def mask_story(data: dict[str, Any]) -> dict[str, Any]:
    """A lead story with the sensitive fields and their history entries hidden, and the
    hidden names listed under `masked`."""
    masked = {**mask(data), "masked": list(SENSITIVE)}
    masked["history"] = [
        {**h, "old": None, "new": None, "masked": True} if h["field"] in SENSITIVE else h
        for h in data["history"]
    ]
    return masked
