"""Seeded synthetic data with the demo's distributions (leadflow.demo.generate), fast
enough for a million rows: Faker only builds pools of names, and large tables are
written with set-based Core inserts of plain tuples, not through the intake path."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

from faker import Faker
from sqlalchemy import Engine, insert

from leadflow.demo.generate import CHANNELS, INDUSTRIES, NEEDS, REGIONS, TAGS, organisation
from leadflow.demo.story import create_organisation
from leadflow.store.db import session_factory
from leadflow.store.models import Activity, FieldChange, Lead
from leadflow.store.outbound_models import Handoff
from leadflow.store.uow import UnitOfWork

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday, inside business hours
TODAY = NOW.date()
_SIZES = {"small": 0.5, "medium": 0.35, "large": 0.15}
_BUDGET = {"small": 40_000, "medium": 150_000, "large": 600_000}
_ROLES = ["decision_maker", "influencer", "user", None]
_ROLE_WEIGHTS = [0.3, 0.35, 0.25, 0.1]
_INSERT_ROWS = 20_000  # rows per executemany call while seeding


def create_team(url: str, seed: int, leads: int) -> None:
    """The demo's organisation (four regional teams of six), with capacity for `leads`."""
    org = organisation(seed)
    for rep in org.reps:  # room for every lead, so intake does the full assign path
        rep["capacity"] = max(rep["capacity"], leads // len(org.reps) * 2 + 10)
        rep["away"] = False
    with UnitOfWork(session_factory(url), actor="bench") as uow:
        create_organisation(uow.session, org)
        uow.commit()


def _pools(seed: int) -> tuple[list[str], list[str]]:
    fake = Faker()
    fake.seed_instance(seed)
    return [fake.name() for _ in range(3000)], [fake.company() for _ in range(3000)]


def lead_records(seed: int, count: int, start: dt.date = TODAY) -> list[dict[str, Any]]:
    """`count` raw lead records as a sender posts them: ~3% the same person again from
    another channel, ~2% junk (kept in quarantine), the rest valid and distinct."""
    rnd = random.Random(seed)
    names, companies = _pools(seed)
    channels, weights = zip(*CHANNELS.items(), strict=True)
    records: list[dict[str, Any]] = []
    for n in range(count):
        if records and rnd.random() < 0.03:
            twin = dict(rnd.choice(records))
            twin["source"] = rnd.choice(channels)
            twin.pop("external_id", None)
            records.append(twin)
            continue
        contact, company = rnd.choice(names), f"{rnd.choice(companies)} {n}"
        size = rnd.choices(list(_SIZES), list(_SIZES.values()))[0]
        budget = round(_BUDGET[size] * rnd.uniform(0.3, 2.5), -3) if rnd.random() < 0.6 else None
        record: dict[str, Any] = {
            "external_id": f"bench-{seed}-{n}",
            "source": rnd.choices(channels, weights)[0],
            "company_name": company,
            "contact_name": contact,
            "email": f"{contact.split()[0].lower()}.{n}@company{n}.example",
            "phone": f"+1 {rnd.randint(200, 989)} {n:07d}" if rnd.random() < 0.7 else None,
            "need": rnd.choice(NEEDS),
            "industry": rnd.choice(INDUSTRIES),
            "company_size": size,
            "region": rnd.choice(REGIONS),
            "contact_role": rnd.choices(_ROLES, _ROLE_WEIGHTS)[0],
            "budget_max": budget,
            "budget_min": round(budget * 0.6, -3) if budget else None,
            "timeline": (start + dt.timedelta(days=rnd.randint(15, 200))).isoformat()
            if rnd.random() < 0.55
            else None,
            "tags": rnd.sample(TAGS, rnd.randint(0, 2)),
        }
        if rnd.random() < 0.02:
            record["source"] = rnd.choice(["fax", ""])
            record.pop("need")
        records.append({k: v for k, v in record.items() if v not in (None, [])})
    return records


# The lifecycle mix of a mature database: most leads closed, a fifth still being worked.
STATE_MIX = {
    "lost": 0.55,
    "won": 0.2,
    "nurturing": 0.15,
    "opportunity": 0.05,
    "negotiation": 0.03,
    "screened": 0.02,
}
# The same database as a team of 24 reps holds it: their live deals are what people can
# work (about 290 opportunities and 125 negotiations each), not a tenth of a million.
TEAM_MIX = STATE_MIX | {"lost": 0.59, "nurturing": 0.18, "opportunity": 0.007, "negotiation": 0.003}


def _lead_row(
    n: int,
    rnd: random.Random,
    due_share: float,
    reps: int,
    now: dt.datetime = NOW,
    mix: dict[str, float] = STATE_MIX,
) -> dict[str, Any]:
    state = rnd.choices(list(mix), list(mix.values()))[0]
    created = now - dt.timedelta(days=rnd.uniform(1, 720))
    is_open = state not in ("won", "lost")
    due = is_open and rnd.random() < due_share / (1 - mix["won"] - mix["lost"])
    owner = rnd.randint(1, reps)
    size = rnd.choices(list(_SIZES), list(_SIZES.values()))[0]
    contacted = created + dt.timedelta(hours=rnd.uniform(1, 20))
    last = now - dt.timedelta(hours=rnd.uniform(1, 40)) if is_open else contacted
    if due:  # one overdue timer, of a random kind
        kind = rnd.randrange(4)
        contacted_at = None if kind == 0 else contacted
        last = now - dt.timedelta(days=5) if kind == 1 else last
        action_due = now - dt.timedelta(hours=3) if kind == 2 else now + dt.timedelta(days=3)
        cadence = now - dt.timedelta(hours=2) if kind == 3 else now + dt.timedelta(days=4)
    else:
        contacted_at, action_due = (
            contacted,
            (now + dt.timedelta(days=3) if is_open else created + dt.timedelta(days=5)),
        )
        cadence = now + dt.timedelta(days=4) if is_open else created + dt.timedelta(days=7)
    closed = created + dt.timedelta(days=rnd.uniform(10, 90))
    company = rnd.randrange(n) if n and rnd.random() < 0.1 else n
    return {
        # Every tenth lead comes from a company seen before (repeat purchases).
        "source": rnd.choice(list(CHANNELS)),
        "company_name": f"Company {company}",
        "company_key": f"company {company}",
        "contact_name": f"Contact {n}",
        "email": f"c{n}@company{n}.example",
        "need": rnd.choice(NEEDS),
        "industry": rnd.choice(INDUSTRIES),
        "company_size": size,
        "region": rnd.choice(REGIONS),
        "contact_role": rnd.choices(_ROLES, _ROLE_WEIGHTS)[0],
        "budget_max": round(_BUDGET[size] * rnd.uniform(0.3, 2.5), -3),
        "timeline": (created + dt.timedelta(days=rnd.randint(15, 200))).date(),
        "tags": [],
        "state": state,
        "version": 3,
        "owner_id": owner,
        "team_id": (owner - 1) // 6 + 1,
        "valid": state != "lost" or rnd.random() < 0.8,
        "behaviour_score": rnd.randint(0, 30),
        "attribute_score": rnd.randint(10, 60),
        "score": rnd.randint(10, 90),
        "priority": rnd.choice(["high", "medium", "low"]),
        "grade": rnd.choice("ABC"),
        "opportunity_grade": rnd.choice("ABC")
        if state in ("opportunity", "negotiation", "won")
        else None,
        "intent_stated": rnd.random() < 0.4,
        "decision_maker_engaged": rnd.random() < 0.3,
        "dormant": False,
        "created_at": created,
        "updated_at": created,
        "screened_at": created,
        "nurturing_at": created,
        "won_at": closed if state == "won" else None,
        "lost_at": closed if state == "lost" else None,
        "contract_value": round(rnd.uniform(20_000, 900_000), -2) if state == "won" else None,
        "loss_reason": rnd.choice(["price", "competitor", "timing", "no_budget"])
        if state == "lost"
        else None,
        "assigned_at": created,
        "first_contact_due": created + dt.timedelta(hours=24),
        "first_contacted_at": contacted_at,
        "last_contact_at": last,
        "next_action_due": action_due,
        "next_cadence_due": cadence,
        "last_interaction_at": last,
    }


def _worked(row: dict[str, Any], rnd: random.Random) -> None:
    """A seeded lead as a team at work leaves it (see seed_leads)."""
    row |= {"next_action": "Follow up", "invalid_review": None, "invalid_reviewed_at": None}
    if row["state"] == "screened" and rnd.random() < 0.25:
        row |= {"owner_id": None, "assigned_at": None, "first_contact_due": None}
    if row["state"] == "lost" and rnd.random() < 0.1:
        reviewed = row["lost_at"] + dt.timedelta(days=2) if rnd.random() < 0.97 else None
        row |= {"loss_reason": "invalid", "valid": False, "invalid_reviewed_at": reviewed}
        row |= {"invalid_review": "confirmed" if reviewed else None}


def won(ids: range, batch: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The won leads of a batch, with their ids."""
    return ((i, row) for i, row in zip(ids, batch, strict=True) if row["state"] == "won")


def _handoff_row(lead_id: int, won_at: dt.datetime, now: dt.datetime) -> dict[str, Any]:
    """A won deal's handoff, delivered the next day; its post-win review done when due."""
    review_at = won_at + dt.timedelta(days=30)
    return {
        "lead_id": lead_id,
        "created_at": won_at,
        "due_at": won_at + dt.timedelta(days=1),
        "review_due": review_at.date(),
        "reviewed_at": review_at if review_at <= now else None,
        "delivery_owner": "Delivery team",
        "delivered_at": won_at + dt.timedelta(days=1),
        "package": {},
        "markdown": "",
    }


def _batches(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def seed_leads(
    engine: Engine,
    count: int,
    seed: int = 7,
    due_share: float = 0.01,
    activities_per_lead: int = 0,
    reps: int = 24,
    now: dt.datetime = NOW,
    worked: bool = False,
    mix: dict[str, float] = STATE_MIX,
) -> None:
    """`count` stored leads across the lifecycle (with `due_share` of them overdue), their
    activities and grade history, by executemany of Core inserts, a batch per statement;
    the database is as of `now` (the fixed bench moment unless a served clock reads it).
    With `worked`, the leads look worked by a team that keeps up: each has its next
    action, a quarter of the screened leads wait in the manager queue, a tenth of the
    lost were invalid (nearly all of them reviewed), and each won deal has its delivered
    handoff and its post-win review."""
    rnd = random.Random(seed)
    rows = (_lead_row(n, rnd, due_share, reps, now, mix) for n in range(count))
    first_id = 1
    with engine.begin() as conn:
        for batch in _batches(rows, _INSERT_ROWS):
            if worked:
                for row in batch:
                    _worked(row, rnd)
            conn.execute(insert(Lead), batch)
            ids = range(first_id, first_id + len(batch))
            first_id += len(batch)
            if worked:
                conn.execute(
                    insert(Handoff),
                    [_handoff_row(i, row["won_at"], now) for i, row in won(ids, batch)],
                )
            if activities_per_lead:
                conn.execute(
                    insert(Activity),
                    [
                        {
                            "lead_id": i,
                            "rep_id": row["owner_id"],
                            "channel": "phone",
                            "at": row["created_at"] + dt.timedelta(days=k),
                            "key_points": "talked",
                            "logged_at": row["created_at"] + dt.timedelta(days=k),
                        }
                        for i, row in zip(ids, batch, strict=True)
                        for k in range(activities_per_lead)
                    ],
                )
            conn.execute(
                insert(FieldChange),
                [
                    {
                        "lead_id": i,
                        "field": "grade",
                        "old_value": "B",
                        "new_value": row["grade"],
                        "actor": "weekly-regrade",
                        "at": row["created_at"],
                    }
                    for i, row in zip(ids, batch, strict=True)
                    if i % 20 == 0
                ],
            )
