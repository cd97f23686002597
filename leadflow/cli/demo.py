"""`leadflow demo`: a quarter of a sales team's leads, end to end, on a fresh SQLite file."""

from __future__ import annotations

import csv
import datetime as dt
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, select

from leadflow.bootstrap import unit_of_work
from leadflow.cli.output import emit, table
from leadflow.demo import generate, story
from leadflow.jobs import intake_chunk
from leadflow.schemas import LEAD_FIELDS
from leadflow.services.files import read_records
from leadflow.services.intake import store_leads
from leadflow.settings import get_rules
from leadflow.store.models import (
    BehaviourEvent,
    Lead,
    OutboxMessage,
    QuarantinedRecord,
    TransitionAudit,
)

QUARTER_DAYS = 91


def _write_csv(path: Path, records: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LEAD_FIELDS))
        writer.writeheader()
        for rec in records:
            writer.writerow({k: (";".join(v) if isinstance(v, list) else v)
                             for k, v in rec.items()})


def _fresh_database(folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (folder / f"leadflow.db{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{(folder / 'leadflow.db').resolve()}"


def run_demo(count: int, seed: int, out: str, as_json: bool) -> dict[str, Any]:
    """Generate, import day by day, run intake, play the quarter, and summarise."""
    began = time.perf_counter()
    folder = Path(out)
    url = _fresh_database(folder)
    rules = get_rules()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    start = now - dt.timedelta(days=QUARTER_DAYS)
    rnd = random.Random(seed)

    with unit_of_work("demo", url=url) as uow:
        story.create_organisation(uow.session, generate.organisation(seed))
        uow.commit()
    records = generate.lead_records(seed, count, start.date())
    csv_path = folder / "leads.csv"
    _write_csv(csv_path, records)

    rows = list(read_records(csv_path))
    per_day = max(1, len(rows) // QUARTER_DAYS)
    imported = Counter[str]()
    for day in range(0, len(rows), per_day):
        arrival = start + dt.timedelta(days=day // per_day, hours=9)
        with unit_of_work("demo-import", url=url) as uow:
            summary = store_leads(uow.session, rows[day:day + per_day], f"import {csv_path.name}",
                                  rules, now=arrival)
            uow.commit()
        imported.update(accepted=summary.accepted, duplicates=summary.duplicates,
                        rejected=summary.rejected)
        if summary.lead_ids:
            with unit_of_work("demo", url=url) as uow:
                for lead_id, kind, at in generate.behaviour(seed + day, summary.lead_ids, arrival):
                    uow.session.add(BehaviourEvent(lead_id=lead_id, kind=kind,
                                                   at=min(at, arrival)))
                uow.commit()
            intake_chunk(summary.lead_ids, arrival + dt.timedelta(minutes=30), url)
            with unit_of_work("demo-reps", url=url) as uow:
                for lead_id in story.assigned_ids(uow.session, summary.lead_ids):
                    lead = uow.session.get(Lead, lead_id)
                    assert lead is not None
                    story.work_lead(uow.session, lead, rnd, now, rules)
                uow.commit()

    result = _summary(url, folder, csv_path, imported, count, seed, start, now)
    result["seconds"] = round(time.perf_counter() - began, 1)
    emit(result, as_json, _text(result))
    return result


def _summary(url: str, folder: Path, csv_path: Path, imported: Counter[str], count: int,
             seed: int, start: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    with unit_of_work(url=url) as uow:
        s = uow.session
        states = dict(s.execute(select(Lead.state, func.count()).group_by(Lead.state)).tuples().all())
        grades = dict(s.execute(select(Lead.grade, func.count()).where(Lead.valid.is_(True))
                                .group_by(Lead.grade)).tuples().all())
        channels = s.execute(select(
            Lead.source, func.count(), func.sum(case((Lead.valid.is_(True), 1), else_=0)),
            func.sum(case((Lead.state == "won", 1), else_=0)),
            func.sum(Lead.contract_value))
            .group_by(Lead.source).order_by(func.count().desc())).all()
        won_value = s.scalar(select(func.sum(Lead.contract_value)).where(Lead.state == "won"))
        valid = s.scalar(select(func.count()).where(Lead.valid.is_(True))) or 0
        queued = s.scalar(select(func.count()).where(Lead.owner_id.is_(None),
                                                     Lead.valid.is_(True))) or 0
        sample = s.scalar(select(Lead.id).where(Lead.state == "won").order_by(Lead.id).limit(1))
        transitions = s.scalar(select(func.count()).select_from(TransitionAudit))
        outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
        quarantined = s.scalar(select(func.count()).select_from(QuarantinedRecord))
    won = states.get("won", 0)
    return {
        "seed": seed, "leads_generated": count, "period": [start.date(), now.date()],
        "database": str((folder / "leadflow.db").resolve()), "leads_file": str(csv_path),
        "imported": dict(imported), "quarantined": quarantined, "valid": valid,
        "manager_queue": queued, "states": states, "grades": grades,
        "won": won, "won_value": float(won_value or 0),
        "conversion_rate": round(won / valid, 4) if valid else 0.0,
        "channels": [{"channel": c, "leads": n, "valid": v or 0, "won": w or 0,
                      "conversion": f"{(w or 0) / v:.1%}" if v else "-",
                      "avg_deal": round(float(value) / w) if w and value else None}
                     for c, n, v, w, value in channels],
        "transitions": transitions, "notifications_queued": outbox, "sample_won_lead": sample,
    }


def _text(r: dict[str, Any]) -> str:
    order = ["new", "screened", "nurturing", "opportunity", "negotiation", "won", "lost"]
    lines = [
        f"LeadFlow demo: {r['leads_generated']} leads from {r['period'][0]} to "
        f"{r['period'][1]} (seed {r['seed']}), {r['seconds']} s",
        f"  imported   {r['imported'].get('accepted', 0)} leads, "
        f"{r['imported'].get('duplicates', 0)} duplicates merged, "
        f"{r['imported'].get('rejected', 0)} rejected (kept in quarantine)",
        f"  screening  {r['valid']} valid (grade A {r['grades'].get('A', 0)}, "
        f"B {r['grades'].get('B', 0)}, C {r['grades'].get('C', 0)}), "
        f"{r['manager_queue']} waiting in a manager queue",
        "  pipeline   " + ", ".join(f"{s} {r['states'].get(s, 0)}" for s in order),
        f"  won        {r['won']} deals worth {r['won_value']:,.0f}; conversion "
        f"(won / valid) {r['conversion_rate']:.1%}",
        f"  recorded   {r['transitions']} transitions, {r['notifications_queued']} "
        "notifications in the outbox",
        "", table(r["channels"], ["channel", "leads", "valid", "won", "conversion", "avg_deal"]),
        "", f"database:   {r['database']}", f"leads file: {r['leads_file']}",
    ]
    if r["sample_won_lead"]:
        lines.append(f"a won deal's story: LEADFLOW_DATABASE_URL=sqlite:///{r['database']} "
                     f"leadflow leads show {r['sample_won_lead']}")
    return "\n".join(lines)


