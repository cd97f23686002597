"""Follow-up reminders and escalation (spec §6): find what is due, remind the owner once,
escalate to the manager once when still untouched a business day later, flag dormancy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import cast
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import and_, or_, select, true, tuple_, update
from sqlalchemy.orm import Session

from leadflow.i18n import N_, day, moment
from leadflow.i18n import gettext as _
from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import add_business_days, is_business_day
from leadflow.rules.vocab import OPEN_STATES
from leadflow.services.notify import enqueue, recipient_of
from leadflow.store.models import Lead, Objection, SalesRep, Team
from leadflow.store.outbound_models import Reminder

OPEN = [s.value for s in OPEN_STATES]
WORKING = ["nurturing", "opportunity", "negotiation"]
KINDS = ("first_contact", "no_follow_up", "next_action", "objection", "cadence")


@dataclass(frozen=True)
class DueItem:
    """One thing a rep owes a lead, and since when."""

    lead_id: int
    kind: str
    due_at: dt.datetime


class ReminderResult(BaseModel):
    """What a reminder pass did, by kind."""

    reminded: dict[str, int] = {}
    escalated: dict[str, int] = {}
    dormant: int = 0

    @classmethod
    def combine(cls, parts: list[ReminderResult]) -> ReminderResult:
        """Add passes together."""
        total = cls()
        for p in parts:
            for name in ("reminded", "escalated"):
                merged = dict(getattr(total, name))
                for k, v in getattr(p, name).items():
                    merged[k] = merged.get(k, 0) + v
                setattr(total, name, merged)
            total.dormant += p.dormant
        return total


def due_items(session: Session, now: dt.datetime, rules: RulesConfig) -> Iterator[DueItem]:
    """Every due item, found with indexed range queries (cost grows with what is due)."""
    sla = rules.sla
    owned = and_(Lead.owner_id.is_not(None), Lead.state.in_(OPEN))
    timers = (("first_contact", Lead.first_contact_due, Lead.first_contacted_at.is_(None)),
              ("next_action", Lead.next_action_due, true()),
              ("cadence", Lead.next_cadence_due, Lead.state.in_(WORKING)))
    for kind, column, condition in timers:
        for lead_id, due in session.execute(select(Lead.id, column)
                                            .where(column <= now, condition, owned)):
            yield DueItem(lead_id, kind, cast(dt.datetime, due))
    gap = dt.timedelta(days=sla.no_follow_up_days)
    for lead_id, last, assigned in session.execute(
            select(Lead.id, Lead.last_contact_at, Lead.assigned_at)
            .where(Lead.state.in_(WORKING), Lead.owner_id.is_not(None),
                   or_(Lead.last_contact_at <= now - gap,
                       and_(Lead.last_contact_at.is_(None), Lead.assigned_at <= now - gap)))):
        yield DueItem(lead_id, "no_follow_up", cast(dt.datetime, last or assigned) + gap)
    answer = dt.timedelta(hours=sla.objection_answer_hours)
    for lead_id, raised in session.execute(
            select(Objection.lead_id, Objection.raised_at).join(Lead)
            .where(Objection.answered_at.is_(None), Objection.raised_at <= now - answer, owned)):
        yield DueItem(lead_id, "objection", raised + answer)


_SUBJECT = {  # translated where the message is written
    "first_contact": N_("first contact is overdue"),
    "no_follow_up": N_("no follow-up logged for {days} days"),
    "next_action": N_("the next action is overdue"),
    "objection": N_("an objection is unanswered after {hours} h"),
    "cadence": N_("a scheduled contact is due"),
}


def remind(session: Session, items: list[DueItem], now: dt.datetime,
           rules: RulesConfig) -> ReminderResult:
    """Remind owners of new due items; escalate items reminded a business day ago."""
    result = ReminderResult()
    if not items:
        return result
    keys = [(i.lead_id, i.kind, i.due_at) for i in items]
    known = {(r.lead_id, r.kind, r.due_at): r for r in session.scalars(
        select(Reminder).where(tuple_(Reminder.lead_id, Reminder.kind, Reminder.due_at)
                               .in_(keys)))}
    leads = {lead.id: lead for lead in session.scalars(
        select(Lead).where(Lead.id.in_({i.lead_id for i in items})))}
    reps = {r.id: r for r in session.scalars(select(SalesRep)).unique()}
    teams = {t.id: t for t in session.scalars(select(Team))}
    words = {"days": f"{rules.sla.no_follow_up_days:g}",
             "hours": f"{rules.sla.objection_answer_hours:g}"}
    for item in items:
        lead = leads[item.lead_id]
        what = _(_SUBJECT[item.kind]).format(**words)
        stamp = item.due_at.strftime("%Y%m%d%H%M")
        existing = known.get((item.lead_id, item.kind, item.due_at))
        if existing is None:
            session.add(Reminder(lead_id=lead.id, kind=item.kind, due_at=item.due_at,
                                 reminded_at=now))
            to = recipient_of(reps.get(lead.owner_id or -1), None)
            if to:
                enqueue(session, key=f"remind:{lead.id}:{item.kind}:{stamp}", kind="reminder",
                        lead_id=lead.id, recipient=to, now=now,
                        subject=_("Reminder: lead #{id} {company}: {what}").format(
                            id=lead.id, company=lead.company_name, what=what),
                        body=_("Lead #{id} ({company}): {what} (due {due} UTC). Log the "
                               "contact in LeadFlow.").format(
                            id=lead.id, company=lead.company_name, what=what,
                            due=moment(item.due_at)))
            result.reminded[item.kind] = result.reminded.get(item.kind, 0) + 1
            continue
        escalate_on = add_business_days(existing.reminded_at.date(),
                                        int(rules.sla.escalate_after_days), rules.calendar)
        if existing.escalated_at is None and now.date() >= escalate_on:
            existing.escalated_at = now
            owner = reps.get(lead.owner_id or -1)
            to = recipient_of(None, teams.get(lead.team_id or -1))
            if to:
                enqueue(session, key=f"escalate:{lead.id}:{item.kind}:{stamp}",
                        kind="escalation", lead_id=lead.id, recipient=to, now=now,
                        subject=_("Escalation: lead #{id} {company}: {what}").format(
                            id=lead.id, company=lead.company_name, what=what),
                        body=_("{owner} was reminded on {day} and the lead is still "
                               "untouched: {what}.").format(
                            owner=owner.name if owner else _("The owner"),
                            day=day(existing.reminded_at), what=what))
            result.escalated[item.kind] = result.escalated.get(item.kind, 0) + 1
    session.flush()
    return result


def flag_dormant(session: Session, now: dt.datetime, rules: RulesConfig) -> list[int]:
    """Mark open leads with no interaction for the dormancy period; returns their ids."""
    cutoff = now - dt.timedelta(days=rules.sla.dormant_after_days)
    ids = list(session.scalars(select(Lead.id).where(
        Lead.state.in_(WORKING), Lead.dormant.is_(False), Lead.last_interaction_at <= cutoff)))
    if ids:
        session.execute(update(Lead).where(Lead.id.in_(ids)).values(dormant=True)
                        .execution_options(synchronize_session=False))
    return ids


def notify_dormant(session: Session, ids: list[int], now: dt.datetime,
                   rules: RulesConfig) -> None:
    """Send each dormant lead's owner a reactivation plan."""
    reps = {r.id: r for r in session.scalars(select(SalesRep)).unique()}
    for lead in session.scalars(select(Lead).where(Lead.id.in_(ids))):
        to = recipient_of(reps.get(lead.owner_id or -1), None)
        if to:
            enqueue(session, key=f"dormant:{lead.id}:{now:%Y%m%d}", kind="dormant",
                    lead_id=lead.id, recipient=to, now=now,
                    subject=_("Dormant: lead #{id} {company}").format(
                        id=lead.id, company=lead.company_name),
                    body=_("No interaction for {days} days. Reactivation plan: share a new "
                           "case study, invite to the next webinar, call in two weeks.").format(
                        days=f"{rules.sla.dormant_after_days:g}"))


def in_business_hours(now: dt.datetime, rules: RulesConfig) -> bool:
    """Reminders go out on business days within business hours only."""
    cal = rules.calendar
    local = now.astimezone(ZoneInfo(cal.timezone))
    return is_business_day(local.date(), cal) and cal.day_start <= local.time() < cal.day_end
