"""What is due (spec §5-§8): every timer of every open lead, found with indexed range
queries so the cost grows with what is due, not with the number of leads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import handoff_due, notice_wait
from leadflow.rules.vocab import OPEN_STATES, REMINDER_KINDS, State
from leadflow.rules.zones import AtWork
from leadflow.store.deal_models import NegotiationMinutes, Objection
from leadflow.store.models import Activity, Lead, UtcDateTime
from leadflow.store.outbound_models import Handoff, OutboxMessage
from leadflow.team.zones import at_work_leads, team_zones

OPEN = [s.value for s in OPEN_STATES]
WORKING = ["nurturing", "opportunity", "negotiation"]
DEALS = [State.opportunity.value, State.negotiation.value]
KINDS = REMINDER_KINDS
# The kinds read from the leads' own timers (and objections, notices, minutes); the won
# deals' handoffs and reviews are read apart.
LEAD_TIMERS = frozenset(KINDS) - {"handoff", "win_review"}


@dataclass(frozen=True)
class DueItem:
    """One thing a rep owes a lead, and since when."""

    lead_id: int
    kind: str
    due_at: dt.datetime


def _silence_applies(
    lead_grades: tuple[str, ...], deal_grades: tuple[str, ...]
) -> ColumnElement[bool]:
    """Spec §6: the no-follow-up rule serves leads being actively worked: the configured
    lead grades while nurturing, and opportunities of the configured grades (or not yet
    graded). Slower grades are reminded by their cadence instead."""
    return or_(
        and_(Lead.state == State.nurturing.value, Lead.grade.in_(lead_grades)),
        and_(
            Lead.state.in_(DEALS),
            or_(Lead.opportunity_grade.in_(deal_grades), Lead.opportunity_grade.is_(None)),
        ),
    )


def _kind(name: str) -> Any:
    return literal_column(f"'{name}'").label("kind")  # a fixed name, never input


def _at(name: str) -> Any:
    return bindparam(name, type_=UtcDateTime())


def _minutes_owed(channels: tuple[str, ...], owned: ColumnElement[bool]) -> Any:
    """Seed 003: minutes are due after each negotiation. A lead in negotiation owes them
    for each contact of these channels since its negotiation started that no minutes were
    recorded after; the row is the earliest such contact, so the owner is reminded once
    until minutes clear it."""
    recorded_after = (
        select(NegotiationMinutes.id)
        .where(
            NegotiationMinutes.lead_id == Activity.lead_id,
            NegotiationMinutes.recorded_at >= Activity.at,
        )
        .exists()
    )
    first = func.min(Activity.at)
    return (
        select(_kind("minutes"), Activity.lead_id, first, null())
        .join(Lead, Lead.id == Activity.lead_id)
        .where(
            Lead.state == State.negotiation.value,
            Activity.channel.in_(channels),
            Activity.at > Lead.negotiation_at,
            ~recorded_after,
            owned,
        )
        .group_by(Activity.lead_id)
        .having(first <= _at("minutes_before"))
    )


@lru_cache(maxsize=16)
def _lead_timers(
    lead_grades: tuple[str, ...],
    deal_grades: tuple[str, ...],
    reverify: bool,
    channels: tuple[str, ...],
    one_owner: bool = False,
    kinds: frozenset[str] | None = None,
) -> CompoundSelect:
    """Every lead-side timer as one UNION ALL of indexed range queries: one statement, so
    a pass is one round trip however many kinds there are, built once per rule book (the
    times are parameters: `now` and the cut-offs before which each gap has run out). Rows
    are (kind, lead id, time, assigned time); the due time follows from the kind. With
    `one_owner`, each range query keeps the leads of the owner `:owner` only (a rep's own
    day). A timer's range stays the way in: the owner is compared as `owner_id + 0`, which
    no index serves, so the planner reads the due rows by their timer's index rather than
    every open lead of the rep by (state, owner). With `kinds`, only those timers are read."""
    has_owner = Lead.owner_id == bindparam("owner") if one_owner else Lead.owner_id.is_not(None)
    timer_owner = (Lead.owner_id + 0) == bindparam("owner") if one_owner else has_owner
    owned = and_(has_owner, Lead.state.in_(OPEN))
    timer_owned = and_(timer_owner, Lead.state.in_(OPEN))
    now = _at("now")
    # First: the column types of a compound select are its first member's.
    silent = select(_kind("no_follow_up"), Lead.id, Lead.last_contact_at, Lead.assigned_at).where(
        Lead.state.in_(WORKING),
        timer_owner,
        or_(
            Lead.last_contact_at <= _at("silent_before"),
            and_(Lead.last_contact_at.is_(None), Lead.assigned_at <= _at("silent_before")),
        ),
        _silence_applies(lead_grades, deal_grades),
    )
    timers = (
        ("first_contact", Lead.first_contact_due, Lead.first_contacted_at.is_(None)),
        ("next_action", Lead.next_action_due, None),
        ("cadence", Lead.next_cadence_due, Lead.state.in_(WORKING)),
        ("brief", Lead.brief_due, and_(Lead.brief_at.is_(None), Lead.state.in_(DEALS))),
        # Seed 002: the assessment after qualify, then the manager's confirmation.
        (
            "assess",
            Lead.assess_due,
            and_(Lead.opportunity_grade.is_(None), Lead.state.in_(DEALS)),
        ),
        (
            "confirm_grade",
            Lead.grade_confirm_due,
            and_(Lead.grade_confirmed_at.is_(None), Lead.state.in_(DEALS)),
        ),
    )
    parts = [
        select(_kind(kind), Lead.id, column, null()).where(
            column <= now, *([condition] if condition is not None else []), timer_owned
        )
        for kind, column, condition in timers
    ]
    objections = (
        select(_kind("objection"), Objection.lead_id, Objection.raised_at, null())
        .join(Lead, Lead.id == Objection.lead_id)
        .where(
            Objection.answered_at.is_(None), Objection.raised_at <= _at("unanswered_before"), owned
        )
    )
    # Owners' assignment notices still not delivered (queued, failing or given up) after
    # notice_wait, for leads their owner has not contacted since: the lead must not sit
    # unknown. A notice of an earlier assignment, or one to a manager queue, does not count.
    notices = (
        select(_kind("notify"), OutboxMessage.lead_id, OutboxMessage.created_at, null())
        .join(Lead, Lead.id == OutboxMessage.lead_id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.kind == "assignment",
            OutboxMessage.created_at <= _at("noticed_before"),
            OutboxMessage.created_at >= Lead.assigned_at,
            has_owner,
            Lead.state.in_(OPEN),
            or_(Lead.last_contact_at.is_(None), Lead.last_contact_at < OutboxMessage.created_at),
        )
    )
    # Seed 001: customer information is re-verified every month; facts last confirmed
    # before the cut-off are due (data_quality.reverify_days after the confirmation).
    confirm = select(_kind("reverify"), Lead.id, Lead.facts_confirmed_at, null()).where(
        Lead.facts_confirmed_at <= _at("confirmed_before"), timer_owned
    )
    minutes = _minutes_owed(channels, owned)
    members = [
        ("no_follow_up", silent),
        *zip([kind for kind, _, _ in timers], parts, strict=True),
        ("objection", objections),
        ("notify", notices),
        *([("reverify", confirm)] if reverify else []),
        ("minutes", minutes),
    ]
    return union_all(*(member for kind, member in members if kinds is None or kind in kinds))


def due_items(
    session: Session,
    now: dt.datetime,
    rules: RulesConfig,
    working: AtWork | None = None,
    owner: int | None = None,
    kinds: frozenset[str] | None = None,
) -> Iterator[DueItem]:
    """Every due item as of `now`; with `working`, only those of leads whose team is at work;
    with `owner`, only those of that rep's leads; with `kinds`, only those kinds (a
    manager's day reads the confirmations and notices that are theirs, not the whole
    team's reminders, thousands at a million leads)."""
    sla = rules.sla
    after = {
        "no_follow_up": dt.timedelta(days=sla.no_follow_up_days),
        "objection": dt.timedelta(hours=sla.objection_answer_hours),
        "notify": notice_wait(rules),
        "reverify": dt.timedelta(days=rules.data_quality.reverify_days),
        "minutes": dt.timedelta(hours=rules.negotiation.minutes_due_hours),
    }
    timed = kinds is None or bool(kinds & LEAD_TIMERS)
    statement: Any = None
    if timed:
        statement = _lead_timers(
            tuple(g.value for g in sla.no_follow_up_grades),
            tuple(g.value for g in sla.no_follow_up_opportunity_grades),
            rules.data_quality.reverify_days > 0,
            tuple(c.value for c in rules.negotiation.minutes_channels),
            owner is not None,
            kinds & LEAD_TIMERS if kinds is not None else None,
        )
    if statement is not None and working is not None:
        # the timers as found, kept for the leads of the teams at work
        timers = statement.subquery()
        statement = select(timers).join(Lead, Lead.id == timers.c.id).where(at_work_leads(working))
    cutoffs = {
        "now": now,
        "silent_before": now - after["no_follow_up"],
        "unanswered_before": now - after["objection"],
        "noticed_before": now - after["notify"],
        "confirmed_before": now - after["reverify"],
        "minutes_before": now - after["minutes"],
        **({"owner": owner} if owner is not None else {}),
    }
    rows: Any = session.execute(statement, cutoffs) if statement is not None else ()
    for kind, lead_id, at, assigned in rows:
        yield DueItem(lead_id, kind, (at or assigned) + after.get(kind, dt.timedelta(0)))
    if kinds is None or "win_review" in kinds:
        yield from _reviews_due(session, now, working, owner)
    if kinds is None or "handoff" in kinds:
        yield from _handoffs_due(session, now, rules, working, owner)


def _reviews_due(
    session: Session, now: dt.datetime, working: AtWork | None, owner: int | None
) -> Iterator[DueItem]:
    """The post-win review of a handed-off deal, due some business days after the win."""
    for lead_id, due in session.execute(
        select(Handoff.lead_id, Handoff.review_due)
        .join(Lead, Lead.id == Handoff.lead_id)
        .where(
            Handoff.reviewed_at.is_(None),
            Handoff.review_due <= now.date(),
            at_work_leads(working),
            _owned_by(owner),
        )
    ):
        yield DueItem(lead_id, "win_review", dt.datetime.combine(due, dt.time(0), tzinfo=dt.UTC))


def _owned_by(owner: int | None) -> ColumnElement[bool]:
    """The leads of `owner`, or every lead when None."""
    return Lead.owner_id == owner if owner is not None else true()


def _handoffs_due(
    session: Session,
    now: dt.datetime,
    rules: RulesConfig,
    working: AtWork | None,
    owner: int | None = None,
) -> Iterator[DueItem]:
    """Won deals whose package naming a delivery owner has not gone out (none made, or one
    with no owner yet) by handoff.due_business_days of the team's business days after the
    win (seed 002: the handoff within one working day)."""
    # A business day lasts at least a calendar day: only deals won that long ago can be due.
    cutoff = now - dt.timedelta(days=rules.handoff.due_business_days)
    # Won deals with no package yet, or one not delivered, found from indexes alone (the
    # deals by state and owner, the handoffs' lead ids, the undelivered packages) before
    # any deal's row is read: a rep's years of won deals cost little.
    no_package = ~select(Handoff.id).where(Handoff.lead_id == Lead.id).exists()
    undelivered = select(Handoff.lead_id).where(Handoff.delivered_at.is_(None))
    waiting = select(Lead.id).where(
        Lead.state == State.won.value, _owned_by(owner), no_package | Lead.id.in_(undelivered)
    )
    rows = session.execute(
        select(Lead.id, Lead.won_at, Lead.team_id).where(
            Lead.id.in_(waiting),
            Lead.migrated_at.is_(None),  # won in another CRM: handed off there
            Lead.won_at <= cutoff,
            at_work_leads(working),
        )
    ).all()
    if not rows:
        return
    zones = team_zones(session, rules)
    for lead_id, won_at, team_id in rows:
        due = handoff_due(won_at, rules, zones.of(team_id))
        if due <= now:
            yield DueItem(lead_id, "handoff", due.astimezone(dt.UTC))
