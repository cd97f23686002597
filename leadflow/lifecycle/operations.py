"""Operations on one lead: fire a trigger, log an activity, track behaviour, assess, approve.

Each takes the caller's session; the caller's unit of work commits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused
from leadflow.lifecycle.assign import assign_queued, reactivate
from leadflow.lifecycle.lookup import choice, get_lead, lead_time, plain_text
from leadflow.lifecycle.opportunity import apply_opportunity_grade, start_assessment
from leadflow.lifecycle.reassess import reassess_stored, reschedule_cadence
from leadflow.phrases import N_
from leadflow.rules.access import mask
from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import OpportunityFacts
from leadflow.rules.grading import opportunity_grade
from leadflow.rules.timing import logged_late
from leadflow.rules.vocab import (
    SENSITIVE,
    ActivityChannel,
    BehaviourKind,
    LossReason,
    State,
)
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
from leadflow.store.writer import changes_at, fire, write
from leadflow.winmodel.score import lead_win, score_leads


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
    lead = get_lead(session, lead_id)
    when = lead_time(lead, at, now, trigger)
    if trigger == "reactivate":
        return reactivate(session, lead_id, by=by, now=when, rules=rules, reason=reason)
    with changes_at(session, when):
        fire(lead, trigger, by=by, at=when, rules=rules, reason=reason)
        if trigger == "qualify":
            start_assessment(lead, when, rules)
        if trigger == "lose" and reason:
            loss = choice(reason.split(":", 1)[0].strip(), LossReason, "reason")
            write(lead, loss_reason=loss.value)
        flush(session)
    if trigger == "lose" and lead.loss_reason == LossReason.invalid.value:  # no grade now
        rescore(session, lead, now, rules)
        return lead
    score_leads(session, [lead.id], now)
    return lead


def rescore(session: Session, lead: Lead, now: dt.datetime, rules: RulesConfig) -> None:
    """Reassess one lead after its facts changed (`reassess`, the one policy), and offer it
    to the reps again when it waits in a manager queue."""
    outcome = reassess_stored(session, lead, now, rules)
    flush(session)
    if outcome.requeue:
        assign_queued(session, now, rules, only=[lead.id])
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
    plain_text(detail=detail)
    lead = get_lead(session, lead_id)
    when = lead_time(lead, at, now)
    session.add(
        BehaviourEvent(
            lead_id=lead.id, kind=choice(kind, BehaviourKind, "kind").value, at=when, detail=detail
        )
    )
    write(lead, last_interaction_at=max(lead.last_interaction_at or when, when))
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
    plain_text(key_points=key_points, feedback=feedback, next_action=next_action)
    lead = get_lead(session, lead_id)
    when = lead_time(lead, at, now)
    activity = Activity(
        lead_id=lead.id,
        rep_id=rep_id or lead.owner_id,
        at=when,
        channel=choice(channel, ActivityChannel, "channel").value,
        key_points=key_points,
        feedback=feedback,
        next_action=next_action,
        next_action_due=next_action_due,
        logged_at=now,
        late=logged_late(when, now, rules),
    )
    session.add(activity)
    write(
        lead,
        first_contacted_at=lead.first_contacted_at or when,
        last_contact_at=max(lead.last_contact_at or when, when),
        last_interaction_at=max(lead.last_interaction_at or when, when),
        next_action=next_action,
        next_action_due=next_action_due,
        dormant=False,
    )
    reschedule_cadence(lead, rules)
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
    now: dt.datetime | None = None,
    at: dt.datetime | None = None,
) -> Lead:
    """Record what the rep learned about the conversion criteria (spec §6), when it was
    learned with `at` (not in the future, not before the lead was created): the history
    keeps that time, so the win model sees the criteria as they stood before an outcome."""
    now = now or utcnow()
    lead = get_lead(session, lead_id)
    given = {
        "intent_stated": intent_stated,
        "budget_confirmed": budget_confirmed,
        "decision_maker_engaged": decision_maker_engaged,
        "target_date": target_date,
    }
    with changes_at(session, lead_time(lead, at, now)):
        write(lead, **{name: value for name, value in given.items() if value is not None})
        flush(session)
    score_leads(session, [lead.id], now)
    return lead


def assess_opportunity(
    session: Session,
    lead_id: int,
    facts: OpportunityFacts,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    at: dt.datetime | None = None,
) -> OpportunityAssessment:
    """Grade the opportunity (spec §7) and keep the assessment, made at `at` when given
    (not in the future, not before the lead entered its state)."""
    lead = get_lead(session, lead_id)
    if lead.state not in (State.opportunity.value, State.negotiation.value):
        raise GuardRefused(
            lead.id, "assess", N_("only opportunities are graded (state {state})", state=lead.state)
        )
    when = lead_time(lead, at, now, "assess")
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
        assessed_at=when,
    )
    session.add(row)
    with changes_at(session, when):
        write(lead, grade_override=None)  # a new assessment replaces a grade a manager set
        apply_opportunity_grade(lead, result, when, rules)
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
    hidden = {*SENSITIVE, "to_confirm"}  # what to confirm may quote the budget
    masked["history"] = [
        {**h, "old": None, "new": None, "masked": True} if h["field"] in hidden else h
        for h in data["history"]
    ]
    return masked
