"""Test data in one place: lead records, teams, reps, and a plain stateful object."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from leadflow.services.reps import add_rep, add_team
from leadflow.store.models import SalesRep, Team

_seq = count(1)
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday


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
    data = {"name": f"Team {next(_seq)}", "manager_name": "Mia Manager",
            "manager_email": "mia@example.com", "regions": ["east"]}
    data.update(overrides)
    return add_team(session, data)


def rep(session: Session, team_id: int, **overrides: Any) -> SalesRep:
    """A present senior rep with room for 50 leads by default."""
    n = next(_seq)
    data = {"name": f"Rep {n}", "email": f"rep{n}@example.com", "team_id": team_id,
            "seniority": "senior", "capacity": 50}
    data.update(overrides)
    return add_rep(session, data)
