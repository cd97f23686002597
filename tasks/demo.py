"""The demo's own steps: set up a fresh database, import a day of leads, let reps work."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from leadflow.bootstrap import unit_of_work
from leadflow.demo import generate, story

# Re-exported: the demo flow's folder and calendar (flows import nothing of ours but tasks).
from leadflow.demo.setup import fresh_database as fresh_database
from leadflow.demo.setup import last_quarter as last_quarter
from leadflow.demo.setup import leads_file as leads_file
from leadflow.demo.setup import review_files as review_files
from leadflow.intake.receive import store_leads
from leadflow.schemas import ImportSummary
from leadflow.settings import get_rules, get_settings


@task(name="create-organisation", cache_policy=NO_CACHE)
def create_organisation(seed: int, url: str, period: str) -> None:
    """Teams and reps across four regions, seniors and juniors, some away, and their
    targets for the period."""
    with unit_of_work("demo", url=url) as uow:
        zone = get_settings().default_timezone
        story.create_organisation(uow.session, generate.organisation(seed), zone)
        story.set_targets(uow.session, period, random.Random(seed))
        uow.commit()


@task(name="import-day", cache_policy=NO_CACHE, task_run_name="import-day {arrival:%Y-%m-%d}")
def import_day(
    rows: list[tuple[int, Any]], arrival: dt.datetime, origin: str, seed: int, url: str
) -> ImportSummary:
    """Store one day's rows (dedupe, merge, quarantine) and the leads' web behaviour."""
    with unit_of_work("demo-import", url=url) as uow:
        summary = store_leads(uow.session, rows, origin, get_rules(), now=arrival)
        story.add_behaviour(uow.session, seed, summary.lead_ids, arrival)
        uow.commit()
    return summary


@task(name="work-leads", cache_policy=NO_CACHE, task_run_name="work-leads {arrival:%Y-%m-%d}")
def work_leads(
    lead_ids: list[int], arrival: dt.datetime, until: dt.datetime, seed: int, url: str
) -> int:
    """The owners contact, qualify, negotiate, win and lose, through the real services."""
    with unit_of_work("demo-reps", url=url) as uow:
        worked = story.work_assigned(uow.session, lead_ids, random.Random(seed), until, get_rules())
        uow.commit()
    return worked
