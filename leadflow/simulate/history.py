"""Leads as they were at intake, rebuilt from their history: today's values with every
later field change undone, and the behaviour events that had happened by then."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Subquery, and_, func, select
from sqlalchemy.orm import Session

from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.scoring import decayed_counts
from leadflow.rules.vocab import State
from leadflow.store.models import BehaviourEvent, FieldChange, Lead, TransitionAudit

# What the rules read at intake: screening, scoring and grading facts (the region among
# them), and territory.
FIELDS = (*LeadFacts.model_fields, "source", "company_name", "customer_type", "company_key")
_PARSE: dict[str, Callable[[str], Any]] = {
    "budget_min": Decimal,
    "budget_max": Decimal,
    "timeline": lambda text: dt.date.fromisoformat(text[:10]),
}


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


def snapshots(
    session: Session, since: dt.datetime, until: dt.datetime, rules: RulesConfig
) -> list[Snapshot]:
    """The leads that arrived in [since, until) and went through intake, in arrival order
    (late-merged duplicates left out: no rule decides those)."""
    window = and_(Lead.created_at >= since, Lead.created_at < until, Lead.duplicate_of_id.is_(None))
    intake_at = (
        select(TransitionAudit.lead_id, func.min(TransitionAudit.at).label("at"))
        .join(Lead, Lead.id == TransitionAudit.lead_id)
        .where(window, TransitionAudit.from_state == State.new.value)
        .group_by(TransitionAudit.lead_id)
        .subquery()
    )
    query = (
        select(
            Lead.id,
            *(getattr(Lead, f) for f in FIELDS),
            Lead.state,
            Lead.won_at,
            Lead.lost_at,
            Lead.screened_at,
            intake_at.c.at,
        )
        .join(intake_at, intake_at.c.lead_id == Lead.id)
        .where(window)
        .order_by(intake_at.c.at, Lead.id)
    )
    # Three set-based reads of the window (no IN list of ids), as Core rows.
    connection = session.connection()
    undo = _later_changes(connection, intake_at)
    events = _events_before(connection, intake_at)
    no_events = decayed_counts([], until, rules)  # frozen: shared by every lead without any
    out: list[Snapshot] = []
    end = 1 + len(FIELDS)
    for r in connection.execute(query).all():
        values = dict(zip(FIELDS, r[1:end], strict=True))
        for field, old in undo.get(r.id, ()):  # newest first: ends at the intake value
            values[field] = _parse(field, old)
        outcome, closed = None, None
        if r.state == State.won.value:
            outcome, closed = 1, r.won_at
        elif r.state == State.lost.value and r.screened_at is not None:
            outcome, closed = 0, r.lost_at
        happened = events.get(r.id)
        out.append(
            Snapshot(
                id=r.id,
                at=r.at,
                values=values,
                outcome=outcome,
                closed_at=closed,
                facts=LeadFacts.model_validate(values),
                counts=decayed_counts(happened, r.at, rules) if happened else no_events,
            )
        )
    return out


def _later_changes(
    connection: Connection, intake_at: Subquery
) -> dict[int, list[tuple[str, str | None]]]:
    """Per lead, the (field, old value) of every change to a rule field after its intake,
    newest first."""
    undo: dict[int, list[tuple[str, str | None]]] = defaultdict(list)
    rows = connection.execute(
        select(FieldChange.lead_id, FieldChange.field, FieldChange.old_value)
        .join(intake_at, intake_at.c.lead_id == FieldChange.lead_id)
        .where(FieldChange.field.in_(FIELDS), FieldChange.at > intake_at.c.at)
        .order_by(FieldChange.id.desc())
    )
    for lead_id, field, old in rows:
        undo[lead_id].append((field, old))
    return undo


def _events_before(
    connection: Connection, intake_at: Subquery
) -> dict[int, list[tuple[str, dt.datetime]]]:
    """Per lead, the behaviour events (kind, when) up to its intake."""
    events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    rows = connection.execute(
        select(BehaviourEvent.lead_id, BehaviourEvent.kind, BehaviourEvent.at)
        .join(intake_at, intake_at.c.lead_id == BehaviourEvent.lead_id)
        .where(BehaviourEvent.at <= intake_at.c.at)
        .order_by(BehaviourEvent.id)
    )
    for lead_id, kind, at in rows:
        events[lead_id].append((kind, at))
    return events
