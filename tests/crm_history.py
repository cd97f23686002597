"""A generated CRM history export (deals with owners, dates, stages, values and outcomes)
and its follow-up log, with a fixed seed; and the review's numbers computed from the raw
CSV with the standard library alone, independently of LeadFlow (pandas is not pinned).

Every time lies before `until` (tests pass a time before factories.NOW), so the export
is the past whatever day the suite runs."""

from __future__ import annotations

import csv
import datetime as dt
import random
import statistics
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from faker import Faker

COLUMNS = [
    "Deal ID",
    "Source",
    "Company",
    "Contact Name",
    "Email",
    "Phone",
    "Description",
    "Deal Owner",
    "Stage",
    "Create Date",
    "screened_at",
    "Converted Date",
    "negotiation_at",
    "Close Date",
    "Amount",
    "Loss Reason",
    "录入人",
]
ACTIVITY_COLUMNS = ["Deal ID", "Activity Date", "Type", "Notes", "Next Step"]
SOURCES = ["Website", "Trade Show", "referral", "partner", "online_ads", "展会"]
LOSS_REASONS = ["price", "competitor", "no_budget", "went quiet", "budget frozen", ""]
OPEN = ["screened", "nurturing", "opportunity", "negotiation"]


def _stamp(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")  # as CRMs write them: no zone (read as UTC)


def _deal(
    n: int,
    rnd: random.Random,
    fake: Faker,
    owners: list[str],
    since: dt.datetime,
    until: dt.datetime,
) -> tuple[dict[str, str], dt.datetime]:
    """One deal's row, and the last time it records."""
    span = (until - since).total_seconds()
    created = since + dt.timedelta(seconds=int(rnd.random() * span * 0.9))
    outcome = rnd.choices(["won", "lost", "disqualified", "open"], [30, 30, 5, 35])[0]
    state = rnd.choice(OPEN) if outcome == "open" else "lost" if outcome != "won" else "won"
    times: dict[str, dt.datetime] = {}
    at = created
    steps = {
        "won": ["screened_at", "Converted Date", "negotiation_at", "Close Date"],
        "lost": rnd.choice(
            [["screened_at", "Close Date"], ["screened_at", "Converted Date", "Close Date"]]
        ),
        "disqualified": ["Close Date"],
        "screened": ["screened_at"],
        "nurturing": ["screened_at"],
        "opportunity": ["screened_at", "Converted Date"],
        "negotiation": ["screened_at", "Converted Date", "negotiation_at"],
    }[outcome if outcome != "open" else state]
    for step in steps:
        at = min(at + dt.timedelta(hours=rnd.randint(1, 24 * 40)), until)
        times[step] = at
    closed = state in ("won", "lost")
    row = {
        "Deal ID": f"CRM-{n:05d}",
        "Source": rnd.choice(SOURCES),
        "Company": fake.company(),
        "Contact Name": fake.name(),
        # A closed deal often lost its contact details in the old CRM: none is invented.
        "Email": "" if closed and rnd.random() < 0.3 else f"buyer{n}@example.com",
        "Phone": "",
        "Description": fake.sentence(nb_words=8),
        "Deal Owner": rnd.choice(owners),
        "Stage": {"won": "Closed Won", "lost": "Closed Lost"}.get(state, state),
        "Create Date": _stamp(created),
        **{name: _stamp(when) for name, when in times.items()},
        "Amount": f"{rnd.randint(20_000, 2_000_000)}.{rnd.randint(0, 99):02d}"
        if state == "won"
        else "",
        "Loss Reason": rnd.choice(LOSS_REASONS) if state == "lost" else "",
        "录入人": "old-crm",
    }
    return {c: row.get(c, "") for c in COLUMNS}, at


def write_export(
    folder: Path,
    deals: int,
    owners: list[str],
    since: dt.datetime,
    until: dt.datetime,
    seed: int = 31,
) -> tuple[Path, Path]:
    """Write deals.csv and activities.csv into `folder`; returns their paths."""
    rnd, fake = random.Random(seed), Faker("en_US")
    fake.seed_instance(seed)
    deals_path, log_path = folder / "deals.csv", folder / "activities.csv"
    with (
        deals_path.open("w", newline="", encoding="utf-8") as d,
        log_path.open("w", newline="", encoding="utf-8") as a,
    ):
        rows, log = csv.DictWriter(d, COLUMNS), csv.writer(a)
        rows.writeheader()
        log.writerow(ACTIVITY_COLUMNS)
        for n in range(1, deals + 1):
            row, last = _deal(n, rnd, fake, owners, since, until)
            rows.writerow(row)
            created = _at(row["Create Date"]) or since
            for _ in range(rnd.choice([0, 0, 1, 2, 3])):
                when = created + (last - created) * rnd.random()
                kind = rnd.choice(["phone", "email", "visit", "meeting"])
                log.writerow([row["Deal ID"], _stamp(when), kind, fake.sentence(), "call back"])
    return deals_path, log_path


def _at(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC) if text else None


def expected_review(path: Path, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The review's numbers for [start, end) from the raw export, by the rule book's
    definitions: the cohort is the deals created in the period (valid: past screening,
    i.e. not a deal lost before any later step); won and lost deals are those closed in
    the period (a lost deal counts once it passed screening); the cycle runs from the
    opportunity to the win."""
    created = valid = won = lost = 0
    values: list[Decimal] = []
    cycles: list[float] = []
    reasons: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            stage, made, closed = row["Stage"], _at(row["Create Date"]), _at(row["Close Date"])
            screened = _at(row["screened_at"])
            assert made is not None
            if start <= made < end:
                created += 1
                disqualified = stage == "Closed Lost" and screened is None
                valid += int(not disqualified)
            if closed is None or not start <= closed < end:
                continue
            if stage == "Closed Won":
                won += 1
                values.append(Decimal(row["Amount"]))
                opportunity = _at(row["Converted Date"])
                if opportunity is not None:
                    cycles.append((closed - opportunity).total_seconds() / 86400)
            elif screened is not None:
                lost += 1
                reasons[row["Loss Reason"] or "unknown"] += 1
    total = sum(values, Decimal(0))
    return {
        "total_leads": created,
        "valid_leads": valid,
        "won_deals": won,
        "won_value": float(total),
        "average_deal_size": round(float(total / won), 2) if won else None,
        "average_cycle_days": round(statistics.fmean(cycles), 2) if cycles else None,
        "lost_deals": lost,
        "loss_reasons": dict(reasons),
    }


def review_numbers(review: dict[str, Any]) -> dict[str, Any]:
    """The same numbers as `report review --format json` gives them."""
    keys = ["total_leads", "valid_leads", "won_deals", "won_value", "average_deal_size"]
    return {
        **{k: review[k] for k in keys},
        "average_cycle_days": review["average_cycle_days"],
        "lost_deals": review["lost_deals"],
        "loss_reasons": {r["reason"]: r["count"] for r in review["loss_reasons"]},
    }
