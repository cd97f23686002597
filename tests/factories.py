"""Test data in one place: lead records, teams, reps, and a plain stateful object."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from leadflow.store.models import SalesRep, Team
from leadflow.team.reps import add_rep, add_team

_seq = count(1)
# Who is told of a plan that awaits a director (settings.director_recipients in the app).
DIRECTORS = ("directors@example.com",)


def _last_week_monday(today: dt.date) -> dt.datetime:
    """10:00 UTC on the Monday of the week before `today`: always in the past, at most
    two weeks back, so dates the tests build from it fit what the wall clock allows."""
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return dt.datetime.combine(monday, dt.time(10, 0), tzinfo=dt.UTC)


def wall_clock() -> dt.datetime:
    """Now, in UTC: the one place the tests read the wall clock. Use NOW; this is only for a
    test of an entry point that stamps the wall clock itself (a CLI command, an API call, a
    flow), whose times a test cannot pass in (tests/unit/test_tests_clock.py keeps it so)."""
    return dt.datetime.now(dt.UTC)


# The tests' clock, read once: every date a test builds comes from here (a Monday, in
# business hours), so the suite passes on any day, a year from now included. Services that
# read the wall clock themselves (the API, the CLI) see a NOW at most two weeks old.
NOW = _last_week_monday(wall_clock().date())


def lead_record(**overrides: Any) -> dict[str, Any]:
    """A valid, grade-A-ish lead record with a unique contact; override any field."""
    n = next(_seq)
    record: dict[str, Any] = {
        "source": "website_form",
        "company_name": f"Company {n} Ltd",
        "contact_name": f"Contact {n}",
        "email": f"contact{n}@company{n}.example",
        "phone": f"+1 555 {n:03d} {n % 10000:04d}"[:20],
        "need": "replace spreadsheets",
        "region": "east",
        "industry": "retail",
        "company_size": "large",
        "contact_role": "decision_maker",
        "budget_max": 250000,
        "timeline": (NOW.date() + dt.timedelta(days=30)).isoformat(),
    }
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not None}


def team(session: Session, **overrides: Any) -> Team:
    """A team covering the east region by default."""
    data = {
        "name": f"Team {next(_seq)}",
        "manager_name": "Mia Manager",
        "manager_email": "mia@example.com",
        "regions": ["east"],
    }
    data.update(overrides)
    return add_team(session, data)


def rep(session: Session, team_id: int, **overrides: Any) -> SalesRep:
    """A present senior rep with room for 50 leads by default."""
    n = next(_seq)
    data = {
        "name": f"Rep {n}",
        "email": f"rep{n}@example.com",
        "team_id": team_id,
        "seniority": "senior",
        "capacity": 50,
    }
    data.update(overrides)
    return add_rep(session, data)


def taken_in(session: Session, rules: Any, at: dt.datetime, **overrides: Any) -> int:
    """One lead stored and processed by intake (screened, scored, assigned) at `at`."""
    from leadflow.intake.process import process_new_leads
    from leadflow.intake.receive import store_leads

    summary = store_leads(session, [(1, lead_record(**overrides))], "test", rules, now=at)
    process_new_leads(session, summary.lead_ids, at, rules)
    return summary.lead_ids[0]


def negotiating(
    session: Session, rules: Any, at: dt.datetime, record: dict[str, Any] | None = None
) -> int:
    """A lead taken in at `at` and brought to negotiation through the real services, all at
    `at`: contacted by phone, qualified, assessed, its plan (price 300,000-500,000) approved
    by a director. A team covering the lead's region, with a rep, must exist. Returns the
    lead's id."""
    from decimal import Decimal

    from leadflow.intake.process import process_new_leads
    from leadflow.intake.receive import store_leads
    from leadflow.lifecycle import operations as svc
    from leadflow.lifecycle.plans import PlanIn, approve_plan, submit_plan
    from leadflow.rules.facts import OpportunityFacts

    deal = OpportunityFacts(
        urgency="urgent", budget=400_000, competition="parity", decision_chain="medium"
    )
    plan = PlanIn(
        pain_points="slow quoting",
        advantages="local support",
        strategy="pilot first",
        milestones="pilot in a month",
        price_min=Decimal(300_000),
        price_max=Decimal(500_000),
    )
    lead_id = store_leads(session, [(1, record or lead_record())], "test", rules, now=at).lead_ids[
        0
    ]
    process_new_leads(session, [lead_id], at, rules)
    svc.log_activity(session, lead_id, channel="phone", key_points="intro", now=at, rules=rules)
    svc.update_conversion(session, lead_id, intent_stated=True, budget_confirmed=Decimal(400_000))
    svc.fire_trigger(session, lead_id, "qualify", by="t", now=at, rules=rules)
    svc.assess_opportunity(session, lead_id, deal, by="t", now=at, rules=rules)
    submit_plan(session, lead_id, plan, by="t", now=at, rules=rules, directors=DIRECTORS)
    approve_plan(session, lead_id, role="director", by="d", now=at, rules=rules)
    svc.fire_trigger(session, lead_id, "start_negotiation", by="t", now=at, rules=rules)
    return lead_id


def closed_history(
    session: Session, rules: Any, n: int, start: dt.datetime, wins_if: Any, seed: int = 3
) -> list[int]:
    """`n` leads taken in, contacted and closed through the real services, one a day from
    `start`, with a varied channel, role and size; `wins_if(record, rnd)` decides each
    outcome. Returns the lead ids (a team covering the east and two reps are added)."""
    import random
    from decimal import Decimal

    from leadflow.lifecycle import operations as svc
    from leadflow.lifecycle.contract import ContractIn

    rnd = random.Random(seed)
    east = team(session)
    rep(session, east.id, capacity=100_000)
    rep(session, east.id, capacity=100_000, seniority="junior")
    ids = []
    for i in range(n):
        at = start + dt.timedelta(days=i)
        record = lead_record(
            source=rnd.choice(["referral", "website_form", "online_ads"]),
            contact_role=rnd.choice(["decision_maker", "influencer", "user"]),
            company_size=rnd.choice(["small", "medium", "large"]),
        )
        # Every lead walks the same path, so only its facts tell a win from a loss.
        lead_id = negotiating(session, rules, at, record)
        ids.append(lead_id)
        close = at + dt.timedelta(hours=12)
        if wins_if(record, rnd):
            sign(session, lead_id, ContractIn(value=Decimal(400_000)), now=close, rules=rules)
        else:
            svc.fire_trigger(
                session, lead_id, "lose", by="t", now=close, rules=rules, reason="price"
            )
    return ids


def sign(
    session: Session,
    lead_id: int,
    contract: Any = None,
    *,
    now: dt.datetime,
    rules: Any,
    by: str = "t",
    at: dt.datetime | None = None,
    reason: str | None = None,
) -> Any:
    """Win a deal in negotiation the way the rule book asks (seed 001: 拟定合同并提交审批):
    draft the contract (legal named when the terms name nobody), a director approves it,
    then `win` signs it. Returns the won lead."""
    from decimal import Decimal

    from leadflow.lifecycle.contract import ContractIn, draft_contract, win
    from leadflow.lifecycle.contract_approval import approve_contract

    terms = contract.model_dump(exclude_unset=True) if contract else {"value": Decimal(400_000)}
    terms.setdefault("legal_reviewed_by", "legal")
    draft_contract(session, lead_id, ContractIn(**terms), by=by, now=now)
    approve_contract(session, lead_id, role="director", by="director", now=now, rules=rules)
    return win(session, lead_id, by=by, now=now, rules=rules, at=at, reason=reason)
