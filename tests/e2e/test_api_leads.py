"""The HTTP API over real HTTP: a lead's life from nurturing to won, masking by role,
paging and filters, and the roster endpoints.

Tests taking `db_url` run on SQLite and, when configured, on PostgreSQL too."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api

PLAN = {
    "pain_points": "slow close",
    "advantages": "local team",
    "strategy": "pilot first",
    "milestones": "pilot in May",
    "price_min": 1_000_000,
    "price_max": 1_500_000,
}
SENSITIVE = {
    "budget_min",
    "budget_max",
    "budget_confirmed",
    "decision_chain_notes",
    "internal_notes",
}


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with running_api(db_url) as running:
        yield running


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def test_a_lead_goes_from_nurturing_to_won_over_http(api):
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    lead = ok(team.manager.get(f"/leads/{lead_id}"))
    assert lead["state"] == "nurturing" and lead["owner"]["id"] in team.rep_ids
    assert lead["explanation"]["explain"]["points"] and lead["sla"]["first_contact_due"]
    owner = team.reps[team.rep_ids.index(lead["owner"]["id"])]
    path = f"/leads/{lead_id}"

    scored = ok(team.system.post(f"{path}/events", json={"kind": "webinar"}), 201)
    assert scored["score"] == lead["score"] + 15
    assert (
        ok(
            owner.post(
                f"{path}/activities",
                json={
                    "channel": "phone",
                    "key_points": "budget talk",
                    "next_action": "send proposal",
                    "next_action_due": "2030-01-01T09:00:00Z",
                },
            ),
            201,
        )["lead_id"]
        == lead_id
    )
    refused = ok(owner.post(f"{path}/transitions", json={"trigger": "qualify"}), 409)
    assert "conversion criteria" in refused["reason"]
    illegal = ok(owner.post(f"{path}/transitions", json={"trigger": "win"}), 409)
    assert illegal["allowed"] == ["qualify", "lose"] and illegal["state"] == "nurturing"
    ok(owner.post(f"{path}/criteria", json={"intent_stated": True, "decision_maker_engaged": True}))
    moved = ok(owner.post(f"{path}/transitions", json={"trigger": "qualify"}))
    assert moved["state"] == "opportunity" and "start_negotiation" in moved["allowed_triggers"]

    graded = ok(
        owner.post(
            f"{path}/assessment",
            json={
                "urgency": "immediate",
                "budget": 1200000,
                "competition": "parity",
                "decision_chain": "simple",
            },
        ),
        201,
    )
    assert graded["grade"] == "A"
    assert "no conversion plan" in ok(team.director.post(f"{path}/approval"), 409)["reason"]
    ok(owner.post(f"{path}/plan", json=PLAN), 201)
    assert "director" in ok(team.manager.post(f"{path}/approval"), 403)["detail"]
    assert owner.post(f"{path}/approval").status_code == 403
    assert ok(team.director.post(f"{path}/approval"))["approved_role"] == "director"

    stale = moved["version"]  # the approval moved the lead on since
    conflict = owner.post(
        f"{path}/transitions", json={"trigger": "start_negotiation", "expected_version": stale}
    )
    assert conflict.status_code == 409 and "nothing was saved" in conflict.json()["detail"]
    current = ok(owner.get(path))
    assert current["state"] == "opportunity"
    moved = ok(
        owner.post(
            f"{path}/transitions",
            json={"trigger": "start_negotiation", "expected_version": current["version"]},
        )
    )
    assert moved["state"] == "negotiation"
    objection = ok(
        owner.post(f"{path}/objections", json={"kind": "price", "detail": "too high"}), 201
    )
    ok(
        owner.post(
            f"{path}/objections/{objection['id']}/answer", json={"response": "phased payment"}
        )
    )
    refused = ok(owner.post(f"{path}/transitions", json={"trigger": "win"}), 409)
    assert "/contract" in refused["reason"]
    contract = {"value": 1150000, "payment_terms": "net 30", "promises": ["rollout"]}
    ok(owner.put(f"{path}/contract", json={**contract, "legal_reviewed_by": "Lee"}))
    ok(team.director.post(f"{path}/contract-approval"))
    assert ok(owner.post(f"{path}/win", json={"contract": contract}))["state"] == "won"

    won = ok(owner.get(path))
    assert [t["trigger"] for t in won["transitions"]] == [
        "screen",
        "start_nurturing",
        "qualify",
        "start_negotiation",
        "win",
    ]
    assert won["transitions"][-1]["by"].startswith("rep:")
    assert {"intent_stated", "approved_role"} <= {h["field"] for h in won["history"]}
    assert won["allowed_triggers"] == [] and won["activities"][0]["channel"] == "phone"
    assert float(won["contract_value"]) == 1150000 and won["promised"] == "rollout"
    assert won["objections"][0]["response"] == "phased payment"
    assert won["plan"]["strategy"] == "pilot first"


def test_sensitive_fields_are_masked_by_role(api):
    team = roster(api)
    record = f.lead_record(
        budget_min=100000,
        budget_max=250000,
        internal_notes="walk away below 90k",
        decision_chain_notes="CFO signs",
    )
    lead_id = ok(team.system.post("/leads", json=record), 201)["id"]
    api.process()
    owner_id = ok(team.manager.get(f"/leads/{lead_id}"))["owner"]["id"]
    owner = team.reps[team.rep_ids.index(owner_id)]
    other = team.reps[1 - team.rep_ids.index(owner_id)]

    for client in (owner, team.manager, team.director):
        seen = ok(client.get(f"/leads/{lead_id}"))
        assert seen["masked"] == [] and seen["budget_max"] == "250000.00"
        assert seen["internal_notes"] == "walk away below 90k"
    masked = ok(team.system.get(f"/leads/{lead_id}"))
    assert set(masked["masked"]) == SENSITIVE
    assert all(masked[name] is None for name in SENSITIVE)
    assert masked["company_name"] == record["company_name"]

    assert other.get(f"/leads/{lead_id}").status_code == 404
    assert other.post(f"/leads/{lead_id}/events", json={"kind": "reply"}).status_code == 404
    assert ok(other.get("/leads"))["items"] == []
    assert [i["id"] for i in ok(owner.get("/leads"))["items"]] == [lead_id]
    assert ok(owner.get("/leads", params={"owner": other_id(team, owner_id)}))["items"] == []

    ok(team.manager.post(f"/leads/{lead_id}/criteria", json={"budget_confirmed": 240000}))
    history = ok(team.system.get(f"/leads/{lead_id}"))["history"]
    hidden = [h for h in history if h["field"] == "budget_confirmed"]
    assert hidden and hidden[0]["new"] is None and hidden[0]["masked"]
    shown = [
        h for h in ok(owner.get(f"/leads/{lead_id}"))["history"] if h["field"] == "budget_confirmed"
    ]
    assert float(shown[0]["new"]) == 240000


def other_id(team, owner_id: int) -> int:
    return next(rid for rid in team.rep_ids if rid != owner_id)


def test_list_pages_with_a_cursor_and_filters(api):
    team = roster(api)
    strong = [f.lead_record() for _ in range(5)]
    weak = [
        f.lead_record(
            contact_role="influencer", budget_max=None, timeline=None, company_size="small"
        )
        for _ in range(2)
    ]  # valid, grade C
    ok(team.system.post("/leads/batch", json={"leads": strong + weak}), 201)
    ok(team.system.post("/leads", json=f.lead_record()), 201)
    api.process()
    ok(team.system.post("/leads", json=f.lead_record()), 201)  # stays new

    seen, cursor, pages = [], None, 0
    while True:
        page = ok(
            team.director.get(
                "/leads", params={"limit": 3, **({"cursor": cursor} if cursor else {})}
            )
        )
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 9 and pages == 3

    def ids(**params: object) -> list[int]:
        return [i["id"] for i in ok(team.director.get("/leads", params={**params}))["items"]]

    assert len(ids(state="new")) == 1 and len(ids(state="nurturing")) == 8
    assert len(ids(grade="A")) == 6 and len(ids(grade="C")) == 2
    assert set(ids(priority="high")) <= set(ids(grade="A"))
    by_owner = [len(ids(owner=rid)) for rid in team.rep_ids]
    assert sum(by_owner) == 8 and min(by_owner) >= 3
    assert ids(state="nurturing", owner=team.rep_ids[0], grade="C") == [
        i for i in ids(grade="C") if i in ids(owner=team.rep_ids[0])
    ]
    bad = ok(team.director.get("/leads", params={"state": "pending", "limit": 0}), 422)
    assert set(bad["errors"]) == {"state", "limit"}


def test_reps_and_teams(sqlite_api):
    team = roster(sqlite_api)
    ann, bob = team.rep_ids
    assert [t["name"] for t in ok(team.reps[0].get("/teams"))] == ["East"]
    assert [r["name"] for r in ok(team.system.get("/reps"))] == ["Ann", "Bob"]
    away = ok(team.reps[0].patch(f"/reps/{ann}", json={"away": True}))
    assert away["away"] is True and away["team"] == "East"
    assert team.reps[0].patch(f"/reps/{ann}", json={"capacity": 5}).status_code == 403
    assert team.reps[0].patch(f"/reps/{bob}", json={"away": True}).status_code == 403
    assert ok(team.manager.patch(f"/reps/{bob}", json={"capacity": 5}))["capacity"] == 5
    assert ok(team.manager.get(f"/reps/{bob}"))["capacity"] == 5
    assert (
        "capacity" in ok(team.manager.patch(f"/reps/{bob}", json={"capacity": -1}), 422)["errors"]
    )
    assert team.manager.get("/reps/999").status_code == 404
    east = {"name": "East", "manager_email": "mia@example.com"}
    assert ok(team.manager.post("/teams", json=east), 422)["errors"] == {"name": "taken"}

    ok(team.system.post("/leads", json=f.lead_record()), 201)
    sqlite_api.process()  # Ann is away: Bob owns the lead
    assert "owns 1 lead;" in ok(team.director.delete(f"/reps/{bob}"), 409)["detail"]
    cy = {"name": "Cy", "team_id": team.team_id, "email": "cy@example.com"}
    spare = ok(team.director.post("/reps", json=cy), 201)
    assert team.director.delete(f"/reps/{spare['id']}").status_code == 204
    assert team.director.delete(f"/reps/{ann}").status_code == 409  # her key refers to her
    assert [r["name"] for r in ok(team.director.get("/reps"))] == ["Ann", "Bob"]
