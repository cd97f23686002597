"""A sales team's day over real HTTP, on SQLite and PostgreSQL: a lead waits in the manager
queue until a rep is added, its facts are edited, contacts are logged when they happened,
it is planned, approved, negotiated, an objection is answered, the deal is won with its
contract, and the won customer's next inquiry becomes a linked new lead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from leadflow.bootstrap import unit_of_work
from leadflow.review.build import build_review
from leadflow.review.period import Period
from tests import factories as f
from tests.e2e.api_harness import Api, ok, running_api

PLAN = {
    "pain_points": "slow month-end close",
    "advantages": "local team",
    "strategy": "workshop then pilot",
    "milestones": "pilot in 4 weeks",
    "price_min": 1_000_000,
    "price_max": 1_500_000,
}


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with running_api(db_url) as running:
        yield running


def _ago(hours: float) -> str:
    return (f.wall_clock() - dt.timedelta(hours=hours)).isoformat()


def test_a_day_in_the_team_over_http(api):
    director, system = api.as_role("director"), api.as_role("system")
    team = ok(
        director.post(
            "/teams",
            json={
                "name": "East",
                "regions": ["east"],
                "manager_name": "Mia",
                "manager_email": "mia@example.com",
            },
        ),
        201,
    )
    record = f.lead_record(email="jo@acme.example", company_name="Acme", need="CRM for 40")
    lead_id = ok(system.post("/leads", json=record), 201)["id"]
    api.process()
    queued = ok(director.get(f"/leads/{lead_id}"))
    assert (queued["state"], queued["owner"]) == ("screened", None)  # no rep yet: the queue
    assert "manager queue" in queued["assignment_reason"]

    rep_id = ok(
        director.post(
            "/reps",
            json={
                "name": "Ann",
                "team_id": team["id"],
                "seniority": "senior",
                "email": "ann@example.com",
            },
        ),
        201,
    )["id"]
    lead = ok(director.get(f"/leads/{lead_id}"))
    assert (lead["state"], lead["owner"]["id"]) == ("nurturing", rep_id)  # assigned at once
    assert lead["sla"]["first_contact_due"] and lead["sla"]["next_cadence_due"]

    ann = api.as_role("rep", rep_id)
    path = f"/leads/{lead_id}"
    stale = lead["version"]
    edited = ok(
        ann.patch(path, json={"version": stale, "timeline": "2027-03-01", "budget_max": 1_500_000})
    )
    assert edited["version"] > stale and edited["timeline"] == "2027-03-01"
    conflict = ann.patch(path, json={"version": stale, "need": "other"})
    assert conflict.status_code == 409
    assert (
        system.patch(path, json={"version": edited["version"], "budget_max": 1}).status_code == 403
    )
    # A time in the lead's own past: after it came to Ann, and before every request below.
    worked_from = f.wall_clock()
    before = ann.post(
        f"{path}/activities", json={"channel": "phone", "key_points": "intro", "at": _ago(30)}
    )
    assert before.status_code == 422 and f"before lead {lead_id} was created" in before.text
    ok(
        ann.post(
            f"{path}/activities",
            json={"channel": "phone", "key_points": "intro", "at": worked_from.isoformat()},
        ),
        201,
    )
    future = ann.post(
        f"{path}/activities",
        json={"channel": "phone", "key_points": "x", "at": "2099-01-01T00:00:00Z"},
    )
    assert future.status_code == 422 and "future" in future.text
    ok(ann.post(f"{path}/criteria", json={"intent_stated": True, "budget_confirmed": 1_500_000}))
    ok(ann.post(f"{path}/transitions", json={"trigger": "qualify", "at": worked_from.isoformat()}))
    ok(
        ann.post(
            f"{path}/assessment",
            json={
                "urgency": "immediate",
                "budget": 1_500_000,
                "competition": "advantage",
                "decision_chain": "simple",
            },
        ),
        201,
    )
    ok(ann.post(f"{path}/plan", json=PLAN), 201)
    ok(director.post(f"{path}/approval"))
    ok(ann.post(f"{path}/transitions", json={"trigger": "start_negotiation"}))
    objection = ok(
        ann.post(
            f"{path}/objections",
            json={
                "kind": "price",
                "detail": "too dear",
                "key": True,
                "at": worked_from.isoformat(),
            },
        ),
        201,
    )
    ok(
        ann.post(
            f"{path}/objections/{objection['id']}/answer",
            json={
                "response": "phased payment",
                "at": worked_from.isoformat(),  # the moment it was raised: not before
            },
        )
    )
    contract = {
        "value": 1_400_000,
        "payment_terms": "30% upfront",
        "delivery_date": "2027-01-15",
        "promises": ["rollout", "training"],
        "legal_reviewed_by": "Lee",
    }
    ok(ann.put(f"{path}/contract", json=contract))
    ok(director.post(f"{path}/contract-approval"))
    won = ok(ann.post(f"{path}/win", json={"contract": contract}))
    assert won["state"] == "won"

    again = ok(
        system.post("/leads", json={**record, "source": "trade_show", "need": "a second site"}), 201
    )
    assert again["id"] != lead_id  # a won customer's inquiry is a new lead
    api.process()
    repeat = ok(director.get(f"/leads/{again['id']}"))
    assert repeat["repeat_of_id"] == lead_id and repeat["owner"]["id"] == rep_id
    assert [c["id"] for c in repeat["customer"]] == [lead_id]
    first = ok(director.get(path))
    assert first["objections"][0]["response"] == "phased payment"
    assert first["objections"][0]["key"] is True
    assert [t["outcome"] for t in first["touches"]] == ["first touch"]

    now = f.wall_clock()
    with unit_of_work(url=api.url) as uow:
        review = build_review(uow.session, Period.containing(now, "month"), now)
    assert review.won_value == 1_400_000
