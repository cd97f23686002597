"""/targets over real HTTP: managers and directors set, everyone reads, the review follows."""

from __future__ import annotations

from leadflow.bootstrap import unit_of_work
from leadflow.review.build import build_review
from leadflow.review.period import Period
from tests.e2e.api_harness import ok, roster
from tests.e2e.test_api_leads import api  # noqa: F401  (the running API fixture)
from tests.integration.test_review import REVIEWED_AT


def test_managers_set_targets_everyone_reads_them(api):  # noqa: F811
    team = roster(api)
    ann, bob = team.rep_ids
    created = team.manager.post(
        "/targets", json={"period": "2026-q3", "rep_id": ann, "revenue": 400000, "new_customers": 4}
    )
    assert created.status_code == 201
    first = created.json()
    assert first == {
        "id": first["id"],
        "period": "2026-Q3",
        "team_id": None,
        "team": None,
        "rep_id": ann,
        "rep": "Ann",
        "revenue": 400000.0,
        "new_customers": 4,
        "repeat_rate": None,
        "valid_leads": {},
        "follow_ups_per_day": None,
        "status": "proposed",
        "proposed_by": "manager:test manager",
        "proposed_at": first["proposed_at"],
        "approved_by": None,
        "approved_at": None,
        "warnings": [],
        "measured": None,
    }
    updated = ok(
        team.director.post(
            "/targets", json={"period": "2026-Q3", "rep_id": ann, "repeat_rate": 0.25}
        ),
        200,
    )
    assert (updated["id"], updated["revenue"], updated["repeat_rate"]) == (
        first["id"],
        400000.0,
        0.25,
    )
    team_target = ok(
        team.director.post(
            "/targets", json={"period": "2026-Q3", "team_id": team.team_id, "revenue": 1000000}
        ),
        201,
    )
    ok(team.manager.post("/targets", json={"period": "2026-09", "rep_id": bob, "revenue": 5}), 201)

    for reader in (team.system, team.reps[1], team.manager):
        listed = ok(reader.get("/targets", params={"period": "2026-Q3"}))
        assert [(t["team"], t["rep"]) for t in listed] == [("East", None), (None, "Ann")]
    assert len(ok(team.system.get("/targets"))) == 3
    assert ok(team.reps[0].get(f"/targets/{team_target['id']}"))["revenue"] == 1000000.0

    with unit_of_work(url=api.url) as uow:
        review = build_review(uow.session, Period.parse("2026-Q3"), REVIEWED_AT)
    (east,) = review.teams
    assert east.target_revenue == 1000000.0 and east.revenue_progress == 0.0
    assert [(r.name, r.target_revenue, r.target_repeat_rate) for r in review.reps] == [
        ("Ann", 400000.0, 0.25),
        ("Bob", None, None),
    ]


def test_refusals_name_the_problem(api):  # noqa: F811
    team = roster(api)
    ann = team.rep_ids[0]
    body = {"period": "2026-Q3", "rep_id": ann, "revenue": 1}
    assert team.system.post("/targets", json=body).status_code == 403
    assert (
        "needs manager or director" in ok(team.reps[0].post("/targets", json=body), 403)["detail"]
    )
    assert api.client().get("/targets").status_code == 401
    assert api.client("not-a-key").post("/targets", json=body).status_code == 401
    both = ok(team.manager.post("/targets", json={**body, "team_id": team.team_id}), 422)
    assert "exactly one team or one rep" in both["detail"]
    assert set(both["errors"]) == {"team_id", "rep_id"}
    bad_period = ok(team.manager.post("/targets", json={**body, "period": "Q3"}), 422)
    assert bad_period["errors"] == {
        "period": "period 'Q3': expected a quarter like 2026-Q3, a month like 2026-09 or an "
        "ISO week like 2026-W49"
    }
    negative = ok(team.manager.post("/targets", json={**body, "revenue": -5}), 422)
    assert "revenue" in negative["errors"]
    rate = ok(team.manager.post("/targets", json={**body, "repeat_rate": 1.5}), 422)
    assert "repeat_rate" in rate["errors"]
    unknown = ok(team.manager.post("/targets", json={**body, "quota": 3}), 422)
    assert "quota" in unknown["errors"]
    missing = ok(team.manager.post("/targets", json={"period": "2026-Q3", "rep_id": 999}), 404)
    assert missing["detail"] == "rep 999 does not exist"
    assert ok(team.manager.get("/targets/999"), 404)["detail"] == "target 999 does not exist"
    assert ok(team.manager.get("/targets", params={"period": "2026-13"}), 422)["errors"] == {
        "period": "period '2026-13': expected a quarter like 2026-Q3, a month like 2026-09 or "
        "an ISO week like 2026-W49"
    }
    assert ok(team.manager.get("/targets")) == []  # nothing refused was stored
