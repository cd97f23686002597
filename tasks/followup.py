"""Reminder, re-grade and handoff tasks: each opens one unit of work, does one chunk, commits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from leadflow.bootstrap import unit_of_work
from leadflow.followup import regrade, reminders

# Re-exported: what the follow-up flows summarise (flows import nothing of ours but tasks).
from leadflow.followup.regrade import RegradeResult as RegradeResult
from leadflow.followup.reminders import KINDS as KINDS
from leadflow.followup.reminders import ReminderResult as ReminderResult
from leadflow.handoff import package as handoff
from leadflow.settings import get_rules, get_settings
from leadflow.tasks import chunks
from leadflow.tasks.common import RETRY_DELAYS, chunk_name, retry_on_database_error

DB_RETRIES = {"cache_policy": NO_CACHE, "retries": 3, "retry_delay_seconds": RETRY_DELAYS,
              "retry_condition_fn": retry_on_database_error}


@task(name="find-due-items", **DB_RETRIES)
def find_due_items(now: dt.datetime, url: str | None = None) -> list[reminders.DueItem]:
    """Everything due at `now`: SLA, follow-up gaps, next actions, objections, cadence,
    briefs, post-win reviews and undelivered assignment notices."""
    with unit_of_work(url=url) as uow:
        return list(reminders.due_items(uow.session, now, get_rules()))


@task(name="send-reminders", task_run_name=chunk_name("send-reminders", "items"), **DB_RETRIES)
def send_reminders(items: list[reminders.DueItem], now: dt.datetime,
                   url: str | None = None) -> reminders.ReminderResult:
    """Remind or escalate one chunk of due items."""
    with unit_of_work("follow-up-reminders", url=url) as uow:
        result = reminders.remind(uow.session, items, now, get_rules(),
                                  get_settings().director_recipients)
        uow.commit()
    return result


@task(name="flag-dormant", **DB_RETRIES)
def flag_dormant(now: dt.datetime, url: str | None = None) -> int:
    """Flag leads silent for the dormancy period and send their reactivation plans."""
    with unit_of_work("follow-up-reminders", url=url) as uow:
        ids = reminders.flag_dormant(uow.session, now, get_rules())
        reminders.notify_dormant(uow.session, ids, now, get_rules())
        uow.commit()
    return len(ids)


@task(name="escalate-queued-leads", **DB_RETRIES)
def escalate_queued_leads(now: dt.datetime, url: str | None = None) -> int:
    """Tell each team's manager about leads waiting too long in their queue."""
    return chunks.escalate_queue(now, url)


@task(name="count-open-leads", **DB_RETRIES)
def count_open_leads(url: str | None = None) -> int:
    """How many leads the re-grade will look at (for its progress bar)."""
    with unit_of_work(url=url) as uow:
        return regrade.count_open_leads(uow.session)


@task(name="list-open-leads", **DB_RETRIES)
def list_open_leads(after_id: int, limit: int, url: str | None = None) -> list[int]:
    """The next page of lead ids that the re-grade looks at."""
    with unit_of_work(url=url) as uow:
        return regrade.open_lead_ids(uow.session, after_id, limit)


@task(name="regrade-chunk", task_run_name=chunk_name("regrade-chunk"), **DB_RETRIES)
def regrade_chunk(ids: list[int], now: dt.datetime, url: str | None = None
                  ) -> regrade.RegradeResult:
    """Rescore and re-grade one chunk."""
    with unit_of_work("weekly-regrade", url=url) as uow:
        result = regrade.regrade_chunk(uow.session, ids, now, get_rules())
        uow.commit()
    return result


@task(name="list-won-without-handoff", **DB_RETRIES)
def list_won_without_handoff(url: str | None = None) -> list[int]:
    """Won deals still waiting for their handoff package."""
    with unit_of_work(url=url) as uow:
        return handoff.won_without_handoff(uow.session)


@task(name="produce-handoffs", task_run_name=chunk_name("produce-handoffs"), **DB_RETRIES)
def produce_handoffs(ids: list[int], now: dt.datetime, url: str | None = None,
                     folder: Path | None = None) -> list[tuple[int, str]]:
    """Create the packages for one chunk, write their Markdown and HTML files into `folder`
    (before the commit, so a mail never names a file that is missing), and return
    (lead id, markdown with budgets and notes masked) for the artifacts: anyone with the
    Prefect UI reads those."""
    with unit_of_work("delivery-handoff", url=url) as uow:
        result = handoff.produce_handoffs(uow.session, ids, now, get_rules(), get_settings(),
                                          folder)
        if folder is not None:
            for name, text in result.documents.items():
                (folder / name).write_text(text, encoding="utf-8")
        uow.commit()
    return list(result.restricted.items())


@task(name="open-lead-ranges", **DB_RETRIES)
def open_lead_ranges(parts: int, url: str | None = None) -> list[tuple[int, int]]:
    """The re-gradable leads split into id ranges, one per fanned-out worker run."""
    return chunks.open_lead_ranges(parts, url)
