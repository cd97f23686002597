"""Whole-database jobs in chunks, one unit of work per chunk (the CLI's and demo's path;
the Prefect flows map the same chunk functions over tasks)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from leadflow.bootstrap import unit_of_work
from leadflow.services.pipeline import IntakeResult, process_new_leads
from leadflow.settings import get_rules, get_settings
from leadflow.store.models import Lead


def new_lead_ids(url: str | None = None) -> list[int]:
    """Ids of every lead still waiting for intake, oldest first."""
    with unit_of_work(url=url) as uow:
        return list(uow.session.scalars(select(Lead.id).where(Lead.state == "new")
                                        .order_by(Lead.id)))


def chunks(ids: list[int], size: int) -> list[list[int]]:
    """Split ids into consecutive chunks of at most `size`."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def intake_chunk(ids: list[int], now: dt.datetime, url: str | None = None,
                 actor: str = "intake") -> IntakeResult:
    """Screen, score, grade and assign one chunk in one transaction."""
    with unit_of_work(actor, url=url) as uow:
        result = process_new_leads(uow.session, ids, now, get_rules(), actor)
        uow.commit()
    return result


def process_pending(url: str | None = None, now: dt.datetime | None = None) -> IntakeResult:
    """Run intake on every `new` lead, a chunk at a time."""
    when = now or dt.datetime.now(dt.UTC)
    size = get_settings().chunk_size
    return IntakeResult.combine([intake_chunk(part, when, url)
                                 for part in chunks(new_lead_ids(url), size)])
