"""delivery-handoff: one package per won deal, to delivery and the managers."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger

from leadflow.flows.common import (
    business_now,
    chunked,
    markdown,
    more_may_come,
    rename_run,
    stamped,
    table,
    utcnow,
    window_end,
)
from leadflow.tasks.config import output_dir
from leadflow.tasks.followup import list_won_without_handoff, produce_handoffs
from leadflow.tasks.ops import OPS_HOOKS
from leadflow.tasks.outbox import send_notifications

CHUNK = 200  # packages per task: each reads a lead's whole history


@flow(name="delivery-handoff", flow_run_name=stamped("delivery-handoff"), **OPS_HOOKS)
def delivery_handoff(
    url: str | None = None,
    max_rounds: int = 20,
    out: str | None = None,
    window_from: dt.datetime | None = None,
    as_of: dt.datetime | None = None,
) -> list[int]:
    """Produce the missing handoff packages (Markdown and HTML in `out`/handoffs) and mail
    them; rerunning never makes a second one. A run triggered by a won-deal event at
    `window_from` also takes the deals won in the rest of that event's window. All of it
    as of `as_of` when given (a backfill, which takes no window), else now."""
    log = get_run_logger()
    now = business_now(as_of, url)
    until = window_end(None if as_of else window_from)
    folder = output_dir(out, "handoffs")
    produced: list[int] = []
    seen: set[int] = set()
    rounds = 0
    while rounds < max_rounds:
        ids = [i for i in list_won_without_handoff(url) if i not in seen]
        if not ids:
            if more_may_come(until):
                continue
            break
        rounds += 1
        now = max(now, utcnow()) if until is not None else now
        seen.update(ids)
        for part in chunked(ids, CHUNK):
            for lead_id, restricted in produce_handoffs(part, now, url, folder):
                # Anyone with the Prefect UI sees artifacts: budgets and notes stay masked.
                markdown(
                    f"handoff-lead-{lead_id}",
                    restricted,
                    f"Handoff package of lead {lead_id} (budgets and notes masked)",
                )
                produced.append(lead_id)
    table("delivery-handoff", [{"lead": i} for i in produced], "Handoffs produced by this run")
    log.info("%d handoff packages produced", len(produced))
    send_notifications(url, queued_by=now if as_of else None)
    rename_run(f"{len(produced)} handoffs")
    return produced


@flow(name="send-notifications", flow_run_name=stamped("send-notifications"), **OPS_HOOKS)
def deliver_notifications(url: str | None = None, as_of: dt.datetime | None = None) -> int:
    """Deliver what waits in the outbox (retries of failed mail included); a run as of a
    past time (`as_of`) delivers only what was queued by then."""
    now = business_now(as_of, url)
    result = send_notifications(url, queued_by=now if as_of else None)
    rename_run(f"{result.sent} sent")
    return result.sent
