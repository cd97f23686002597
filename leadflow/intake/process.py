"""Intake processing of stored leads: screen, score, grade, assign, start nurturing.

Works on a chunk of ids inside the caller's unit of work; the intake flow's task and the
CLI both call it, so there is one path for every lead."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadflow.intake.merge import merge_into
from leadflow.lifecycle.reassess import behaviour_counts, give_owner, reassess
from leadflow.notify.messages import notify_assignment
from leadflow.rules.assignment import Assignment, LeadToAssign, Roster
from leadflow.rules.config import RulesConfig
from leadflow.rules.explain import (
    ASSIGNED,
    BANT_PASSED,
    DUPLICATE,
    INVALID,
    REPEAT_BUSINESS,
    STEP,
)
from leadflow.rules.facts import BehaviourCounts
from leadflow.rules.previous_owner import previous_owner
from leadflow.rules.vocab import LossReason, State
from leadflow.schemas import STORED, LeadIn
from leadflow.store.capacity import chunk_xact, claim_slots, release_claims
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.rows import ChunkRows, LeadRow, chunk_rows, load_rows
from leadflow.store.writer import fire, save_rows, write
from leadflow.team.roster import load_roster
from leadflow.team.zones import team_zone, team_zones
from leadflow.winmodel.score import score_leads


class IntakeResult(BaseModel):
    """What one intake chunk did."""

    processed: int = 0
    duplicates: int = 0
    screened: int = 0
    disqualified: int = 0
    assigned: int = 0
    queued: int = 0
    from_queue: int = 0  # queued earlier, assigned now that a rep is eligible
    by_grade: dict[str, int] = {}
    by_priority: dict[str, int] = {}

    @classmethod
    def combine(cls, parts: list[IntakeResult]) -> IntakeResult:
        """Add chunk results together."""
        total = cls()
        for p in parts:
            for name in (
                "processed",
                "duplicates",
                "screened",
                "disqualified",
                "assigned",
                "queued",
                "from_queue",
            ):
                setattr(total, name, getattr(total, name) + getattr(p, name))
            for name in ("by_grade", "by_priority"):
                merged = dict(getattr(total, name))
                for k, v in getattr(p, name).items():
                    merged[k] = merged.get(k, 0) + v
                setattr(total, name, merged)
        return total


def _merge_late_duplicates(
    session: Session,
    leads: list[LeadRow],
    now: dt.datetime,
    rules: RulesConfig,
    actor: str,
    result: IntakeResult,
) -> list[LeadRow]:
    """Leads stored at the same moment by two senders can slip past store-time dedupe;
    merge each into the oldest lead with its email or phone, and close it as a duplicate."""
    # A won customer's new inquiry is a lead of its own (linked by repeat_of_id), and a won
    # lead takes no duplicates: only the others are candidates.
    candidates = [lead for lead in leads if lead.repeat_of_id is None]
    emails = {lead.email_key for lead in candidates if lead.email_key}
    phones = {lead.phone_key for lead in candidates if lead.phone_key}
    if not emails and not phones:
        return leads
    first: dict[tuple[str, str | None], int] = {}
    rows = session.execute(
        select(Lead.id, Lead.email_key, Lead.phone_key)
        .where(
            or_(Lead.email_key.in_(emails), Lead.phone_key.in_(phones)),
            Lead.duplicate_of_id.is_(None),
            Lead.state != State.won.value,
        )
        .order_by(Lead.id)
    )
    for lead_id, email, phone in rows:
        for token in (("e", email), ("p", phone)):
            if token[1]:
                first.setdefault(token, lead_id)
    keep = []
    in_chunk = {lead.id: lead for lead in leads}
    for lead in leads:
        if lead.repeat_of_id is not None:
            keep.append(lead)
            continue
        older = min(
            (
                first[t]
                for t in (("e", lead.email_key), ("p", lead.phone_key))
                if t[1] and t in first
            ),
            default=lead.id,
        )
        if older >= lead.id:
            keep.append(lead)
            continue
        # The older lead is a row of this chunk (changed and saved with it) or a stored lead.
        target = in_chunk.get(older) or session.get(Lead, older)
        assert target is not None
        merge_into(
            target, LeadIn.model_validate(lead, from_attributes=True, context={STORED: True})
        )
        write(
            lead,
            duplicate_of_id=older,
            valid=False,
            invalid_reason=DUPLICATE.format(lead=older),
            loss_reason="invalid",
        )
        fire(
            lead,
            "disqualify",
            by=actor,
            at=now,
            rules=rules,
            reason=INVALID.format(steps=DUPLICATE.format(lead=older)),
        )
        result.processed += 1
        result.duplicates += 1
    return keep


def _screen_and_choose(
    lead: LeadRow,
    counts: BehaviourCounts,
    roster: Roster,
    now: dt.datetime,
    rules: RulesConfig,
    actor: str,
    result: IntakeResult,
    zone: ZoneInfo,
    known_owner: int | None = None,
) -> Assignment | None:
    """Evaluate and screen (or disqualify) one lead (a reinstated one is screened); for a
    valid lead, the rules' choice of owner, with the next candidates, still to be
    claimed."""
    outcome = reassess(lead, counts, now, rules, zone)
    ev, stands = outcome.evaluation, outcome.verdict
    result.processed += 1
    if not stands.valid:
        write(lead, loss_reason=LossReason.invalid.value)
        why = INVALID.format(steps=ev.bant.reason)
        fire(lead, "disqualify", by=actor, at=now, rules=rules, reason=why)
        result.disqualified += 1
        return None
    # A reinstated lead is screened on the manager's decision, whatever screening says.
    why = STEP.join(filter(None, (BANT_PASSED.format(passed=ev.bant.passed), stands.note)))
    fire(lead, "screen", by=actor, at=now, rules=rules, reason=why)
    result.screened += 1
    facts = LeadToAssign.model_validate(lead, from_attributes=True)
    group = roster.group_of(facts)
    previous = previous_owner(
        roster, known_owner, now, REPEAT_BUSINESS, group.id if group else None
    )
    return roster.with_fallbacks(previous, facts) if previous else roster.assign(facts, now)


def _route(
    rows: ChunkRows,
    lead: LeadRow,
    choice: Assignment,
    reps: dict[int, SalesRep],
    teams: dict[int, Team],
    now: dt.datetime,
    rules: RulesConfig,
    actor: str,
    result: IntakeResult,
) -> None:
    """Give the lead the owner its claim got, or put it in the team's manager queue."""
    write(lead, team_id=choice.team_id, assignment_reason=choice.reason)
    team = teams.get(choice.team_id) if choice.team_id is not None else None
    if choice.rep_id is None:
        result.queued += 1
        notify_assignment(rows, lead, None, team, now, rules)
        return
    give_owner(lead, choice.rep_id, now, rules, team_zone(team, rules))
    why = ASSIGNED.format(steps=choice.reason)
    fire(lead, "start_nurturing", by=actor, at=now, rules=rules, reason=why)
    notify_assignment(rows, lead, reps[choice.rep_id], team, now, rules)
    result.assigned += 1


def _owners_of(session: Session, lead_ids: set[int]) -> dict[int | None, int | None]:
    """The owners of these leads (the won leads a chunk's repeat inquiries repeat)."""
    if not lead_ids:
        return {}
    return dict(
        session.execute(select(Lead.id, Lead.owner_id).where(Lead.id.in_(lead_ids))).tuples().all()
    )


def process_new_leads(
    session: Session,
    lead_ids: list[int],
    now: dt.datetime,
    rules: RulesConfig,
    actor: str = "intake",
    claims_apart: bool = False,
) -> IntakeResult:
    """Screen, score, grade and assign the chunk's leads that are still `new`.
    `claims_apart`: the caller's transaction is the chunk's alone (it changed no rep and no
    lead's owner before), so on PostgreSQL the reps' slots are claimed in a short
    transaction of their own and concurrent chunks do not wait for each other's commit."""
    result = IntakeResult()
    grades: dict[str, int] = defaultdict(int)
    priorities: dict[str, int] = defaultdict(int)
    # The leads' changes go in one UPDATE (save_rows), audit, history and outbox rows in
    # one statement per table when the block ends: no round trip per lead.
    with chunk_rows(session) as rows:
        leads = load_rows(rows, Lead.id.in_(lead_ids) & (Lead.state == State.new.value), lock=True)
        if not leads:
            return result
        fresh = _merge_late_duplicates(session, leads, now, rules, actor, result)
        counts = behaviour_counts(session, [lead.id for lead in fresh], now, rules)
        # No roster lock: the rules choose from the loads as read, and the chosen slots are
        # claimed together in one short step (store.capacity), which falls back to the next
        # candidate, or the queue, where another chunk filled a rep meanwhile.
        roster = load_roster(session, rules, now, lock=False)
        reps = {r.id: r for r in session.scalars(select(SalesRep)).unique()}
        teams = {t.id: t for t in session.scalars(select(Team))}
        zones = team_zones(session, rules)
        won_owner = _owners_of(
            session, {lead.repeat_of_id for lead in fresh if lead.repeat_of_id is not None}
        )
        chosen = [
            (lead, choice)
            for lead in fresh
            if (
                choice := _screen_and_choose(
                    lead,
                    counts.get(lead.id, BehaviourCounts()),
                    roster,
                    now,
                    rules,
                    actor,
                    result,
                    zones.of(lead.team_id),
                    won_owner.get(lead.repeat_of_id),
                )
            )
            is not None
        ]
        granted = claim_slots(
            session, [(lead.id, c.candidates) for lead, c in chosen], now, apart=claims_apart
        )
        for lead, choice in chosen:
            _route(
                rows,
                lead,
                roster.settle(choice, granted[lead.id], now),
                reps,
                teams,
                now,
                rules,
                actor,
                result,
            )
        for lead in fresh:
            if lead.state != State.lost.value:
                grades[lead.grade or "-"] += 1
                priorities[lead.priority or "-"] += 1
        save_rows(rows, leads, now)
        release_claims(session, chunk_xact(session))  # the leads now hold the slots
    score_leads(session, [lead.id for lead in fresh], now)  # informs people; rules never read it
    result.by_grade, result.by_priority = dict(grades), dict(priorities)
    return result
