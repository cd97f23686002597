"""leadflow-demo: a quarter of a sales team's leads through the real flows."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

from prefect import flow

from leadflow.flows.common import tell, utcnow
from leadflow.flows.followup import follow_up_reminders, weekly_regrade
from leadflow.flows.handoff import delivery_handoff
from leadflow.flows.review import pipeline_review
from leadflow.tasks.demo import (
    create_organisation,
    fresh_database,
    import_day,
    last_quarter,
    leads_file,
    review_files,
    work_leads,
)
from leadflow.tasks.intake import intake_chunk
from leadflow.tasks.ops import OPS_HOOKS


@flow(name="leadflow-demo", flow_run_name="leadflow-demo seed {seed}", **OPS_HOOKS)
def demo_quarter(count: int = 3000, seed: int = 7, out: str = "out/demo") -> dict[str, Any]:
    """Generate a team and last quarter's leads, import them day by day through intake,
    let the reps work them, then run handoff (HTML and Markdown packages), reminders,
    re-grade and the review (HTML, XLSX, Markdown, JSON)."""
    folder = Path(out)
    url = fresh_database(folder)
    now = utcnow()
    quarter = last_quarter(now)
    days = (quarter.end - quarter.start).days
    create_organisation(seed, url, quarter.label)
    csv_path, rows = leads_file(folder, seed, count, quarter.start.date())
    per_day = -(-len(rows) // days)
    imported: Counter[str] = Counter()
    for day in range(days):
        batch = rows[day * per_day : (day + 1) * per_day]
        if not batch:
            break
        arrival = quarter.start + dt.timedelta(days=day, hours=9)
        summary = import_day(batch, arrival, f"import {csv_path.name}", seed + day, url)
        imported.update(
            accepted=summary.accepted, duplicates=summary.duplicates, rejected=summary.rejected
        )
        if summary.lead_ids:
            intake_chunk(summary.lead_ids, arrival + dt.timedelta(minutes=30), url)
            work_leads(summary.lead_ids, arrival, now, seed + day, url)
        tell("days of the quarter", day + 1, days)
    # A win's handoff follows it at once when served (the lead.won trigger), so the packages
    # go out before the reminder pass looks for deals not handed over.
    handoffs = delivery_handoff(url=url, out=str(folder))
    reminders = follow_up_reminders(url=url, force=True)
    regrade = weekly_regrade(url=url)
    review = pipeline_review(period=quarter.label, url=url, out=str(folder))
    return {
        "database": url,
        "seed": seed,
        "leads_file": str(csv_path),
        "quarter": quarter.label,
        "imported": dict(imported),
        "reminded": sum(reminders.reminded.values()),
        "escalated": sum(reminders.escalated.values()),
        "dormant": reminders.dormant,
        "regrade_changes": sum(regrade.counts.values()),
        "handoffs": len(handoffs),
        "review": review.model_dump(mode="json"),
        "review_files": review_files(folder, quarter.label),
    }
