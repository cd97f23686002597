"""Claiming work in the database, so several workers share one queue of leads.

On PostgreSQL a claim locks up to N `new` leads with `FOR UPDATE SKIP LOCKED`: the locks
last until the claiming transaction commits, so the claimer processes the leads in that
same transaction and a second worker's claim skips them instead of waiting or taking them
twice. SQLite has one writer at a time, so there a claim is a plain select."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.rules.vocab import State
from leadflow.store.models import Lead


def claim_new_lead_ids(session: Session, limit: int) -> list[int]:
    """Lock and return up to `limit` of the oldest leads still `new` that nobody holds."""
    query = select(Lead.id).where(Lead.state == State.new.value).order_by(Lead.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))
