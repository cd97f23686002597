"""Field-change history: every change to a tracked lead field becomes a FieldChange row.

`history_values` is the one place that says which rows a change makes; the lead writer
(`store/writer.py`) calls it with the old and new values it holds, for a single lead and
for a chunk's rows alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from leadflow.store.models import FieldChange, Lead

# State, timestamps, scores and dedupe keys are recorded elsewhere (the transition audit,
# the explanation) or derived; history keeps what a person would ask "who changed this?".
UNTRACKED = frozenset(
    {
        "id",
        "version",
        "state",
        "created_at",
        "updated_at",
        "screened_at",
        "nurturing_at",
        "opportunity_at",
        "negotiation_at",
        "won_at",
        "lost_at",
        "sub_stage_at",
        "explanation",
        "email_key",
        "phone_key",
        "company_key",
        "behaviour_score",
        "attribute_score",
        "score",
        "valid",
        "invalid_reason",
        "nurture_stage",
        "assignment_reason",
        "assigned_at",
        "first_contact_due",
        "next_cadence_due",
        "last_contact_at",
        "first_contacted_at",
        "last_interaction_at",
    }
)
TRACKED = tuple(c.key for c in Lead.__table__.columns if c.key not in UNTRACKED)
TRACKED_SET = frozenset(TRACKED)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def history_values(
    lead_id: int, before: Mapping[str, Any], after: Mapping[str, Any], actor: str, at: dt.datetime
) -> list[dict[str, Any]]:
    """History row values for the tracked fields that differ between two sets of a lead's
    values (`after` names the fields set; a field missing from `before` was empty)."""
    return [
        {
            "lead_id": lead_id,
            "field": key,
            "old_value": _text(before.get(key)),
            "new_value": _text(after[key]),
            "actor": actor,
            "at": at,
        }
        for key in TRACKED
        if key in after and _text(before.get(key)) != _text(after[key])
    ]


def changes_between(
    lead_id: int, before: dict[str, Any], after: dict[str, Any], actor: str, at: dt.datetime
) -> list[FieldChange]:
    """History rows (ORM objects) for the tracked fields that differ between two sets of a
    lead's values."""
    return [FieldChange(**values) for values in history_values(lead_id, before, after, actor, at)]
