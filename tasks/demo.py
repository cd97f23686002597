"""The demo's own steps: set up a fresh database, import a day of leads, let reps work."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from leadflow.bootstrap import unit_of_work
from leadflow.demo import generate, story
from leadflow.intake.receive import store_leads
from leadflow.schemas import ImportSummary
from leadflow.settings import get_rules
from leadflow.store.models import BehaviourEvent, Lead


@task(name="create-organisation", cache_policy=NO_CACHE)
def create_organisation(seed: int, url: str, period: str) -> None:
    """Teams and reps across four regions, seniors and juniors, some away, and their
    targets for the period."""
    with unit_of_work("demo", url=url) as uow:
        story.create_organisation(uow.session, generate.organisation(seed))
        story.set_targets(uow.session, period, random.Random(seed))
        uow.commit()


@task(name="import-day", cache_policy=NO_CACHE, task_run_name="import-day {arrival:%Y-%m-%d}")
def import_day(rows: list[tuple[int, Any]], arrival: dt.datetime, origin: str, seed: int,
               url: str) -> ImportSummary:
    """Store one day's rows (dedupe, merge, quarantine) and the leads' web behaviour."""
    with unit_of_work("demo-import", url=url) as uow:
        summary = store_leads(uow.session, rows, origin, get_rules(), now=arrival)
        for lead_id, kind, at in generate.behaviour(seed, summary.lead_ids, arrival):
            uow.session.add(BehaviourEvent(lead_id=lead_id, kind=kind, at=min(at, arrival)))
        uow.commit()
    return summary


@task(name="work-leads", cache_policy=NO_CACHE, task_run_name="work-leads {arrival:%Y-%m-%d}")
def work_leads(lead_ids: list[int], arrival: dt.datetime, until: dt.datetime, seed: int,
               url: str) -> int:
    """The owners contact, qualify, negotiate, win and lose, through the real services."""
    rnd = random.Random(seed)
    rules = get_rules()
    with unit_of_work("demo-reps", url=url) as uow:
        owned = story.assigned_ids(uow.session, lead_ids)
        for lead_id in owned:
            lead = uow.session.get(Lead, lead_id)
            assert lead is not None
            story.work_lead(uow.session, lead, rnd, until, rules)
        uow.commit()
    return len(owned)


def fresh_database(folder: Path) -> str:
    """An empty SQLite file in the demo folder (the previous run's is removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (folder / f"leadflow.db{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{(folder / 'leadflow.db').resolve()}"
