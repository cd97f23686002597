"""Reminder, re-grade and handoff tasks: each opens one unit of work, does one chunk, commits."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from leadflow.bootstrap import unit_of_work
from leadflow.followup import regrade, reminders

# Re-exported: what the follow-up flows summarise (flows import nothing of ours but tasks).
from leadflow.followup.regrade import RegradeResult as RegradeResult
from leadflow.followup.reminders import KINDS as KINDS
from leadflow.followup.reminders import ReminderResult as ReminderResult
from leadflow.handoff import package as handoff
from leadflow.lifecycle import assign
from leadflow.notify import forward
from leadflow.rules.zones import AtWork
from leadflow.settings import get_rules, get_settings
from leadflow.store.queries import lead_id_ranges
from leadflow.task_policy import chunk_name, database_task
from leadflow.team.zones import team_zones


@database_task("find-teams-at-work")
def teams_at_work(now: dt.datetime, url: str | None = None) -> AtWork:
    """The teams whose local clock is in business hours at `now` (each team's time zone)."""
    with unit_of_work(url=url) as uow:
        rules = get_rules()
        return team_zones(uow.session, rules).at_work(now, rules.calendar)


@database_task("find-due-items")
def find_due_items(
    now: dt.datetime, url: str | None = None, working: AtWork | None = None
) -> list[reminders.DueItem]:
    """Everything due at `now` (with `working`, for the leads of the teams at work): SLA,
    follow-up gaps, next actions, objections, cadence, briefs, post-win reviews, handoffs
    not delivered and undelivered assignment notices."""
    with unit_of_work(url=url) as uow:
        return list(reminders.due_items(uow.session, now, get_rules(), working))


@database_task("send-reminders", chunk_name("send-reminders", "items"))
def send_reminders(
    items: list[reminders.DueItem], now: dt.datetime, url: str | None = None
) -> reminders.ReminderResult:
    """Remind or escalate one chunk of due items."""
    with unit_of_work("follow-up-reminders", url=url) as uow:
        result = reminders.remind(
            uow.session, items, now, get_rules(), get_settings().director_recipients
        )
        uow.commit()
    return result


@database_task("flag-dormant")
def flag_dormant(now: dt.datetime, url: str | None = None, working: AtWork | None = None) -> int:
    """Flag leads silent for the dormancy period (with `working`, of the teams at work) and send
    their reactivation plans."""
    with unit_of_work("follow-up-reminders", url=url) as uow:
        ids = reminders.flag_dormant(uow.session, now, get_rules(), working)
        reminders.notify_dormant(uow.session, ids, now, get_rules())
        uow.commit()
    return len(ids)


@database_task("forward-undelivered-notices")
def forward_undelivered_notices(now: dt.datetime, url: str | None = None) -> int:
    """Send notices stuck at a rep's or manager's failing address to who stands in."""
    with unit_of_work("follow-up-reminders", url=url) as uow:
        count = forward.forward_undelivered(uow.session, now, get_rules(), get_settings())
        uow.commit()
    return count


@database_task("escalate-queued-leads")
def escalate_queued_leads(
    now: dt.datetime, url: str | None = None, working: AtWork | None = None
) -> int:
    """Tell each team's manager (with `working`, of the teams at work) about leads waiting too
    long in their queue."""
    with unit_of_work("follow-up-reminders", url=url) as uow:
        count = assign.escalate_waiting(uow.session, now, get_rules(), working)
        uow.commit()
    return count


@database_task("count-open-leads")
def count_open_leads(url: str | None = None) -> int:
    """How many leads the re-grade will look at (for its progress bar)."""
    with unit_of_work(url=url) as uow:
        return regrade.count_open_leads(uow.session)


@database_task("list-open-leads")
def list_open_leads(after_id: int, limit: int, url: str | None = None) -> list[int]:
    """The next page of lead ids that the re-grade looks at."""
    with unit_of_work(url=url) as uow:
        return regrade.open_lead_ids(uow.session, after_id, limit)


@database_task("regrade-chunk", chunk_name("regrade-chunk"))
def regrade_chunk(
    ids: list[int], now: dt.datetime, url: str | None = None
) -> regrade.RegradeResult:
    """Rescore and re-grade one chunk."""
    with unit_of_work("weekly-regrade", url=url) as uow:
        result = regrade.regrade_chunk(uow.session, ids, now, get_rules())
        uow.commit()
    return result


@database_task("list-won-without-handoff")
def list_won_without_handoff(url: str | None = None) -> list[int]:
    """Won deals still waiting for their handoff package."""
    with unit_of_work(url=url) as uow:
        return handoff.won_without_handoff(uow.session)


@database_task("produce-handoffs", chunk_name("produce-handoffs"))
def produce_handoffs(
    ids: list[int], now: dt.datetime, url: str | None = None, folder: Path | None = None
) -> list[tuple[int, str]]:
    """Create the packages for one chunk, write their Markdown and HTML files into `folder`
    (before the commit, so a mail never names a file that is missing), and return
    (lead id, markdown with budgets and notes masked) for the artifacts: anyone with the
    Prefect UI reads those."""
    with unit_of_work("delivery-handoff", url=url) as uow:
        result = handoff.produce_handoffs(
            uow.session, ids, now, get_rules(), get_settings(), folder
        )
        if folder is not None:
            for name, text in result.documents.items():
                (folder / name).write_text(text, encoding="utf-8")
        uow.commit()
    return list(result.restricted.items())


@database_task("open-lead-ranges")
def open_lead_ranges(parts: int, url: str | None = None) -> list[tuple[int, int]]:
    """The re-gradable leads split into id ranges, one per fanned-out worker run."""
    with unit_of_work(url=url) as uow:
        return lead_id_ranges(uow.session, regrade.REGRADED_STATES, parts)
