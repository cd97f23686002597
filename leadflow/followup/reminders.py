"""Follow-up reminders and escalation (spec §6): remind the owner once of each due item,
escalate to the manager (the directors for a missing grade-A brief) once when still
untouched a business day later, flag dormancy. A grade awaiting confirmation is the
manager's to do: the manager is reminded, and the directors are told a day later. `plan`
says what would be sent; `remind` sends it and `preview` (`leadflow reminders due`) only
shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from leadflow.followup.due import KINDS, OPEN, WORKING, DueItem, due_items
from leadflow.i18n import N_, day, label, moment
from leadflow.i18n import gettext as _
from leadflow.notify.messages import send_on, tell_owners
from leadflow.notify.reach import Route, route
from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import (
    business_days_passed,
    notice_wait,
    nurture_stage_named,
)
from leadflow.rules.zones import AtWork
from leadflow.settings import get_settings
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.outbound_models import Reminder
from leadflow.store.writer import write_where
from leadflow.team.managers import manager_names
from leadflow.team.zones import at_work_leads, team_zone

__all__ = [
    "KINDS",
    "OPEN",
    "WORKING",
    "DueItem",
    "ReminderResult",
    "due_items",
    "plan",
    "preview",
    "remind",
]


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


_SUBJECT = {  # translated where the message is written
    "first_contact": N_("first contact is overdue"),
    "no_follow_up": N_("no follow-up logged for {days} days"),
    "next_action": N_("the next action is overdue"),
    "objection": N_("an objection is unanswered after {hours} h"),
    "cadence": N_("a scheduled contact is due"),
    "brief": N_("the opportunity brief is due"),
    "assess": N_(
        "the opportunity is not assessed yet: fill in its assessment (leadflow leads assess)"
    ),
    "confirm_grade": N_(
        "its opportunity grade {grade} awaits the sales manager's confirmation "
        "(leadflow leads confirm-grade)"
    ),
    "win_review": N_("the post-win review is due"),
    "handoff": N_(
        "the handoff to delivery is overdue: no package naming the delivery owner has gone "
        "out (leadflow leads handoff)"
    ),
    "notify": N_("the owner's assignment notice is still undelivered"),
    "reverify": N_(
        "the customer's information is due for its monthly check: confirm it "
        "(leadflow leads verify) or correct it"
    ),
    "minutes": N_(
        "no negotiation minutes recorded {minutes_hours} h after the negotiation: record "
        "what was agreed and the customer contact who confirmed it (leadflow leads minutes)"
    ),
}
# Kinds whose first message goes up at once, and what it says: the owner cannot be reached,
# or a won deal waits for its handoff (seed 002: within one working day), which the team's
# manager sees to.
_STRAIGHT_UP = {
    "notify": N_("{owner} has not been told of the lead: {what}."),
    "handoff": N_("The deal was won on {won} and {owner} owns it: {what}."),
}
_TO_DIRECTORS = {"brief", "confirm_grade"}
# Kinds that are the team manager's to do, not the owner's: the manager is reminded.
_TO_MANAGER = {"confirm_grade"}
# Kinds the owner is reminded of once, with no escalation: a month's re-verification and
# a negotiation's minutes (seed 003) are the owner's housekeeping, not a customer left
# waiting.
_REMIND_ONLY = {"reverify", "minutes"}


class PlannedMessage(BaseModel):
    """One reminder or escalation a pass would send, and to whom (stand-ins included: the
    subject then says whom it is for)."""

    lead_id: int
    kind: str
    due_at: dt.datetime
    action: str  # "remind" or "escalate"
    recipient: str | None
    subject: str
    body: str


@dataclass
class _Step:
    item: DueItem
    message: PlannedMessage
    existing: Reminder | None
    way: Route
    said: tuple[str, str]  # subject and body before the route's wording


def _what(item: DueItem, lead: Lead, rules: RulesConfig) -> str:
    words = {
        "days": f"{rules.sla.no_follow_up_days:g}",
        "hours": f"{rules.sla.objection_answer_hours:g}",
        "minutes_hours": f"{rules.negotiation.minutes_due_hours:g}",
        "grade": label("grade", lead.opportunity_grade),
    }
    what = _(_SUBJECT[item.kind]).format(**words)
    stage = nurture_stage_named(lead.nurture_stage, rules)
    if item.kind == "cadence" and lead.state == "nurturing" and stage is not None:
        what += _(" (nurture stage {stage}: send {content} by {channels})").format(
            stage=stage.name, content=", ".join(stage.content), channels=", ".join(stage.channels)
        )
    return what


def plan(
    session: Session,
    items: list[DueItem],
    now: dt.datetime,
    rules: RulesConfig,
    directors: Sequence[str] = (),
) -> list[_Step]:
    """What a pass at `now` sends for these due items: a reminder to the owner for each new
    item, an escalation for each item reminded a business day ago and still open."""
    if not items:
        return []
    keys = [(i.lead_id, i.kind, i.due_at) for i in items]
    known = {
        (r.lead_id, r.kind, r.due_at): r
        for r in session.scalars(
            select(Reminder).where(
                tuple_(Reminder.lead_id, Reminder.kind, Reminder.due_at).in_(keys)
            )
        )
    }
    leads = {
        lead.id: lead
        for lead in session.scalars(select(Lead).where(Lead.id.in_({i.lead_id for i in items})))
    }
    reps = {r.id: r for r in session.scalars(select(SalesRep)).unique()}
    teams = {t.id: t for t in session.scalars(select(Team))}
    ops = get_settings().ops_notify_urls
    steps = []
    for item in items:
        lead = leads[item.lead_id]
        what = _what(item, lead, rules)
        owner = reps.get(lead.owner_id or -1)
        existing = known.get((item.lead_id, item.kind, item.due_at))
        team = teams.get(lead.team_id or -1)
        up = (
            Route(tuple(directors))
            if item.kind in _TO_DIRECTORS and directors
            else route(None, team, ops)
        )
        if existing is None and item.kind not in _STRAIGHT_UP:
            if item.kind in _TO_MANAGER:
                way = route(None, team, ops)
            else:
                way = route(owner, team, ops) if owner else Route(())
            message = PlannedMessage(
                lead_id=lead.id,
                kind=item.kind,
                due_at=item.due_at,
                action="remind",
                recipient=None,
                subject=_("Reminder: lead #{id} {company}: {what}").format(
                    id=lead.id, company=lead.company_name, what=what
                ),
                body=_(
                    "Lead #{id} ({company}): {what} (due {due} UTC). Log the contact in LeadFlow."
                ).format(id=lead.id, company=lead.company_name, what=what, due=moment(item.due_at)),
            )
        elif item.kind not in _REMIND_ONLY and (
            existing is None
            or existing.escalated_at is None
            and business_days_passed(
                existing.reminded_at,
                now,
                int(rules.sla.escalate_after_days),
                rules.calendar,
                team_zone(team, rules),
            )
        ):
            if item.kind in _TO_MANAGER:
                who = (team and manager_names(team)) or _("The manager")
            else:
                who = owner.name if owner else _("The owner")
            body = (
                _("{owner} was reminded on {day} and the lead is still untouched: {what}.").format(
                    owner=who, day=day(existing.reminded_at), what=what
                )
                if existing
                else _(_STRAIGHT_UP[item.kind]).format(owner=who, what=what, won=day(lead.won_at))
            )
            way = up
            message = PlannedMessage(
                lead_id=lead.id,
                kind=item.kind,
                due_at=item.due_at,
                action="escalate",
                recipient=None,
                subject=_("Escalation: lead #{id} {company}: {what}").format(
                    id=lead.id, company=lead.company_name, what=what
                ),
                body=body,
            )
        else:
            continue
        said = message.subject, message.body
        message.subject, message.body = way.worded(*said)
        message.recipient = ", ".join(way.to) or None
        steps.append(_Step(item, message, existing, way, said))
    return steps


def preview(
    session: Session, now: dt.datetime, rules: RulesConfig, directors: Sequence[str] = ()
) -> list[PlannedMessage]:
    """What a reminder pass at `now` would send (reminders and escalations), sending and
    recording nothing: ops' view of what is overdue."""
    steps = plan(session, list(due_items(session, now, rules)), now, rules, directors)
    return sorted((s.message for s in steps), key=lambda m: (m.due_at, m.lead_id, m.kind))


def remind(
    session: Session,
    items: list[DueItem],
    now: dt.datetime,
    rules: RulesConfig,
    directors: Sequence[str] = (),
) -> ReminderResult:
    """Remind owners of new due items; escalate items reminded a business day ago."""
    result = ReminderResult()
    for step in plan(session, items, now, rules, directors):
        item, message = step.item, step.message
        escalate = message.action == "escalate"
        if step.existing is None:
            session.add(
                Reminder(
                    lead_id=item.lead_id,
                    kind=item.kind,
                    due_at=item.due_at,
                    reminded_at=now,
                    escalated_at=now if escalate else None,
                )
            )
        else:
            step.existing.escalated_at = now
        stamp = item.due_at.strftime("%Y%m%d%H%M")
        prefix = "escalate" if escalate else "remind"
        send_on(
            session,
            step.way,
            key=f"{prefix}:{item.lead_id}:{item.kind}:{stamp}",
            kind="escalation" if escalate else "reminder",
            lead_id=item.lead_id,
            subject=step.said[0],
            body=step.said[1],
            now=now,
            not_before=now + notice_wait(rules) if step.way.person else None,
        )
        counts = result.escalated if escalate else result.reminded
        counts[item.kind] = counts.get(item.kind, 0) + 1
    session.flush()
    return result


def preview_rows(messages: list[PlannedMessage]) -> list[dict[str, Any]]:
    """The preview as table rows."""
    return [
        {
            "lead": m.lead_id,
            "kind": m.kind,
            "due": f"{m.due_at:%Y-%m-%d %H:%M}",
            "action": m.action,
            "to": m.recipient or "-",
            "subject": m.subject,
        }
        for m in messages
    ]


def flag_dormant(
    session: Session, now: dt.datetime, rules: RulesConfig, working: AtWork | None = None
) -> list[int]:
    """Mark open leads with no interaction for the dormancy period (with `working`, those of the
    teams at work, whose owners are told now); returns their ids."""
    cutoff = now - dt.timedelta(days=rules.sla.dormant_after_days)
    ids = list(
        session.scalars(
            select(Lead.id).where(
                Lead.state.in_(WORKING),
                Lead.dormant.is_(False),
                Lead.last_interaction_at <= cutoff,
                at_work_leads(working),
            )
        )
    )
    write_where(session, ids, now, dormant=True)
    return ids


def notify_dormant(session: Session, ids: list[int], now: dt.datetime, rules: RulesConfig) -> None:
    """Send each dormant lead's owner a reactivation plan."""
    tell_owners(
        session,
        session.scalars(select(Lead).where(Lead.id.in_(ids))),
        now,
        "dormant",
        lambda lead: (
            f"dormant:{lead.id}:{now:%Y%m%d}",
            _("Dormant: lead #{id} {company}").format(id=lead.id, company=lead.company_name),
            _(
                "No interaction for {days} days. Reactivation plan: share a new "
                "case study, invite to the next webinar, call in two weeks."
            ).format(days=f"{rules.sla.dormant_after_days:g}"),
        ),
        rules,
    )
