"""What follows from a lead's changed facts, decided in one place.

Intake, an edit, a tracked behaviour, a returning contact, the weekly re-grade and a
history import all end with `reassess()`: the lead's score, priority, nurture stage and
grade (rules/evaluate), its opportunity grade from its latest assessment (rules/grading),
a first contact still owed tightened to the new priority's SLA (rules/timing, on the
team's clock), the next scheduled contact on the new grade's cadence, and whether the
lead goes back to assignment. Each rule stays where the rule book names it, in `rules/`;
this module applies them, and the lead writer (`store/writer.py`) writes the result.

`give_owner` is the other consequence every path shares: an owner starts the timers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.lifecycle.opportunity import apply_opportunity_grade
from leadflow.rules.config import RulesConfig
from leadflow.rules.evaluate import Evaluation, evaluate
from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.grading import OpportunityGrade
from leadflow.rules.scoring import decayed_counts
from leadflow.rules.standing import ReviewFacts, Verdict, verdict
from leadflow.rules.timing import (
    first_contact_due,
    next_cadence_date,
    tightened_first_contact_due,
)
from leadflow.rules.vocab import Grade, Priority, State
from leadflow.store.models import BehaviourEvent
from leadflow.store.writer import AnyLead, write
from leadflow.team.zones import zone_of

# The columns reassess reads and writes, for chunk jobs that load a subset.
REASSESS_COLUMNS = (
    "valid",
    "migrated_at",
    "invalid_reason",
    "behaviour_score",
    "attribute_score",
    "score",
    "priority",
    "nurture_stage",
    "grade",
    "explanation",
    "opportunity_grade",
    "slipped",
    "brief_due",
    "brief_at",
    "grade_override",
    "grade_confirmed_by",
    "grade_confirmed_at",
    "grade_confirm_due",
    "owner_id",
    "assigned_at",
    "first_contacted_at",
    "first_contact_due",
    "last_contact_at",
    "next_cadence_due",
    # whether the lead stands disqualified or reinstated (rules/standing)
    "loss_reason",
    "duplicate_of_id",
    "invalid_review",
    "invalid_reviewed_by",
    "invalid_reviewed_at",
)
NOT_GRADED = "not graded: disqualified as invalid"
WORKED = (State.nurturing.value, State.opportunity.value, State.negotiation.value)


@dataclass(frozen=True)
class Reassessment:
    """What the rules concluded, where the lead stands (valid, graded, reinstated), and
    whether it should be offered to the reps again (a valid lead waiting in a manager
    queue: its new facts may find it an owner)."""

    evaluation: Evaluation
    verdict: Verdict
    requeue: bool


def behaviour_counts(
    session: Session, lead_ids: list[int], now: dt.datetime, rules: RulesConfig
) -> dict[int, BehaviourCounts]:
    """Behaviour counts per lead (decayed when configured), one query for the chunk."""
    events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = session.execute(
        select(BehaviourEvent.lead_id, BehaviourEvent.kind, BehaviourEvent.at).where(
            BehaviourEvent.lead_id.in_(lead_ids)
        )
    )
    for lead_id, kind, at in rows:
        events[lead_id].append((kind, at))
    return {lid: decayed_counts(evs, now, rules) for lid, evs in events.items()}


def reassess(
    lead: AnyLead,
    counts: BehaviourCounts,
    now: dt.datetime,
    rules: RulesConfig,
    zone: ZoneInfo,
    *,
    opportunity: OpportunityGrade | None = None,
) -> Reassessment:
    """Apply the rules to the lead's current facts and write what follows from them.
    `opportunity`: the opportunity grade of its latest assessment, re-graded on today's
    facts (the weekly re-grade passes it; a new assessment writes its own)."""
    before = (lead.grade, lead.opportunity_grade, lead.nurture_stage)
    ev = evaluate(LeadFacts.model_validate(lead, from_attributes=True), counts, now.date(), rules)
    stands = verdict(ev.bant, ReviewFacts.model_validate(lead, from_attributes=True))
    # A lead migrated from another CRM was screened there: that verdict stands, so the
    # reviews of its past never change (docs/rules.md, migrating from another CRM).
    migrated = lead.migrated_at is not None and lead.valid is not None
    write(
        lead,
        valid=lead.valid if migrated else stands.valid,
        # A disqualified lead whose facts pass now keeps the reason it was disqualified.
        invalid_reason=ev.bant.reason or (None if stands.valid else lead.invalid_reason),
        behaviour_score=ev.score.behaviour,
        attribute_score=ev.score.attribute,
        score=ev.score.total,
        priority=ev.score.priority.value,
        nurture_stage=ev.score.nurture_stage,
        grade=ev.grade.grade.value if stands.graded else None,
        explanation=explanation(ev, stands),
    )
    if opportunity is not None:
        apply_opportunity_grade(lead, opportunity, now, rules)
    _tighten_first_contact(lead, rules, zone)
    if (lead.grade, lead.opportunity_grade, lead.nurture_stage) != before:
        reschedule_cadence(lead, rules)
    queued = lead.state == State.screened.value and lead.owner_id is None
    return Reassessment(ev, stands, requeue=queued and stands.valid)


def explanation(ev: Evaluation, stands: Verdict) -> dict[str, Any]:
    """The rules' explanation as stored on the lead: screening's own verdict (`valid`,
    the four tests), where the lead stands with it, and no grade while it is disqualified."""
    summary = {**ev.summary(), "standing": stands.standing.value, "screening_note": stands.note}
    if not stands.graded:
        summary["grade"] = None
        summary["explain"] = {**summary["explain"], "grade_reasons": [NOT_GRADED]}
    return summary


def reassess_stored(
    session: Session, lead: AnyLead, now: dt.datetime, rules: RulesConfig
) -> Reassessment:
    """`reassess` for one stored lead, with its behaviour counts and its team's clock."""
    with session.no_autoflush:  # one flush after: a concurrent change is a VersionConflict
        counts = behaviour_counts(session, [lead.id], now, rules).get(lead.id, BehaviourCounts())
        return reassess(lead, counts, now, rules, zone_of(session, lead.team_id, rules))


def _tighten_first_contact(lead: AnyLead, rules: RulesConfig, zone: ZoneInfo) -> None:
    """Spec §6: a lead not yet contacted whose priority rose gets the new, shorter SLA
    (counted on its team's local clock); it never loosens."""
    if lead.assigned_at is not None and lead.first_contacted_at is None and lead.priority:
        due = tightened_first_contact_due(
            lead.assigned_at, lead.first_contact_due, Priority(lead.priority), rules, zone
        )
        write(lead, first_contact_due=due)


def reschedule_cadence(lead: AnyLead, rules: RulesConfig) -> None:
    """The next scheduled contact of an owned lead being worked, on its grade's (or its
    nurture stage's) cadence, counted from the last contact or else the assignment."""
    since = lead.last_contact_at or lead.assigned_at
    if lead.owner_id is None or since is None or lead.state not in WORKED:
        return
    write(
        lead,
        next_cadence_due=next_cadence_date(
            since,
            State(lead.state),
            Grade(lead.grade) if lead.grade else None,
            Grade(lead.opportunity_grade) if lead.opportunity_grade else None,
            rules,
            lead.nurture_stage,
        ),
    )


def give_owner(
    lead: AnyLead, rep_id: int, now: dt.datetime, rules: RulesConfig, zone: ZoneInfo
) -> None:
    """Make the rep the lead's owner as of now and start its timers: first contact within
    the SLA of its priority (on its team's local clock, `zone`), the next scheduled contact
    by its grade's (or its nurture stage's) cadence."""
    grade = Grade(lead.grade) if lead.grade else None
    write(
        lead,
        owner_id=rep_id,
        assigned_at=now,
        first_contact_due=first_contact_due(now, Priority(lead.priority or "low"), rules, zone),
        next_cadence_due=next_cadence_date(
            now, State.nurturing, grade, None, rules, lead.nurture_stage
        ),
    )


def answer_due(lead: AnyLead, now: dt.datetime, rules: RulesConfig, zone: ZoneInfo) -> dt.datetime:
    """When a new inquiry from a lead must be answered: by the first contact still owed,
    else within its priority's first-contact SLA from now (business hours and the cap
    included, as every SLA)."""
    if lead.first_contacted_at is None and lead.first_contact_due is not None:
        return lead.first_contact_due
    return first_contact_due(now, Priority(lead.priority or "low"), rules, zone)
