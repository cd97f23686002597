"""A lead as `leads show` and GET /leads/{id} present it: the record, its transitions,
history and activities, and what the daily operations add (objections, negotiation
minutes, touches, the customer's other leads, the conversion plan, the contract and its
approval, and where it stands with screening)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from leadflow.intake.touches import customer_leads, touch_rows
from leadflow.lifecycle.contract_approval import contract_view
from leadflow.lifecycle.invalid_review import screening_note
from leadflow.lifecycle.lookup import get_lead
from leadflow.lifecycle.minutes import minutes_rows
from leadflow.lifecycle.objections import objection_rows
from leadflow.lifecycle.operations import lead_story
from leadflow.lifecycle.plans import current_plan
from leadflow.lifecycle.prices import price_state
from leadflow.rules.config import RulesConfig
from leadflow.rules.data_quality import missing_fields


def full_story(session: Session, lead_id: int, rules: RulesConfig) -> dict[str, Any]:
    """Everything about one lead, sensitive fields included (mask before showing), with
    the required fields it lacks (`missing`)."""
    data = lead_story(session, lead_id)
    lead = get_lead(session, lead_id)
    data["missing"] = missing_fields(lead, rules.data_quality)
    plan = current_plan(session, lead_id)
    data["screening"] = screening_note(session, lead)
    data["objections"] = objection_rows(session, lead_id)
    data["minutes"] = minutes_rows(session, lead_id)
    data["touches"] = touch_rows(session, lead)
    data["customer"] = customer_leads(session, lead)
    data["contract"] = contract_view(lead)
    data["plan"] = (
        None
        if plan is None
        else {
            "pain_points": plan.pain_points,
            "advantages": plan.advantages,
            "strategy": plan.strategy,
            "milestones": plan.milestones,
            "submitted_by": plan.submitted_by,
            "submitted_at": plan.submitted_at,
            **(price_state(session, lead_id) or {}),
        }
    )
    return data
