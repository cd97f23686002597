"""follow-up-reminders and weekly-regrade: the pipeline's hourly and weekly upkeep."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from prefect import flow, get_run_logger

from leadflow.flows.common import (
    business_now,
    chunked,
    progress_bar,
    progress_to,
    quoted,
    rename_run,
    stamped,
    table,
)
from leadflow.flows.fanout import REGRADE_WORKER, run_children, should_fan_out
from leadflow.tasks.config import chunk_size as chunk_size_setting
from leadflow.tasks.config import chunks_in_flight, id_pages, overlapped
from leadflow.tasks.followup import (
    KINDS,
    RegradeResult,
    ReminderResult,
    count_open_leads,
    escalate_queued_leads,
    find_due_items,
    flag_dormant,
    forward_undelivered_notices,
    list_open_leads,
    open_lead_ranges,
    regrade_chunk,
    send_reminders,
    teams_at_work,
)
from leadflow.tasks.ops import OPS_HOOKS
from leadflow.tasks.outbox import send_notifications


@flow(name="follow-up-reminders", flow_run_name=stamped("follow-up-reminders"), **OPS_HOOKS)
def follow_up_reminders(
    url: str | None = None,
    chunk_size: int | None = None,
    force: bool = False,
    as_of: dt.datetime | None = None,
) -> ReminderResult:
    """Remind owners of what is due, escalate what stayed untouched a day, flag dormancy,
    forward notices stuck at failing addresses; each lead's only in its team's business
    hours (the team's time zone) unless forced. All of it as of `as_of` when given (a
    backfill of a missed run), else now."""
    log = get_run_logger()
    now = business_now(as_of, url)
    working = None if force else teams_at_work(now, url)
    if working is not None and not working.anyone:
        log.info("outside every team's business hours (config/rules.yaml calendar): nothing sent")
        rename_run("outside business hours")
        return ReminderResult()
    items = find_due_items(now, url, working)
    size = chunk_size_setting(chunk_size)
    result = ReminderResult.combine(
        [send_reminders(part, now, url) for part in chunked(items, size)]
    )
    result.dormant = flag_dormant(now, url, working)
    waiting = escalate_queued_leads(now, url, working)
    if waiting:
        result.escalated["queue_wait"] = waiting
    forwarded = forward_undelivered_notices(now, url)
    if forwarded:
        result.escalated["undelivered"] = forwarded
    table(
        "follow-up-reminders",
        [
            {
                "due item": kind,
                "reminded": result.reminded.get(kind, 0),
                "escalated": result.escalated.get(kind, 0),
            }
            for kind in KINDS
        ]
        + [
            {"due item": "dormant (flagged)", "reminded": result.dormant, "escalated": 0},
            {"due item": "waiting in a manager queue", "reminded": 0, "escalated": waiting},
            {
                "due item": "notice to a failing address (forwarded)",
                "reminded": 0,
                "escalated": forwarded,
            },
        ],
        "Reminders and escalations of the last run",
    )
    sent = sum(result.reminded.values()) + sum(result.escalated.values()) + result.dormant
    if sent:
        send_notifications(url, queued_by=now if as_of else None)
    rename_run(
        f"{sum(result.reminded.values())} reminded, {sum(result.escalated.values())} escalated"
    )
    return result


@flow(name="weekly-regrade", flow_run_name=stamped("weekly-regrade"), **OPS_HOOKS)
def weekly_regrade(
    url: str | None = None,
    chunk_size: int | None = None,
    fan_out: int = 0,
    as_of: dt.datetime | None = None,
) -> RegradeResult:
    """Rescore (with decay when configured) and re-grade leads and opportunities, both ways,
    as of `as_of` when given, else now; on a work pool with PostgreSQL, a large re-grade
    fans out into `fan_out` regrade-worker runs, each over its own range of lead ids."""
    size = chunk_size_setting(chunk_size)
    now = business_now(as_of, url)
    total = count_open_leads(url)
    if should_fan_out(fan_out, url, lambda: total):
        ranges = open_lead_ranges(fan_out, url)
        found = run_children(
            REGRADE_WORKER,
            [
                {
                    "first_id": lo,
                    "last_id": hi,
                    "as_of": now.isoformat(),
                    "chunk_size": size,
                    "url": url,
                }
                for lo, hi in ranges
            ],
            f"weekly-regrade: {total} leads over {len(ranges)} worker runs",
        )
        result = RegradeResult.combine(found)
    else:
        result = _regrade_range(
            0, None, now, size, url, progress_bar(f"weekly-regrade: {total} leads"), total
        )
    table(
        "weekly-regrade-summary",
        [{"change": k, "leads": v} for k, v in sorted(result.counts.items())],
        f"Re-grade: {result.examined} leads examined, {result.rescored} rescored",
    )
    table(
        "weekly-regrade-changes",
        [c.model_dump() for c in result.changes[:500]],
        "What changed and why (first 500)",
    )
    rename_run(f"{sum(result.counts.values())} changes")
    return result


def _regrade_range(
    first_id: int,
    last_id: int | None,
    now: dt.datetime,
    size: int,
    url: str | None,
    progress: UUID | None,
    total: int,
) -> RegradeResult:
    """Re-grade the open leads with ids from first_id to last_id, a page per task (two at
    once on PostgreSQL); results are added up as they come, so memory stays flat however
    many leads there are."""
    pages = id_pages(
        lambda after: [
            i for i in list_open_leads(after, size, url) if last_id is None or i <= last_id
        ],
        first_id - 1,
    )
    result = RegradeResult()
    for found in overlapped(
        pages, lambda ids: regrade_chunk.submit(quoted(ids), now, url), chunks_in_flight(url)
    ):
        result = RegradeResult.combine([result, found])
        if progress is not None:
            progress_to(progress, result.examined, total, "re-graded leads")
    return result


# The result is persisted: a fanned-out parent reads it from this run's final state.
@flow(
    name="regrade-worker", flow_run_name=stamped("regrade-worker"), persist_result=True, **OPS_HOOKS
)
def regrade_worker(
    first_id: int,
    last_id: int,
    as_of: dt.datetime | None = None,
    chunk_size: int | None = None,
    url: str | None = None,
) -> RegradeResult:
    """Re-grade one range of lead ids as of `as_of` (the parent's time), else now: a
    fanned-out weekly-regrade's share of the work."""
    size = chunk_size_setting(chunk_size)
    result = _regrade_range(first_id, last_id, business_now(as_of, url), size, url, None, 0)
    kept = result.model_copy(update={"changes": result.changes[:500]})
    # What this worker did, as one row (as lead-intake-worker does): for the UI, and for
    # anyone auditing a fanned-out re-grade's children.
    table(
        "regrade-worker", [kept.model_dump(mode="json")], f"Re-grade of leads {first_id}-{last_id}"
    )
    rename_run(f"{result.examined} leads {first_id}-{last_id}")
    return kept
