"""lead-intake: every new lead is deduplicated, screened, scored, graded and assigned."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger

from leadflow.flows.common import (
    business_now,
    chunked,
    more_may_come,
    progress_bar,
    progress_to,
    quoted,
    rename_run,
    stamped,
    table,
    utcnow,
    window_end,
)
from leadflow.flows.fanout import INTAKE_WORKER, run_children, should_fan_out
from leadflow.tasks.config import chunk_size as chunk_size_setting
from leadflow.tasks.intake import (
    IntakeResult,
    assign_queued_leads,
    claim_intake_chunk,
    count_new_leads,
    intake_chunk,
    list_new_leads,
)
from leadflow.tasks.ops import OPS_HOOKS
from leadflow.tasks.outbox import send_notifications


@flow(name="lead-intake", flow_run_name=stamped("lead-intake"), **OPS_HOOKS)
def lead_intake(
    chunk_size: int | None = None,
    url: str | None = None,
    max_rounds: int = 100,
    fan_out: int = 0,
    window_from: dt.datetime | None = None,
    as_of: dt.datetime | None = None,
) -> IntakeResult:
    """Screen, score, grade and assign every new lead, a chunk per task, until none is
    left (leads that arrive while it runs are taken in the next round). A run triggered by
    a created-lead event at `window_from` also takes the leads of the rest of that event's
    window. On a work pool with PostgreSQL, a large intake fans out into `fan_out`
    lead-intake-worker runs. Leads are taken in as of `as_of` when given (a backfill,
    which takes no window), else now."""
    log = get_run_logger()
    size = chunk_size_setting(chunk_size)
    now = business_now(as_of, url)
    if should_fan_out(fan_out, url, lambda: count_new_leads(url)):
        summary = _fanned_out(fan_out, size, now, url)
    else:
        summary = _in_process(
            size, now, url, max_rounds, window_end(None if as_of else window_from)
        )
    summary.from_queue = assign_queued_leads(now, url)  # a rep may have become eligible
    table(
        "lead-intake-summary",
        [
            {"metric": k, "value": v}
            for k, v in summary.model_dump().items()
            if not isinstance(v, dict)
        ]
        + [{"metric": f"grade {g}", "value": n} for g, n in sorted(summary.by_grade.items())],
        "What the last intake run did",
    )
    log.info(
        "intake: %d processed, %d assigned, %d to manager queues, %d disqualified, %d duplicates",
        summary.processed,
        summary.assigned,
        summary.queued,
        summary.disqualified,
        summary.duplicates,
    )
    if summary.processed or summary.from_queue:
        send_notifications(url, queued_by=now if as_of else None)
    rename_run(f"{summary.processed} leads")
    return summary


def _in_process(
    size: int, now: dt.datetime, url: str | None, max_rounds: int, until: dt.datetime | None
) -> IntakeResult:
    seen: set[int] = set()
    results: list[IntakeResult] = []
    rounds = 0
    while rounds < max_rounds:
        ids = [i for i in list_new_leads(url) if i not in seen]
        if not ids:
            if more_may_come(until):
                continue
            break
        rounds += 1
        # A lead that came after the run started is worked as of its round, not before
        # it was created.
        now = max(now, utcnow()) if until is not None else now
        seen.update(ids)
        parts = chunked(ids, size)
        progress = progress_bar("lead-intake: chunks done") if len(parts) > 1 else None
        for n, part in enumerate(parts, start=1):
            results.append(intake_chunk(quoted(part), now, url))
            if progress is not None:
                progress_to(progress, n, len(parts), "intake chunks")
    return IntakeResult.combine(results)


def _fanned_out(fan_out: int, size: int, now: dt.datetime, url: str | None) -> IntakeResult:
    total = count_new_leads(url)
    params = {"as_of": now.isoformat(), "chunk_size": size, "url": url}
    results = run_children(
        INTAKE_WORKER,
        [params] * fan_out,
        f"lead-intake: {total} leads over {fan_out} worker runs",
        lambda: (max(0, total - count_new_leads(url)), total),
    )
    return IntakeResult.combine(results)


# The result is persisted: a fanned-out parent reads it from this run's final state.
@flow(
    name="lead-intake-worker",
    flow_run_name=stamped("lead-intake-worker"),
    persist_result=True,
    **OPS_HOOKS,
)
def lead_intake_worker(
    as_of: dt.datetime | None = None,
    chunk_size: int | None = None,
    url: str | None = None,
    max_chunks: int = 100_000,
) -> IntakeResult:
    """Claim chunks of new leads in the database and process them until none is left;
    several of these run at once on different workers and never take a lead twice. They
    work as of `as_of` (the parent's time), else now."""
    size = chunk_size_setting(chunk_size)
    when = business_now(as_of, url)
    results: list[IntakeResult] = []
    for _ in range(max_chunks):
        part = claim_intake_chunk(size, when, url)
        if not part.processed:
            break
        results.append(part)
    summary = IntakeResult.combine(results)
    table(
        "lead-intake-worker",
        [summary.model_dump()],
        f"What this worker run claimed: {len(results)} chunks",
    )
    rename_run(f"{summary.processed} leads in {len(results)} chunks")
    return summary
