"""Giving open leads their win probability from the active model (service functions: they
take a session and never commit). The rules never read it: it informs people only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from leadflow.store.models import Lead
from leadflow.store.rows import insert_rows
from leadflow.store.winmodel_models import LeadWinScore, WinModel
from leadflow.winmodel.dataset import OPEN, open_leads
from leadflow.winmodel.explain import explain

_WRITE_CHUNK = 5000
_SCORES = cast(Table, LeadWinScore.__table__)


def active_model(session: Session) -> WinModel | None:
    """The active model version, if one has been published."""
    return session.scalars(
        select(WinModel).where(WinModel.active.is_(True)).order_by(WinModel.id.desc()).limit(1)
    ).first()


def score_leads(session: Session, lead_ids: Sequence[int] | None, now: dt.datetime) -> int:
    """Give the open leads among `lead_ids` (every open lead when None) their probability
    and top factors from the active model; returns how many were scored (0 without one)."""
    model = active_model(session)
    if model is None or (lead_ids is not None and not lead_ids):
        return 0
    weights = model.weights
    table = open_leads(session, lead_ids, now, weights["budget_bands"])
    probs, factors = explain(weights, table, int(weights["top_factors"]))
    rows = [
        {
            "lead_id": lead_id,
            "model_id": model.id,
            "probability": round(float(p), 4),
            "factors": f,
            "scored_at": now,
        }
        for lead_id, p, f in zip(table.ids, probs, factors, strict=True)
    ]
    connection = session.connection()
    if lead_ids is None:  # every open lead was scored: one DELETE, not an IN list of each
        connection.execute(
            delete(LeadWinScore).where(
                LeadWinScore.lead_id.in_(select(Lead.id).where(Lead.state.in_(OPEN)))
            )
        )
    for start in range(0, len(rows), _WRITE_CHUNK):
        part = rows[start : start + _WRITE_CHUNK]
        if lead_ids is not None:
            connection.execute(
                delete(LeadWinScore).where(LeadWinScore.lead_id.in_([r["lead_id"] for r in part]))
            )
        insert_rows(connection, _SCORES, part)
    return len(rows)


def lead_win(session: Session, lead_id: int) -> dict[str, Any] | None:
    """A lead's probability, factors and model version, for `leads show` and the API."""
    row = session.scalars(select(LeadWinScore).where(LeadWinScore.lead_id == lead_id)).first()
    if row is None:
        return None
    return {
        "probability": row.probability,
        "factors": row.factors,
        "model_id": row.model_id,
        "scored_at": row.scored_at,
    }
