"""What the demo's data came to: the counts `leadflow demo` prints at the end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.outbound_models import Handoff, OutboxMessage, QuarantinedRecord


def pipeline_counts(s: Session) -> dict[str, Any]:
    """The demo's closing summary: leads by state and grade, per channel, the won value,
    and how many transitions, notifications and quarantined records were kept."""
    states = dict(s.execute(select(Lead.state, func.count()).group_by(Lead.state)).tuples().all())
    grades = dict(
        s.execute(select(Lead.grade, func.count()).where(Lead.valid.is_(True)).group_by(Lead.grade))
        .tuples()
        .all()
    )
    won = case((Lead.state == "won", 1), else_=0)
    channels = s.execute(
        select(
            Lead.source,
            func.count(),
            func.sum(case((Lead.valid.is_(True), 1), else_=0)),
            func.sum(won),
            func.sum(Lead.contract_value),
        )
        .group_by(Lead.source)
        .order_by(func.count().desc())
    ).all()
    return {
        "states": states,
        "grades": grades,
        "valid": s.scalar(select(func.count()).where(Lead.valid.is_(True))) or 0,
        "manager_queue": s.scalar(
            select(func.count()).where(Lead.owner_id.is_(None), Lead.valid.is_(True))
        )
        or 0,
        "won_value": float(
            s.scalar(select(func.sum(Lead.contract_value)).where(Lead.state == "won")) or 0
        ),
        "channels": [
            {
                "channel": c,
                "leads": n,
                "valid": v or 0,
                "won": w or 0,
                "conversion": f"{(w or 0) / v:.1%}" if v else "-",
                "avg_deal": round(float(value) / w) if w and value else None,
            }
            for c, n, v, w, value in channels
        ],
        "transitions": s.scalar(select(func.count()).select_from(TransitionAudit)),
        "notifications": s.scalar(select(func.count()).select_from(OutboxMessage)),
        "quarantined": s.scalar(select(func.count()).select_from(QuarantinedRecord)),
        "sample_won_lead": s.scalar(select(Handoff.lead_id).order_by(Handoff.lead_id).limit(1)),
    }
