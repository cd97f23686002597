"""A sales manager's review of disqualified leads before they are archived (spec §2):
confirm the disqualification, or reinstate the lead to screening with the reason kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead
from leadflow.lifecycle.operations import rescore
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.explain import REINSTATED_FOR
from leadflow.rules.standing import REINSTATED, Standing
from leadflow.rules.vocab import LossReason, State
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.uow import flush
from leadflow.store.writer import fire, write

REINSTATED_BECAUSE = REINSTATED_FOR.removesuffix("{why}")  # then the manager's reason
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
    """Record a manager's decision on a disqualified lead: `confirm` archives it as invalid;
    `reinstate` (reason required) overrides screening: the lead goes back to `new`, counts
    as valid and is graded again, and intake screens it on the manager's decision, however
    its facts fare (rules/standing)."""
    lead = get_lead(session, lead_id)
    if lead.state != State.lost.value or lead.loss_reason != LossReason.invalid.value:
        state = f"{lead.state}, {lead.loss_reason}" if lead.loss_reason else lead.state
        raise GuardRefused(
            lead.id,
            "invalid review",
            N_("only a disqualified lead is reviewed (the lead is {state})", state=state),
        )
    if decision not in ("confirm", "reinstate"):
        raise InvalidInput(
            N_("decision: {decision} is not confirm or reinstate", decision=repr(decision)),
            {"decision": N_("confirm or reinstate")},
        )
    if decision == "reinstate" and (not reason or not reason.strip()):
        raise InvalidInput(N_("reason: say why the lead is reinstated"), {"reason": N_("required")})
    write(
        lead,
        invalid_review="confirmed" if decision == "confirm" else REINSTATED,
        invalid_reviewed_by=by,
        invalid_reviewed_at=now,
    )
    if decision == "reinstate":
        fire(
            lead, "reinstate", by=by, at=now, rules=rules, reason=REINSTATED_FOR.format(why=reason)
        )
        write(lead, loss_reason=None)
        rescore(session, lead, now, rules)  # valid and graded from now on
    flush(session)
    return lead


def screening_note(session: Session, lead: Lead) -> str | None:
    """What a manager should read about screening's verdict on the lead: that its facts
    pass now and how to reinstate it, or that screening would fail a reinstated lead and
    who reinstated it, when and why."""
    stored = lead.explanation or {}
    note, standing = stored.get("screening_note"), stored.get("standing")
    if not note:
        return None
    if standing == Standing.passes_now:
        return (
            f"{note}: reinstate with `leadflow leads review-invalid {lead.id} --reinstate "
            f"--reason ...` or POST /leads/{lead.id}/invalid-review"
        )
    if standing == Standing.reinstated:
        why = session.scalar(
            select(TransitionAudit.reason)
            .where(TransitionAudit.lead_id == lead.id, TransitionAudit.trigger == "reinstate")
            .order_by(TransitionAudit.id.desc())
            .limit(1)
        )
        return f"{note}: {why.removeprefix(REINSTATED_BECAUSE)}" if why else note
    return str(note)


def invalid_leads(session: Session, *, unreviewed: bool, limit: int = 500) -> list[dict[str, Any]]:
    """Disqualified leads (only those no manager has reviewed yet, when asked), oldest
    first; `screening` says whether their facts fail screening still or pass it now (a
    lead to reinstate)."""
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
            "screening": "passes now"
            if (lead.explanation or {}).get("standing") == Standing.passes_now
            else "fails",
            "review": lead.invalid_review,
            "reviewed_by": lead.invalid_reviewed_by,
        }
        for lead in session.scalars(query)
    ]
