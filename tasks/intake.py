"""Intake tasks: list pending leads, and process one chunk in one transaction."""

from __future__ import annotations

import datetime as dt

from leadflow.bootstrap import unit_of_work
from leadflow.intake import pending

# Re-exported: what lead-intake summarises.
from leadflow.intake.process import IntakeResult as IntakeResult
from leadflow.store import queries
from leadflow.task_policy import chunk_name, database_task


@database_task("list-new-leads")
def list_new_leads(url: str | None = None) -> list[int]:
    """Ids of every lead still `new`."""
    with unit_of_work(url=url) as uow:
        return queries.new_lead_ids(uow.session)


@database_task("intake-chunk", chunk_name("intake-chunk"))
def intake_chunk(ids: list[int], now: dt.datetime, url: str | None = None) -> IntakeResult:
    """Dedupe, screen, score, grade and assign one chunk; rerunning it is harmless because
    only leads still `new` are touched."""
    return pending.intake_chunk(ids, now, url)


@database_task("count-new-leads")
def count_new_leads(url: str | None = None) -> int:
    """How many leads are still `new` (a fanned-out intake's progress)."""
    with unit_of_work(url=url) as uow:
        return queries.count_new_leads(uow.session)


@database_task("claim-intake-chunk")
def claim_intake_chunk(
    limit: int, now: dt.datetime, url: str | None = None, actor: str = "intake"
) -> IntakeResult:
    """Claim up to `limit` new leads in the database (skipping what other workers hold) and
    process them in the same transaction."""
    return pending.claim_intake_chunk(limit, now, url, actor)


@database_task("assign-queued-leads")
def assign_queued_leads(now: dt.datetime, url: str | None = None) -> int:
    """Give leads waiting in a manager queue an owner where a rep is now eligible."""
    return pending.assign_queued(now, url)
