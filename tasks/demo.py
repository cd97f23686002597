"""The demo's own steps: set up a fresh database, import a day of leads, let reps work."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from leadflow.bootstrap import unit_of_work
from leadflow.demo import generate, story
from leadflow.intake.receive import store_leads
from leadflow.review.export import FORMATS
from leadflow.review.period import Period
from leadflow.schemas import LEAD_FIELDS, ImportSummary
from leadflow.settings import get_rules, get_settings
from leadflow.sheets.files import read_records
from leadflow.store.models import BehaviourEvent, Lead


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
        for lead_id, kind, at in generate.behaviour(seed, summary.lead_ids, arrival):
            uow.session.add(BehaviourEvent(lead_id=lead_id, kind=kind, at=min(at, arrival)))
        uow.commit()
    return summary


@task(name="work-leads", cache_policy=NO_CACHE, task_run_name="work-leads {arrival:%Y-%m-%d}")
def work_leads(
    lead_ids: list[int], arrival: dt.datetime, until: dt.datetime, seed: int, url: str
) -> int:
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


def last_quarter(now: dt.datetime) -> Period:
    """The last complete quarter before `now` (on the default zone's clock, as the demo's
    teams and its review are): the demo's leads arrive over it."""
    return Period.containing(now, "quarter", get_settings().default_timezone).previous()


def leads_file(
    folder: Path, seed: int, count: int, start: dt.date
) -> tuple[Path, list[tuple[int, Any]]]:
    """Write the quarter's generated leads as the team's CSV register (leads.csv), and read
    it back through the import reader, as a team's file would be."""
    path = folder / "leads.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LEAD_FIELDS))
        writer.writeheader()
        for rec in generate.lead_records(seed, count, start):
            writer.writerow(
                {k: (";".join(v) if isinstance(v, list) else v) for k, v in rec.items()}
            )
    return path, list(read_records(path))


def review_files(folder: Path, label: str) -> list[str]:
    """The review's files that pipeline-review writes under `folder`, one per format."""
    return [str(folder / "reviews" / f"review-{label}.{fmt}") for fmt in FORMATS]
