"""Seeded synthetic data: a sales organisation and a quarter of leads that look real."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from faker import Faker

REGIONS = ["north", "south", "east", "west"]
INDUSTRIES = ["manufacturing", "retail", "healthcare", "finance", "logistics", "education"]
# Share of leads per channel: forms and ads bring volume, referrals bring quality.
CHANNELS = {
    "website_form": 0.30,
    "online_ads": 0.22,
    "trade_show": 0.14,
    "referral": 0.10,
    "partner": 0.08,
    "event_webinar": 0.08,
    "industry_association": 0.04,
    "import": 0.02,
    "other": 0.02,
}
NEEDS = [
    "replace spreadsheets for order tracking",
    "CRM for a 40-person sales team",
    "automate quoting",
    "integrate ERP with e-commerce",
    "field service scheduling",
    "customer portal",
    "reporting for regional managers",
    "lead routing for partners",
]
TAGS = ["price sensitive", "tech oriented", "fast decision", "needs references", "multi-site"]
SHOWS = ["2026 industrial expo", "retail tech summit", "health IT week", "logistics forum"]


@dataclass(frozen=True)
class Organisation:
    """Teams and reps to create, as plain records."""

    teams: list[dict[str, Any]]
    reps: list[dict[str, Any]]


def organisation(seed: int, reps_per_team: int = 6) -> Organisation:
    """One team per region, each with seniors and juniors; a few reps are away."""
    fake = Faker()
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    teams, reps = [], []
    for region in REGIONS:
        manager = fake.name()
        teams.append(
            {
                "name": f"{region.title()} team",
                "manager_name": manager,
                "manager_email": f"{manager.split()[0].lower()}.{region}@example.com",
                "regions": [region],
            }
        )
        for i in range(reps_per_team):
            name = fake.name()
            reps.append(
                {
                    "team": f"{region.title()} team",
                    "name": name,
                    "email": f"{name.split()[0].lower()}.{i}.{region}@example.com",
                    "regions": [region],
                    "industries": rnd.sample(INDUSTRIES, 3) if i >= 2 else [],
                    "seniority": "senior" if i < 2 else "junior",
                    "capacity": rnd.choice([60, 80, 100]) if i < 2 else rnd.choice([120, 150]),
                    "away": rnd.random() < 0.12,
                    "close_rate": round(
                        rnd.uniform(0.15, 0.45) if i < 2 else rnd.uniform(0.05, 0.3), 2
                    ),
                }
            )
    return Organisation(teams=teams, reps=reps)


def _phone(rnd: random.Random) -> str:
    digits = f"{rnd.randint(200, 989)}{rnd.randint(200, 999)}{rnd.randint(1000, 9999)}"
    style = rnd.random()
    if style < 0.4:
        return f"+1 ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if style < 0.7:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"
    return digits


def lead_records(seed: int, count: int, start: dt.date) -> list[dict[str, Any]]:
    """`count` lead records over a quarter from `start`, with ~3% duplicates and ~2% junk."""
    fake = Faker()
    fake.seed_instance(seed)
    rnd = random.Random(seed)
    channels, weights = zip(*CHANNELS.items(), strict=True)
    records: list[dict[str, Any]] = []
    for n in range(count):
        if records and rnd.random() < 0.03:  # the same person again, from another channel
            twin = dict(rnd.choice(records))
            twin["source"] = rnd.choice(channels)
            twin["email"] = str(twin.get("email") or "").upper() or None
            twin.pop("external_id", None)
            records.append({k: v for k, v in twin.items() if v is not None})
            continue
        company = fake.company()
        contact = fake.name()
        source = rnd.choices(channels, weights)[0]
        size = rnd.choices(["small", "medium", "large"], [0.5, 0.35, 0.15])[0]
        budget = None
        if rnd.random() < 0.6:
            base = {"small": 40_000, "medium": 150_000, "large": 600_000}[size]
            budget = round(base * rnd.uniform(0.3, 2.5), -3)
        record: dict[str, Any] = {
            "external_id": f"demo-{seed}-{n}",
            "source": source,
            "company_name": company,
            "contact_name": contact,
            "email": (
                f"{contact.split()[0].lower()}@{company.split()[0].lower().strip(',')}.example"
            ),
            "phone": _phone(rnd) if rnd.random() < 0.7 else None,
            "need": rnd.choice(NEEDS),
            "industry": rnd.choice(INDUSTRIES),
            "company_size": size,
            "employees": {
                "small": rnd.randint(5, 50),
                "medium": rnd.randint(51, 500),
                "large": rnd.randint(501, 20_000),
            }[size],
            "region": rnd.choice(REGIONS),
            "contact_title": rnd.choice(
                ["CEO", "CTO", "Head of Sales", "IT manager", "Operations lead", "Analyst"]
            ),
            "contact_role": rnd.choices(
                ["decision_maker", "influencer", "user", None], [0.3, 0.35, 0.25, 0.1]
            )[0],
            "budget_max": budget,
            "budget_min": round(budget * 0.6, -3) if budget else None,
            # Purchase dates a few weeks to a few months after the lead arrives.
            "timeline": (
                start + dt.timedelta(days=91 * n // count + rnd.randint(15, 200))
            ).isoformat()
            if rnd.random() < 0.55
            else None,
            "tags": rnd.sample(TAGS, rnd.randint(0, 2)),
        }
        if source == "trade_show":
            record["source_detail"] = f"trade show - {rnd.choice(SHOWS)}"
        elif source == "referral":
            record["source_detail"] = f"referral - {fake.company()}"
        if rnd.random() < 0.02:  # junk a sender really posts: kept in quarantine, never lost
            record["source"] = rnd.choice(["fax", ""])
            record.pop("need")
        records.append({k: v for k, v in record.items() if v not in (None, [])})
    return records


def behaviour(
    seed: int, lead_ids: list[int], start: dt.datetime
) -> list[tuple[int, str, dt.datetime]]:
    """Behaviour events: most leads a few page visits, some downloads, few webinars."""
    rnd = random.Random(seed + 1)
    events = []
    for lead_id in lead_ids:
        for kind, mean in (
            ("page_visit", 2.0),
            ("download", 0.6),
            ("webinar", 0.25),
            ("reply", 0.4),
        ):
            for _ in range(min(int(rnd.expovariate(1 / mean)), 6)):
                at = start + dt.timedelta(minutes=rnd.randint(0, 60 * 24 * 30))
                events.append((lead_id, kind, at))
    return events
