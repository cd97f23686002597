"""Owners by hand and by the rules after intake (spec §5): a manager assigns or reassigns a
lead, queued leads get an owner as soon as a rep is eligible, a lead waiting too long in a
manager queue escalates, and a reactivated lead gets its previous owner, another by the
rules, or the queue. Every path starts the lead's timers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, IllegalTransition, InvalidInput, NotFound
from leadflow.i18n import gettext as _
from leadflow.i18n import label
from leadflow.lifecycle.lookup import get_lead
from leadflow.lifecycle.reassess import give_owner, reassess_stored
from leadflow.notify.messages import notify, notify_assignment
from leadflow.notify.reach import KIND
from leadflow.phrases import N_
from leadflow.rules.assignment import LeadToAssign, RepSlot, Roster
from leadflow.rules.config import RulesConfig
from leadflow.rules.explain import CONTACT_AGAIN, REACTIVATED
from leadflow.rules.previous_owner import previous_owner, slot_of, unavailable
from leadflow.rules.timing import first_contact_due
from leadflow.rules.vocab import LossReason, Priority, State
from leadflow.rules.zones import AtWork
from leadflow.statemachines.lead import allowed_triggers
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.queries import channel_rank
from leadflow.store.uow import flush
from leadflow.store.writer import fire, write
from leadflow.team.roster import load_roster, save_round_robin
from leadflow.team.zones import at_work_leads, zone_of
from leadflow.winmodel.score import score_leads

REASSIGNABLE = (State.nurturing.value, State.opportunity.value, State.negotiation.value)
QUEUED = (Lead.state == State.screened.value) & Lead.owner_id.is_(None)


def queue_order(rules: RulesConfig) -> tuple[Any, ...]:
    """A manager queue's order: longest waiting first; leads that have waited as long (a
    chunk screened together) by the channel ranking (`channels.priority`), then by id."""
    return (Lead.screened_at, channel_rank(rules.channels.priority), Lead.id)


def _slot(roster: Roster, rep_id: int) -> RepSlot:
    slot = slot_of(roster, rep_id)
    if slot is None:
        raise NotFound(N_("rep {rep} does not exist", rep=rep_id))
    return slot


def _team(session: Session, team_id: int | None) -> Team | None:
    return session.get(Team, team_id) if team_id is not None else None


def assign_lead(
    session: Session,
    lead_id: int,
    rep_id: int,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    reason: str | None = None,
) -> Lead:
    """A manager gives a queued lead an owner, or moves an open lead to another rep; the
    rep must be present and below capacity. Both reps are told."""
    lead = get_lead(session, lead_id)
    if lead.state != State.screened.value and lead.state not in REASSIGNABLE:
        raise GuardRefused(
            lead.id,
            "assign",
            N_(
                "a {state} lead is not assigned (screened, nurturing, opportunity or negotiation)",
                state=lead.state,
            ),
        )
    if lead.owner_id == rep_id:
        raise InvalidInput(
            N_("rep: rep {rep} already owns lead {lead}", rep=rep_id, lead=lead.id),
            {"rep": N_("already the owner")},
        )
    roster = load_roster(session, rules)
    slot = _slot(roster, rep_id)
    refusal = unavailable(slot)
    if refusal:
        raise GuardRefused(lead.id, "assign", refusal)
    previous = lead.owner_id
    why = f"assigned by {by}" + (f": {reason}" if reason else "")
    write(
        lead,
        assignment_reason=why,
        team_id=slot.team_id if slot.team_id is not None else lead.team_id,
    )
    zone = zone_of(session, lead.team_id, rules)
    if previous is None:
        give_owner(lead, rep_id, now, rules, zone)
        fire(lead, "start_nurturing", by=by, at=now, rules=rules, reason=why)
    else:
        write(lead, owner_id=rep_id, assigned_at=now)
        if lead.first_contacted_at is None:  # the new owner gets the full SLA
            priority = Priority(lead.priority or "low")
            write(lead, first_contact_due=first_contact_due(now, priority, rules, zone))
    flush(session)
    score_leads(session, [lead.id], now)
    rep = session.get(SalesRep, rep_id)
    notify_assignment(session, lead, rep, _team(session, lead.team_id), now, rules)
    if previous is not None:
        _tell_previous_owner(session, lead, previous, rep, now, rules)
    return lead


def _tell_previous_owner(
    session: Session,
    lead: Lead,
    previous: int,
    rep: SalesRep | None,
    now: dt.datetime,
    rules: RulesConfig,
) -> None:
    before = session.get(SalesRep, previous)
    if before is None:
        return
    notify(
        session,
        before,
        None,
        key=f"reassigned:{lead.id}:{previous}:v{lead.version}",
        kind="reassignment",
        lead_id=lead.id,
        now=now,
        rules=rules,
        subject=_("Lead #{id} {company} moved to {owner}").format(
            id=lead.id, company=lead.company_name, owner=rep.name if rep else "-"
        ),
        body=_("Lead #{id} ({company}) is now owned by {owner}: {why}.").format(
            id=lead.id,
            company=lead.company_name,
            owner=rep.name if rep else "-",
            why=lead.assignment_reason,
        ),
    )


def assign_queued(
    session: Session,
    now: dt.datetime,
    rules: RulesConfig,
    actor: str = "assignment",
    only: list[int] | None = None,
) -> list[int]:
    """Give every lead waiting in a manager queue (`only` these, when given) an owner by
    the normal rules, in the queue's order, where a rep is now eligible; returns the ids
    assigned."""
    waiting = QUEUED if only is None else QUEUED & Lead.id.in_(only)
    queued = list(session.scalars(select(Lead).where(waiting).order_by(*queue_order(rules))))
    if not queued:
        return []
    roster = load_roster(session, rules)
    reps = {r.id: r for r in session.scalars(select(SalesRep)).unique()}
    assigned = []
    for lead in queued:
        choice = roster.assign(LeadToAssign.model_validate(lead, from_attributes=True), now)
        if choice.rep_id is None:
            continue
        write(lead, team_id=choice.team_id, assignment_reason=choice.reason)
        give_owner(lead, choice.rep_id, now, rules, zone_of(session, lead.team_id, rules))
        fire(
            lead,
            "start_nurturing",
            by=actor,
            at=now,
            rules=rules,
            reason=f"assigned from the queue: {choice.reason}",
        )
        flush(session)
        notify_assignment(
            session, lead, reps[choice.rep_id], _team(session, lead.team_id), now, rules
        )
        assigned.append(lead.id)
    save_round_robin(session, roster)
    flush(session)
    score_leads(session, assigned, now)
    return assigned


def reactivate(
    session: Session,
    lead_id: int,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    reason: str | None = None,
) -> Lead:
    """Bring a lost lead back: to its previous owner when eligible, else to an owner by
    the rules, else to its team's manager queue; its timers start again either way."""
    lead = get_lead(session, lead_id)
    if lead.state != State.lost.value:
        raise IllegalTransition(
            lead.id, lead.state, "reactivate", list(allowed_triggers(lead.state))
        )
    if lead.loss_reason == LossReason.invalid.value:  # a disqualified lead was not graded
        write(lead, loss_reason=None)
        reassess_stored(session, lead, now, rules)
    roster = load_roster(session, rules)
    facts = LeadToAssign.model_validate(lead, from_attributes=True)
    group = roster.group_of(facts)
    choice = previous_owner(
        roster, lead.owner_id, now, REACTIVATED, group.id if group else None
    ) or roster.assign(facts, now)
    save_round_robin(session, roster)
    rep_id, team_id, why = choice.rep_id, choice.team_id, choice.reason
    write(
        lead,
        dormant=False,
        loss_reason=None,
        valid=True,
        last_interaction_at=now,
        team_id=team_id,
        assignment_reason=why,
    )
    if rep_id is None:
        write(lead, owner_id=None)
    else:
        give_owner(lead, rep_id, now, rules, zone_of(session, team_id, rules))
        write(
            lead,
            next_action=CONTACT_AGAIN,
            next_action_due=lead.first_contact_due,
        )
    fire(lead, "reactivate", by=by, at=now, rules=rules, reason=reason or why)
    flush(session)
    score_leads(session, [lead.id], now)
    notify_assignment(
        session,
        lead,
        session.get(SalesRep, rep_id) if rep_id else None,
        _team(session, team_id),
        now,
        rules,
    )
    return lead


def queue_rows(
    session: Session, now: dt.datetime, rules: RulesConfig, limit: int | None = None
) -> list[dict[str, Any]]:
    """Leads waiting in a manager queue, in the queue's order, with the hours waited (the
    first `limit` of them when given)."""
    rows = []
    waiting = select(Lead).where(QUEUED).order_by(*queue_order(rules)).limit(limit)
    for lead in session.scalars(waiting):
        since = lead.screened_at or lead.created_at
        rows.append(
            {
                "id": lead.id,
                "company": lead.company_name,
                "team_id": lead.team_id,
                "grade": lead.grade,
                "priority": lead.priority,
                "source": lead.source,
                "waiting_hours": round((now - since).total_seconds() / 3600, 1),
                "reason": lead.assignment_reason,
            }
        )
    return rows


def escalate_waiting(
    session: Session, now: dt.datetime, rules: RulesConfig, working: AtWork | None = None
) -> int:
    """Tell the team's manager, once per wait, about each lead queued longer than
    `assignment.queue_escalate_hours` (with `working`, in the queues of the teams at work);
    returns how many were escalated."""
    cutoff = now - dt.timedelta(hours=rules.assignment.queue_escalate_hours)
    count = 0
    # A lead migrated from another CRM waits from its import, not from its old screening.
    since = case((Lead.migrated_at.is_not(None), Lead.migrated_at), else_=Lead.screened_at)
    waiting = select(Lead).where(QUEUED, since <= cutoff, at_work_leads(working))
    for lead in session.scalars(waiting):
        team = _team(session, lead.team_id)
        queued = lead.migrated_at or lead.screened_at
        assert queued is not None
        key = f"queue-wait:{lead.id}:{queued:%Y%m%d%H%M%S}"
        if team is None or _sent(session, key) or _sent(session, f"{KIND}:{key}"):
            continue
        hours = (now - queued).total_seconds() / 3600
        count += notify(
            session,
            None,
            team,
            key=key,
            kind="queue_escalation",
            lead_id=lead.id,
            now=now,
            rules=rules,
            subject=_("Lead #{id} {company} has waited {hours} h in your queue").format(
                id=lead.id, company=lead.company_name, hours=f"{hours:.0f}"
            ),
            body=_(
                "Lead #{id} ({company}, grade {grade}, {priority} priority) has no "
                "owner: {why}. Assign it with `leadflow leads assign {id} --rep "
                "REP_ID`."
            ).format(
                id=lead.id,
                company=lead.company_name,
                grade=label("grade", lead.grade),
                priority=label("priority", lead.priority),
                why=lead.assignment_reason,
            ),
        )
    flush(session)
    return count


def _sent(session: Session, key: str) -> bool:
    return (
        session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None
    )
