"""Intake processing of stored leads: screen, score, grade, assign, start nurturing.

Works on a chunk of ids inside the caller's unit of work; the intake flow's task and the
CLI both call it, so there is one path for every lead."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.rules.assignment import LeadToAssign
from leadflow.rules.config import RulesConfig
from leadflow.rules.evaluate import Evaluation, evaluate
from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.scoring import decayed_counts
from leadflow.rules.timing import first_contact_due, next_cadence_date
from leadflow.rules.vocab import LossReason, Priority, State
from leadflow.services.notify import notify_assignment
from leadflow.services.roster import load_roster, save_round_robin
from leadflow.statemachines.lead import fire
from leadflow.store.models import BehaviourEvent, Lead


class IntakeResult(BaseModel):
    """What one intake chunk did."""

    processed: int = 0
    screened: int = 0
    disqualified: int = 0
    assigned: int = 0
    queued: int = 0
    by_grade: dict[str, int] = {}
    by_priority: dict[str, int] = {}

    @classmethod
    def combine(cls, parts: list[IntakeResult]) -> IntakeResult:
        """Add chunk results together."""
        total = cls()
        for p in parts:
            for name in ("processed", "screened", "disqualified", "assigned", "queued"):
                setattr(total, name, getattr(total, name) + getattr(p, name))
            for name in ("by_grade", "by_priority"):
                merged = dict(getattr(total, name))
                for k, v in getattr(p, name).items():
                    merged[k] = merged.get(k, 0) + v
                setattr(total, name, merged)
        return total


def behaviour_counts(session: Session, lead_ids: list[int], now: dt.datetime,
                     rules: RulesConfig) -> dict[int, BehaviourCounts]:
    """Behaviour counts per lead (decayed when configured), one query for the chunk."""
    events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = session.execute(select(BehaviourEvent.lead_id, BehaviourEvent.kind, BehaviourEvent.at)
                           .where(BehaviourEvent.lead_id.in_(lead_ids)))
    for lead_id, kind, at in rows:
        events[lead_id].append((kind, at))
    return {lid: decayed_counts(evs, now, rules) for lid, evs in events.items()}


def apply_evaluation(lead: Lead, ev: Evaluation) -> None:
    """Copy a rule evaluation onto the lead, explanation included."""
    lead.valid = ev.bant.valid
    lead.invalid_reason = ev.bant.reason
    lead.behaviour_score = ev.score.behaviour
    lead.attribute_score = ev.score.attribute
    lead.score = ev.score.total
    lead.priority = ev.score.priority.value
    lead.nurture_stage = ev.score.nurture_stage
    lead.grade = ev.grade.grade.value
    lead.explanation = ev.summary()


def evaluate_lead(lead: Lead, counts: BehaviourCounts, now: dt.datetime,
                  rules: RulesConfig) -> Evaluation:
    """Run the rules on one stored lead."""
    return evaluate(LeadFacts.model_validate(lead, from_attributes=True), counts, now.date(), rules)


def process_new_leads(session: Session, lead_ids: list[int], now: dt.datetime,
                      rules: RulesConfig, actor: str = "intake") -> IntakeResult:
    """Screen, score, grade and assign the chunk's leads that are still `new`."""
    result = IntakeResult()
    leads = session.scalars(select(Lead).where(Lead.id.in_(lead_ids),
                                               Lead.state == State.new.value)
                            .order_by(Lead.id)).all()
    if not leads:
        return result
    counts = behaviour_counts(session, [lead.id for lead in leads], now, rules)
    roster = load_roster(session, rules)
    grades: dict[str, int] = defaultdict(int)
    priorities: dict[str, int] = defaultdict(int)
    for lead in leads:
        ev = evaluate_lead(lead, counts.get(lead.id, BehaviourCounts()), now, rules)
        apply_evaluation(lead, ev)
        result.processed += 1
        if not ev.bant.valid:
            lead.loss_reason = LossReason.invalid.value
            fire(lead, "disqualify", by=actor, at=now, rules=rules,
                 reason=f"invalid: {ev.bant.reason}")
            result.disqualified += 1
            continue
        fire(lead, "screen", by=actor, at=now, rules=rules,
             reason=f"BANT {ev.bant.passed}/4")
        result.screened += 1
        grades[lead.grade or "-"] += 1
        priorities[lead.priority or "-"] += 1
        choice = roster.assign(LeadToAssign.model_validate(lead, from_attributes=True), now)
        lead.team_id = choice.team_id
        lead.assignment_reason = choice.reason
        if choice.rep_id is None:
            result.queued += 1
            notify_assignment(session, lead, None, now)
            continue
        lead.owner_id = choice.rep_id
        lead.assigned_at = now
        lead.first_contact_due = first_contact_due(now, Priority(lead.priority), rules)
        lead.next_cadence_due = next_cadence_date(now, State.nurturing, ev.grade.grade, None,
                                                  rules)
        fire(lead, "start_nurturing", by=actor, at=now, rules=rules,
             reason=f"assigned: {choice.reason}")
        notify_assignment(session, lead, choice.rep_id, now)
        result.assigned += 1
    save_round_robin(session, roster)
    result.by_grade, result.by_priority = dict(grades), dict(priorities)
    session.flush()
    return result
