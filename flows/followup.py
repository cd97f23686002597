"""follow-up-reminders and weekly-regrade: the pipeline's hourly and weekly upkeep."""

from __future__ import annotations

from prefect import flow, get_run_logger

from leadflow.flows.common import (
    chunked,
    progress_bar,
    progress_to,
    rename_run,
    stamped,
    table,
    utcnow,
)
from leadflow.services.regrade import RegradeResult
from leadflow.services.reminders import KINDS, ReminderResult, in_business_hours
from leadflow.settings import get_rules, get_settings
from leadflow.tasks.followup import (
    count_open_leads,
    find_due_items,
    flag_dormant,
    list_open_leads,
    regrade_chunk,
    send_reminders,
)
from leadflow.tasks.outbox import send_notifications


@flow(name="follow-up-reminders", flow_run_name=stamped("follow-up-reminders"))
def follow_up_reminders(url: str | None = None, chunk_size: int | None = None,
                        force: bool = False) -> ReminderResult:
    """Remind owners of what is due, escalate what stayed untouched a day, flag dormancy;
    only in business hours unless forced."""
    log = get_run_logger()
    now = utcnow()
    if not force and not in_business_hours(now, get_rules()):
        log.info("outside business hours (config/rules.yaml calendar): nothing sent")
        rename_run("outside business hours")
        return ReminderResult()
    items = find_due_items(now, url)
    size = chunk_size or get_settings().chunk_size
    result = ReminderResult.combine([send_reminders(part, now, url)
                                     for part in chunked(items, size)])
    result.dormant = flag_dormant(now, url)
    table("follow-up-reminders", [
        {"due item": kind, "reminded": result.reminded.get(kind, 0),
         "escalated": result.escalated.get(kind, 0)} for kind in KINDS]
        + [{"due item": "dormant (flagged)", "reminded": result.dormant, "escalated": 0}],
        "Reminders and escalations of the last run")
    sent = sum(result.reminded.values()) + sum(result.escalated.values()) + result.dormant
    if sent:
        send_notifications(url)
    rename_run(f"{sum(result.reminded.values())} reminded, {sum(result.escalated.values())} "
               "escalated")
    return result


@flow(name="weekly-regrade", flow_run_name=stamped("weekly-regrade"))
def weekly_regrade(url: str | None = None, chunk_size: int | None = None) -> RegradeResult:
    """Rescore (with decay when configured) and re-grade leads and opportunities, both ways."""
    size = chunk_size or get_settings().chunk_size
    now = utcnow()
    parts: list[RegradeResult] = []
    total = count_open_leads(url)
    progress = progress_bar(f"weekly-regrade: {total} leads")
    after, done = 0, 0
    while ids := list_open_leads(after, size, url):
        parts.append(regrade_chunk(ids, now, url))
        after, done = ids[-1], done + len(ids)
        progress_to(progress, done, total)
    result = RegradeResult.combine(parts)
    table("weekly-regrade-summary", [{"change": k, "leads": v}
                                     for k, v in sorted(result.counts.items())],
          f"Re-grade: {result.examined} leads examined, {result.rescored} rescored")
    table("weekly-regrade-changes", [c.model_dump() for c in result.changes[:500]],
          "What changed and why (first 500)")
    rename_run(f"{sum(result.counts.values())} changes")
    return result
