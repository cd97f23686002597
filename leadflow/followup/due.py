"""What is due (spec §6, §7, §8): every timer of every open lead, found with indexed range
queries so the cost grows with what is due, not with the number of leads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import OPEN_STATES, State
from leadflow.store.deal_models import Objection
from leadflow.store.models import Lead
from leadflow.store.outbound_models import Handoff, OutboxMessage

OPEN = [s.value for s in OPEN_STATES]
WORKING = ["nurturing", "opportunity", "negotiation"]
DEALS = [State.opportunity.value, State.negotiation.value]
KINDS = ("first_contact", "no_follow_up", "next_action", "objection", "cadence", "brief",
         "win_review", "notify")


@dataclass(frozen=True)
class DueItem:
    """One thing a rep owes a lead, and since when."""

    lead_id: int
    kind: str
    due_at: dt.datetime


def _silence_applies(rules: RulesConfig) -> ColumnElement[bool]:
    """Spec §6: the no-follow-up rule serves leads being actively worked: the configured
    lead grades while nurturing, and opportunities of the configured grades (or not yet
    graded). Slower grades are reminded by their cadence instead."""
    sla = rules.sla
    return or_(
        and_(Lead.state == State.nurturing.value,
             Lead.grade.in_([g.value for g in sla.no_follow_up_grades])),
        and_(Lead.state.in_(DEALS),
             or_(Lead.opportunity_grade.in_([g.value for g in
                                             sla.no_follow_up_opportunity_grades]),
                 Lead.opportunity_grade.is_(None))))


def due_items(session: Session, now: dt.datetime, rules: RulesConfig) -> Iterator[DueItem]:
    """Every due item as of `now`."""
    sla = rules.sla
    owned = and_(Lead.owner_id.is_not(None), Lead.state.in_(OPEN))
    timers = (("first_contact", Lead.first_contact_due, Lead.first_contacted_at.is_(None)),
              ("next_action", Lead.next_action_due, true()),
              ("cadence", Lead.next_cadence_due, Lead.state.in_(WORKING)),
              ("brief", Lead.brief_due, and_(Lead.brief_at.is_(None), Lead.state.in_(DEALS))))
    for kind, column, condition in timers:
        for lead_id, due in session.execute(select(Lead.id, column)
                                            .where(column <= now, condition, owned)):
            yield DueItem(lead_id, kind, cast(dt.datetime, due))
    gap = dt.timedelta(days=sla.no_follow_up_days)
    for lead_id, last, assigned in session.execute(
            select(Lead.id, Lead.last_contact_at, Lead.assigned_at)
            .where(Lead.state.in_(WORKING), Lead.owner_id.is_not(None),
                   or_(Lead.last_contact_at <= now - gap,
                       and_(Lead.last_contact_at.is_(None), Lead.assigned_at <= now - gap)),
                   _silence_applies(rules))):
        yield DueItem(lead_id, "no_follow_up", cast(dt.datetime, last or assigned) + gap)
    answer = dt.timedelta(hours=sla.objection_answer_hours)
    for lead_id, raised in session.execute(
            select(Objection.lead_id, Objection.raised_at).join(Lead)
            .where(Objection.answered_at.is_(None), Objection.raised_at <= now - answer, owned)):
        yield DueItem(lead_id, "objection", raised + answer)
    yield from _outside_leads(session, now, rules)


def _outside_leads(session: Session, now: dt.datetime, rules: RulesConfig
                   ) -> Iterator[DueItem]:
    """Timers kept beside the lead: the post-win review of a handed-off deal (due some
    business days after the win) and an owner's assignment notice whose delivery failed and
    is still undelivered after notify_within_hours (the lead must not sit unknown; a notice
    no sender has tried yet is the outbox's matter, `leadflow outbox`)."""
    for lead_id, due in session.execute(
            select(Handoff.lead_id, Handoff.review_due)
            .where(Handoff.reviewed_at.is_(None), Handoff.review_due <= now.date())):
        yield DueItem(lead_id, "win_review",
                      dt.datetime.combine(due, dt.time(0), tzinfo=dt.UTC))
    late = now - dt.timedelta(hours=rules.assignment.notify_within_hours)
    for notice_lead, created in session.execute(
            select(OutboxMessage.lead_id, OutboxMessage.created_at)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.kind == "assignment",
                   OutboxMessage.attempts > 0, OutboxMessage.lead_id.is_not(None),
                   OutboxMessage.created_at < late)):
        yield DueItem(cast(int, notice_lead), "notify",  # never None: lead_id IS NOT NULL
                      created + dt.timedelta(hours=rules.assignment.notify_within_hours))
