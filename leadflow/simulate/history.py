"""Leads as they were at intake, rebuilt from their history: today's values with every
later field change undone, and the behaviour events that had happened by then."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.scoring import decayed_counts
from leadflow.rules.vocab import State
from leadflow.store.models import BehaviourEvent, FieldChange, Lead, TransitionAudit

# What the rules read at intake: screening, scoring and grading facts, and territory.
FIELDS = (*LeadFacts.model_fields, "region", "source", "company_name")
_PARSE: dict[str, Callable[[str], Any]] = {"budget_min": Decimal, "budget_max": Decimal,
          "timeline": lambda text: dt.date.fromisoformat(text[:10])}
_CHUNK = 5000


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One lead at intake, and what actually became of it (a plain dataclass: a replay
    builds a hundred thousand of them)."""

    id: int
    at: dt.datetime  # when intake processed it
    values: dict[str, Any]
    facts: LeadFacts  # what screening, scoring and grading read, validated once
    counts: BehaviourCounts
    outcome: int | None  # 1 won, 0 lost after screening, None open or disqualified
    closed_at: dt.datetime | None


def _parse(field: str, text: str | None) -> Any:
    if text is None or field not in _PARSE:
        return text
    return _PARSE[field](text)


def snapshots(session: Session, since: dt.datetime, until: dt.datetime, rules: RulesConfig
              ) -> list[Snapshot]:
    """The leads that arrived in [since, until) and went through intake, in arrival order
    (late-merged duplicates left out: no rule decides those)."""
    intake_at = (select(TransitionAudit.lead_id, func.min(TransitionAudit.at).label("at"))
                 .where(TransitionAudit.from_state == State.new.value)
                 .group_by(TransitionAudit.lead_id).subquery())
    query = (select(*(getattr(Lead, f) for f in ("id", *FIELDS)), Lead.state, Lead.won_at,
                    Lead.lost_at, Lead.screened_at, intake_at.c.at)
             .join(intake_at, intake_at.c.lead_id == Lead.id)
             .where(and_(Lead.created_at >= since, Lead.created_at < until,
                         Lead.duplicate_of_id.is_(None)))
             .order_by(intake_at.c.at, Lead.id))
    rows = session.execute(query).all()
    out: list[Snapshot] = []
    for start in range(0, len(rows), _CHUNK):
        part = rows[start:start + _CHUNK]
        at_of = {r.id: r.at for r in part}
        undo = _later_changes(session, at_of)
        events = _events_before(session, at_of)
        for r in part:
            values = {f: getattr(r, f) for f in FIELDS}
            for field, old in undo.get(r.id, []):  # newest first: ends at the intake value
                values[field] = _parse(field, old)
            outcome, closed = None, None
            if r.state == State.won.value:
                outcome, closed = 1, r.won_at
            elif r.state == State.lost.value and r.screened_at is not None:
                outcome, closed = 0, r.lost_at
            out.append(Snapshot(id=r.id, at=r.at, values=values, outcome=outcome,
                                closed_at=closed, facts=LeadFacts.model_validate(values),
                                counts=decayed_counts(events.get(r.id, []), r.at, rules)))
    return out


def _later_changes(session: Session, at_of: dict[int, dt.datetime]
                   ) -> dict[int, list[tuple[str, str | None]]]:
    """Per lead, the (field, old value) of every change to a rule field after its intake,
    newest first."""
    undo: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    rows = session.execute(select(FieldChange.lead_id, FieldChange.field, FieldChange.old_value,
                                  FieldChange.at)
                           .where(FieldChange.lead_id.in_(list(at_of)),
                                  FieldChange.field.in_(FIELDS))
                           .order_by(FieldChange.id.desc()))
    for lead_id, field, old, at in rows:
        if at > at_of[lead_id]:
            undo[lead_id].append((field, old))
    return undo


def _events_before(session: Session, at_of: dict[int, dt.datetime]
                   ) -> dict[int, list[tuple[str, dt.datetime]]]:
    events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = session.execute(select(BehaviourEvent.lead_id, BehaviourEvent.kind, BehaviourEvent.at)
                           .where(BehaviourEvent.lead_id.in_(list(at_of))))
    for lead_id, kind, at in rows:
        if at <= at_of[lead_id]:
            events[lead_id].append((kind, at))
    return events
