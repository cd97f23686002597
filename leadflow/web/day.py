"""What a person's day holds, read through the services the reminders, the queue and the
invalid-lead review already use; the workbench adds no rule of its own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from leadflow.api.deps import Principal
from leadflow.followup.due import due_items
from leadflow.lifecycle.assign import queue_rows
from leadflow.lifecycle.invalid_review import invalid_leads
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import OPEN_STATES, Role, State
from leadflow.store.deal_models import ConversionPlan, Objection
from leadflow.store.models import Lead, SalesRep
from leadflow.store.outbound_models import Reminder
from leadflow.store.queries import LeadFilter, lead_page
from leadflow.store.winmodel_models import LeadWinScore

OPEN = [s.value for s in OPEN_STATES]
LIST_LIMIT = 50
ESCALATED_DAYS = 7  # a manager's day lists the escalations of the last week
# What a manager confirms or is told of, as the reminders call it (late handoffs reach
# them as escalations).
MANAGER_KINDS = frozenset({"confirm_grade", "notify", "assess"})


def _mine(principal: Principal) -> Any:
    """A rep's own leads; a manager's or director's view is every lead."""
    return Lead.owner_id == principal.rep_id if principal.role is Role.rep else True


@dataclass(frozen=True)
class Shown:
    """The first LIST_LIMIT items of a list, and how many there are in all."""

    items: list[dict[str, Any]]
    total: int

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.items)

    def __bool__(self) -> bool:
        return self.total > 0


def shown(items: Iterable[dict[str, Any]]) -> Shown:
    """A team's day can hold thousands of reminders: the page lists the first LIST_LIMIT
    (the most overdue) and says how many more there are."""
    every = list(items)
    return Shown(every[:LIST_LIMIT], len(every))


def countdown(due: dt.datetime | None, now: dt.datetime) -> float | None:
    """Hours left until `due` (negative once it has passed)."""
    if due is None:
        return None
    if due.tzinfo is None:
        due = due.replace(tzinfo=dt.UTC)
    return round((due - now).total_seconds() / 3600, 1)


def my_day(
    session: Session, principal: Principal, now: dt.datetime, rules: RulesConfig
) -> dict[str, Any]:
    """A rep's day (a manager's adds the queue, the invalid leads, what awaits approval and
    the escalations)."""
    mine = _mine(principal)
    new = session.scalars(
        select(Lead)
        .where(mine, Lead.state.in_(OPEN), Lead.first_contacted_at.is_(None))
        .where(Lead.owner_id.is_not(None), Lead.first_contact_due.is_not(None))
        .order_by(Lead.first_contact_due, Lead.id)
        .limit(LIST_LIMIT)
    )
    end_of_day = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    rep = principal.rep_id if principal.role is Role.rep else None
    # A rep's reminders; a manager's own are the confirmations and notices (the team's
    # reminders go to their reps, and what is late reaches the manager as an escalation).
    kinds = None if rep is not None else MANAGER_KINDS
    due: list[dict[str, Any]] = [
        {"lead_id": d.lead_id, "kind": d.kind, "due_at": d.due_at, "overdue": d.due_at <= now}
        for d in sorted(
            due_items(session, end_of_day, rules, owner=rep, kinds=kinds), key=lambda d: d.due_at
        )
    ]
    objections = session.execute(
        select(
            Objection.id, Objection.lead_id, Objection.kind, Objection.raised_at, Lead.company_name
        )
        .join(Lead, Lead.id == Objection.lead_id)
        .where(mine, Objection.answered_at.is_(None), Lead.state.in_(OPEN))
        .order_by(Objection.raised_at)
        .limit(LIST_LIMIT)
    )
    hours = rules.sla.objection_answer_hours
    negotiation, _ = lead_page(
        session,
        LeadFilter(state=State.negotiation.value, rep_id=rep),
        None,
        LIST_LIMIT,
    )
    next_actions = soonest_actions(session, mine)
    day: dict[str, Any] = {
        "new": [(lead, countdown(lead.first_contact_due, now)) for lead in new],
        "due": shown(due) if rep is not None else None,
        "objections": [
            {
                "id": o.id,
                "lead_id": o.lead_id,
                "kind": o.kind,
                "company": o.company_name,
                "left": countdown(o.raised_at + dt.timedelta(hours=hours), now),
            }
            for o in objections
        ],
        "negotiation": negotiation,
        "next_actions": next_actions,
    }
    if principal.role is not Role.rep:
        day["queue"] = queue_rows(session, now, rules, LIST_LIMIT)
        day["invalid"] = invalid_leads(session, unreviewed=True, limit=LIST_LIMIT)
        day["approvals"] = shown(due)
        day["plans"] = awaiting_approval(session)
        day["escalations"] = escalations(session, now)
    return day


def soonest_actions(session: Session, mine: Any) -> list[Lead]:
    """The open leads' next actions, soonest first: a state's leads at a time, each read in
    the order of its (state, next action due) index, so a team of a million leads reads
    a page's worth per state, not every open lead sorted."""
    found: list[Lead] = []
    for state in OPEN:
        found += session.scalars(
            select(Lead)
            .where(mine, Lead.state == state, Lead.next_action_due.is_not(None))
            .where(Lead.next_action.is_not(None))
            .order_by(Lead.next_action_due, Lead.id)
            .limit(LIST_LIMIT)
        )
    return sorted(found, key=lambda lead: (lead.next_action_due, lead.id))[:LIST_LIMIT]


def escalations(session: Session, now: dt.datetime) -> list[dict[str, Any]]:
    """What the follow-up flow escalated to the managers in the last ESCALATED_DAYS, newest
    first: late handoffs among them (the day page does not look for those itself)."""
    since = now - dt.timedelta(days=ESCALATED_DAYS)
    rows = session.execute(
        select(Reminder.lead_id, Reminder.kind, Reminder.due_at, Reminder.escalated_at)
        .add_columns(Lead.company_name)
        .join(Lead, Lead.id == Reminder.lead_id)
        .where(Reminder.resolved_at.is_(None), Reminder.escalated_at >= since)
        .order_by(Reminder.escalated_at.desc(), Reminder.id.desc())
        .limit(LIST_LIMIT)
    )
    return [
        {
            "lead_id": r.lead_id,
            "kind": r.kind,
            "due_at": r.due_at,
            "at": r.escalated_at,
            "company": r.company_name,
        }
        for r in rows
    ]


def win_odds(session: Session, ids: list[int]) -> dict[int, float]:
    """The newest win probability of each of these leads that has one."""
    if not ids:
        return {}
    rows = session.execute(
        select(LeadWinScore.lead_id, LeadWinScore.probability).where(LeadWinScore.lead_id.in_(ids))
    )
    return {lead_id: float(probability) for lead_id, probability in rows}


def rep_names(session: Session) -> dict[int, str]:
    """Every rep's name by id (a team has tens of reps, not thousands)."""
    return {rep_id: name for rep_id, name in session.execute(select(SalesRep.id, SalesRep.name))}


def awaiting_approval(session: Session) -> list[Lead]:
    """Deals with a submitted plan (or revision) not yet approved, or a contract draft
    not yet approved: found in SQL from the pending plans and drafts (each behind an
    index of its own), not by asking every deal, and with no list of ids bound (plans
    left pending on lost deals pile up over the years)."""
    plans = select(ConversionPlan.lead_id).where(ConversionPlan.approved_at.is_(None))
    drafts = select(Lead.id).where(
        Lead.contract_approved_at.is_(None), Lead.contract_drafted_at.is_not(None)
    )
    return list(
        session.scalars(
            select(Lead)
            .where(Lead.id.in_(union(plans, drafts)))
            .where(Lead.state.in_([State.opportunity.value, State.negotiation.value]))
            .order_by(Lead.id)
            .limit(LIST_LIMIT)
        )
    )
