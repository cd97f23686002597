"""Intake over stored leads a chunk at a time, one unit of work per chunk: the code the
lead-intake tasks wrap, and what the CLI, the demo and the bench run without Prefect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from leadflow.bootstrap import unit_of_work
from leadflow.intake.claims import claim_new_lead_ids
from leadflow.intake.process import IntakeResult, process_new_leads
from leadflow.lifecycle import assign
from leadflow.settings import get_rules, get_settings
from leadflow.store.queries import new_lead_ids


def intake_chunk(
    ids: list[int], now: dt.datetime, url: str | None = None, actor: str = "intake"
) -> IntakeResult:
    """Screen, score, grade and assign the leads of `ids` still `new`, in one transaction."""
    with unit_of_work(actor, url=url) as uow:
        result = process_new_leads(uow.session, ids, now, get_rules(), actor, claims_apart=True)
        uow.commit()
    return result


def claim_intake_chunk(
    limit: int, now: dt.datetime, url: str | None = None, actor: str = "intake"
) -> IntakeResult:
    """Claim up to `limit` new leads and process them in the claiming transaction; a
    processed count of 0 means nothing was left to claim."""
    with unit_of_work(actor, url=url) as uow:
        ids = claim_new_lead_ids(uow.session, limit)
        result = process_new_leads(uow.session, ids, now, get_rules(), actor, claims_apart=True)
        uow.commit()
    return result


def assign_queued(now: dt.datetime, url: str | None = None) -> int:
    """Give queued leads an owner where a rep is now eligible (the intake sweeper's retry);
    returns how many were assigned."""
    with unit_of_work("intake", url=url) as uow:
        assigned = assign.assign_queued(uow.session, now, get_rules())
        uow.commit()
    return len(assigned)


def process_pending(
    url: str | None = None,
    now: dt.datetime | None = None,
    on_progress: Callable[[int, int | None], None] | None = None,
) -> IntakeResult:
    """Run intake on every `new` lead, a chunk at a time, then retry the manager queues;
    `on_progress` hears (leads done, leads to do) after each chunk."""
    when = now or dt.datetime.now(dt.UTC)
    size = get_settings().chunk_size
    with unit_of_work(url=url) as uow:
        ids = new_lead_ids(uow.session)
    results = []
    for i in range(0, len(ids), size):
        results.append(intake_chunk(ids[i : i + size], when, url))
        if on_progress is not None:
            on_progress(min(i + size, len(ids)), len(ids))
    result = IntakeResult.combine(results)
    result.from_queue = assign_queued(when, url)
    return result
