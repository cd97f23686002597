"""Presenting leads to a caller: the full record, with sensitive fields masked by role."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from leadflow.api.deps import Principal
from leadflow.api.schemas import LeadOut, links
from leadflow.lifecycle.operations import mask_story
from leadflow.lifecycle.view import full_story
from leadflow.rules.config import RulesConfig
from leadflow.statemachines.lead import allowed_triggers
from leadflow.store.models import Lead, SalesRep

_SLA = (
    "first_contact_due",
    "first_contacted_at",
    "last_contact_at",
    "next_action",
    "next_action_due",
    "next_cadence_due",
)


def lead_detail(session: Session, lead: Lead, principal: Principal, rules: RulesConfig) -> LeadOut:
    """A lead with explanation, owner, due times, history and transitions, as this caller
    may see it."""
    data: dict[str, Any] = full_story(session, lead.id, rules)
    owner = session.get(SalesRep, lead.owner_id) if lead.owner_id else None
    data["owner"] = (
        {"id": owner.id, "name": owner.name, "team_id": owner.team_id} if owner else None
    )
    data["sla"] = {k: data[k] for k in _SLA}
    data["allowed_triggers"] = list(allowed_triggers(lead.state))
    data["links"] = links(lead.id)
    data["masked"] = []
    if not principal.sees_sensitive(lead):
        data = mask_story(data)
    return LeadOut.model_validate(data)
