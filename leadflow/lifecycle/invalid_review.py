"""A sales manager's review of disqualified leads before they are archived (spec §2):
confirm the disqualification, or reinstate the lead to screening with the reason kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import LossReason, State
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import fire, write

DISQUALIFIED = (Lead.state == State.lost.value) & (Lead.loss_reason == LossReason.invalid.value)


def review_invalid(
    session: Session,
    lead_id: int,
    *,
    decision: str,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    reason: str | None = None,
) -> Lead:
    """Record a manager's decision on a disqualified lead: `confirm` archives it as invalid,
    `reinstate` (reason required) sends it back to screening, which runs again at intake."""
    lead = get_lead(session, lead_id)
    if lead.state != State.lost.value or lead.loss_reason != LossReason.invalid.value:
        state = f"{lead.state}, {lead.loss_reason}" if lead.loss_reason else lead.state
        raise GuardRefused(
            lead.id, "invalid review", f"only a disqualified lead is reviewed (the lead is {state})"
        )
    if decision not in ("confirm", "reinstate"):
        raise InvalidInput(
            f"decision: {decision!r} is not confirm or reinstate",
            {"decision": "confirm or reinstate"},
        )
    write(
        lead,
        invalid_review="confirmed" if decision == "confirm" else "reinstated",
        invalid_reviewed_by=by,
        invalid_reviewed_at=now,
    )
    if decision == "reinstate":
        if not reason or not reason.strip():
            raise InvalidInput("reason: say why the lead is reinstated", {"reason": "required"})
        fire(lead, "reinstate", by=by, at=now, rules=rules, reason=f"reinstated: {reason}")
        write(
            lead,
            loss_reason=None,
            valid=None,
            invalid_reason=f"{lead.invalid_reason} (reinstated by {by}: {reason})",
        )
    flush(session)
    return lead


def invalid_leads(session: Session, *, unreviewed: bool, limit: int = 500) -> list[dict[str, Any]]:
    """Disqualified leads (only those no manager has reviewed yet, when asked), oldest
    first."""
    # A decision taken before the lead's latest disqualification is no review of it.
    pending = or_(Lead.invalid_reviewed_at.is_(None), Lead.invalid_reviewed_at < Lead.lost_at)
    query = select(Lead).where(DISQUALIFIED).order_by(Lead.lost_at, Lead.id).limit(limit)
    if unreviewed:
        query = query.where(pending)
    return [
        {
            "id": lead.id,
            "company": lead.company_name,
            "source": lead.source,
            "lost_at": lead.lost_at,
            "invalid_reason": lead.invalid_reason,
            "review": lead.invalid_review,
            "reviewed_by": lead.invalid_reviewed_by,
        }
        for lead in session.scalars(query)
    ]
