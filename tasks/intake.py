"""Intake tasks: list pending leads, and process one chunk in one transaction."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE

# Re-exported: what lead-intake summarises.
from leadflow.intake.process import IntakeResult as IntakeResult
from leadflow.tasks import chunks
from leadflow.tasks.common import RETRY_DELAYS, chunk_name, retry_on_database_error


@task(
    name="list-new-leads",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
)
def list_new_leads(url: str | None = None) -> list[int]:
    """Ids of every lead still `new`."""
    return chunks.new_lead_ids(url)


@task(
    name="intake-chunk",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
    task_run_name=chunk_name("intake-chunk"),
)
def intake_chunk(ids: list[int], now: dt.datetime, url: str | None = None) -> IntakeResult:
    """Dedupe, screen, score, grade and assign one chunk; rerunning it is harmless because
    only leads still `new` are touched."""
    return chunks.intake_chunk(ids, now, url)


@task(
    name="count-new-leads",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
)
def count_new_leads(url: str | None = None) -> int:
    """How many leads are still `new` (a fanned-out intake's progress)."""
    return chunks.count_new_leads(url)


@task(
    name="claim-intake-chunk",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
)
def claim_intake_chunk(
    limit: int, now: dt.datetime, url: str | None = None, actor: str = "intake"
) -> IntakeResult:
    """Claim up to `limit` new leads in the database (skipping what other workers hold) and
    process them in the same transaction."""
    return chunks.claim_intake_chunk(limit, now, url, actor)


@task(
    name="assign-queued-leads",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
)
def assign_queued_leads(now: dt.datetime, url: str | None = None) -> int:
    """Give leads waiting in a manager queue an owner where a rep is now eligible."""
    return chunks.assign_queued(now, url)
