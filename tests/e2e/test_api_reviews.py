"""/reviews over real HTTP: managers and directors enter and read the review meeting's
conclusions, reps may not; the review as JSON, a team's and a rep's own.

docs/rules.md §9: "a manager or director enters the main success factors, the main
failure factors and the improvement measures for the period, for a team or (naming no
team) for the whole company" and "Each factor given replaces what was entered for it; a
factor not given keeps its points.\""""

from __future__ import annotations

from leadflow.review.period import Period
from tests import factories as f
from tests.e2e.api_harness import ok, roster
from tests.e2e.test_api_leads import api  # noqa: F401  (the running API fixture)


def test_managers_enter_conclusions_and_the_review_shows_them(api):  # noqa: F811
    team = roster(api)
    ann, _bob = team.rep_ids
    week = Period.containing(f.wall_clock(), "week").label
    entered = ok(
        team.manager.post(
            f"/reviews/{week}/notes",
            json={
                "team_id": team.team_id,
                "success": ["Fast first contact"],
                "failure": ["Slow quotes"],
                "improve": ["Quote within a day", "Weekly call"],
            },
        )
    )
    assert (entered["period"], entered["team"]) == (week, "East")
    assert entered["updated_by"].startswith("manager:")
    kept = ok(
        team.director.post(
            f"/reviews/{week.lower()}/notes", json={"team_id": team.team_id, "failure": []}
        )
    )
    assert (kept["success"], kept["failure"], kept["improve"]) == (
        ["Fast first contact"],
        [],
        ["Quote within a day", "Weekly call"],
    )
    ok(team.director.post(f"/reviews/{week}/notes", json={"success": ["Referrals"]}))
    listed = ok(team.manager.get(f"/reviews/{week}/notes"))
    assert [(n["team_id"], n["success"]) for n in listed] == [
        (None, ["Referrals"]),
        (team.team_id, ["Fast first contact"]),
    ]
    only = ok(team.manager.get(f"/reviews/{week}/notes", params={"team_id": team.team_id}))
    assert [n["team"] for n in only] == ["East"]

    review = ok(team.manager.get(f"/reviews/{week}", params={"team_id": team.team_id}))
    assert (review["kind"], review["team"], [n["team"] for n in review["notes"]]) == (
        "week",
        "East",
        [None, "East"],
    )
    assert [(r["name"], r["lost"], r["win_rate"]) for r in review["reps"]] == [
        ("Ann", 0, None),
        ("Bob", 0, None),
    ]
    own = ok(team.reps[0].get(f"/reviews/{week}"))
    assert [r["id"] for r in own["reps"]] == [ann] and own["teams"] == []
    assert own["reps"][0]["open_value"] is not None  # a rep sees its own budgets

    refused = team.reps[0].post(f"/reviews/{week}/notes", json={"success": ["mine"]})
    assert refused.status_code == 403
    assert team.reps[0].get(f"/reviews/{week}/notes").status_code == 403
    assert team.system.get(f"/reviews/{week}").status_code == 403
    nothing = team.manager.post(f"/reviews/{week}/notes", json={"team_id": team.team_id})
    assert nothing.status_code == 422
    assert set(nothing.json()["errors"]) == {"success", "failure", "improve"}
    bad = team.manager.post("/reviews/2025-W53/notes", json={"success": ["x"]})
    assert bad.status_code == 422 and "2025 has ISO weeks 01 to 52" in bad.json()["detail"]
    blank = team.manager.post(f"/reviews/{week}/notes", json={"success": [""]})
    assert blank.status_code == 422 and "success.0" in blank.json()["errors"]
    unknown = team.manager.post(f"/reviews/{week}/notes", json={"team_id": 99, "success": ["x"]})
    assert unknown.status_code == 404 and unknown.json()["detail"] == "team 99 does not exist"
    assert team.manager.get(f"/reviews/{week}", params={"team_id": 99}).status_code == 404
