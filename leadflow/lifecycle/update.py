"""Editing a lead's facts after intake (spec §1): a budget cut, a new decision maker, a new
timeline. The lead is re-scored, re-graded and its timers recomputed in the same
transaction; the history listener keeps every change."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from leadflow.errors import Forbidden, InvalidInput, VersionConflict
from leadflow.intake.merge import set_keys
from leadflow.lifecycle.operations import get_lead, rescore
from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import first_contact_due, next_cadence_date
from leadflow.rules.vocab import SENSITIVE, Grade, Priority, State
from leadflow.schemas import LEAD_COLUMNS, LeadIn, field_errors
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.team.zones import zone_of
from leadflow.winmodel.score import score_leads

# The first touch is the lead's source and never changes (spec §1); the external id is the
# sending system's idempotency key.
FIXED = {
    "source": "the first touch is the lead's source and never changes",
    "external_id": "the sending system's id is its idempotency key",
}
EDITABLE = tuple(f for f in LEAD_COLUMNS if f not in FIXED)


def update_lead(
    session: Session,
    lead_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime,
    rules: RulesConfig,
    sees_sensitive: bool = True,
    expected_version: int | None = None,
) -> Lead:
    """Change any of the lead's §1 facts (null clears an optional one), re-score, re-grade
    and recompute its timers. A stale `expected_version` is a VersionConflict; a sensitive
    field from a caller who may not see it is Forbidden."""
    lead = get_lead(session, lead_id)
    if expected_version is not None and expected_version != lead.version:
        raise VersionConflict(
            f"lead {lead_id} is at version {lead.version}, the change was "
            f"made against version {expected_version}"
        )
    for name in changes:
        if name in FIXED:
            raise InvalidInput(
                f"{name}: cannot be changed ({FIXED[name]})", {name: "cannot be changed"}
            )
        if name not in EDITABLE:
            raise InvalidInput(f"{name}: not a field of a lead", {name: "unknown field"})
    hidden = sorted(set(changes) & set(SENSITIVE))
    if hidden and not sees_sensitive:
        raise Forbidden(
            f"{', '.join(hidden)}: only the owner, a manager or a director may "
            "change budgets and notes"
        )
    if not changes:
        raise InvalidInput("nothing to change: name at least one field", {"(record)": "empty"})
    current = {f: getattr(lead, f) for f in LEAD_COLUMNS}
    try:
        merged = LeadIn.model_validate({**current, **changes})
    except ValidationError as exc:
        errors = field_errors(exc)
        raise InvalidInput("; ".join(f"{k}: {v}" for k, v in errors.items()), errors) from None
    for name in changes:
        value = getattr(merged, name)
        setattr(lead, name, value.value if isinstance(value, Enum) else value)
    set_keys(lead)
    with session.no_autoflush:  # one flush at the end: a concurrent change is a VersionConflict
        rescore(session, lead, now, rules)
    refresh_timers(lead, rules, zone_of(session, lead.team_id, rules))
    flush(session)
    score_leads(session, [lead.id], now)  # after the flush: rescore ran without one
    return lead


def refresh_timers(lead: Lead, rules: RulesConfig, zone: ZoneInfo) -> None:
    """After a re-grade: a first contact still owed tightens to the new priority's SLA (on
    the team's local clock, `zone`; it never loosens), and the next scheduled contact
    follows the new grade's cadence."""
    if lead.owner_id is None or lead.assigned_at is None:
        return
    if lead.first_contacted_at is None and lead.priority:
        due = first_contact_due(lead.assigned_at, Priority(lead.priority), rules, zone)
        lead.first_contact_due = min(filter(None, (lead.first_contact_due, due)))
    if lead.state in (State.nurturing.value, State.opportunity.value, State.negotiation.value):
        grade = Grade(lead.grade) if lead.grade else None
        opp = Grade(lead.opportunity_grade) if lead.opportunity_grade else None
        lead.next_cadence_due = next_cadence_date(
            lead.last_contact_at or lead.assigned_at,
            State(lead.state),
            grade,
            opp,
            rules,
            lead.nurture_stage,
        )
