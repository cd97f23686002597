"""Issue 31 item 3 over real HTTP: a team's managers as a list on POST and PATCH /teams,
and POST /teams/import and /reps/import taking a sheet's rows as objects, the same
service as `leadflow teams import` and `leadflow reps import`."""

from __future__ import annotations

from tests.e2e.api_harness import ok, running_api

ROWS = [
    {"office": "East", "region": "east", "manager(s)": "Mia <mia@example.com>; ned@example.com"},
    {"office": "East", "manager(s)": "Oz <oz@example.com>", "agent": "Ann", "email": "ann@x.com"},
    {"office": "West", "manager(s)": "Pat <pat@example>", "agent": "Bo", "email": "bo@x.com"},
]


def test_teams_carry_several_managers_and_import_from_rows_over_http(sqlite_url):
    with running_api(sqlite_url) as api:
        director, manager = api.as_role("director"), api.as_role("manager")
        two = [{"name": "Kai", "email": "kai@example.com"}, {"name": "Lu", "email": None}]
        refused = ok(director.post("/teams", json={"name": "North", "managers": two}), 422)
        assert "managers[2].email" in str(refused)
        north = ok(
            director.post(
                "/teams",
                json={"name": "North", "managers": [two[0], {**two[1], "email": "lu@x.com"}]},
            ),
            201,
        )
        assert (north["manager"], north["manager_email"]) == ("Kai", "kai@example.com")
        assert [m["name"] for m in north["managers"]] == ["Kai", "Lu"]
        path = f"/teams/{north['id']}"
        moved = ok(manager.patch(path, json={"managers": [{"name": "Lu", "email": "lu@x.com"}]}))
        assert (moved["manager"], [m["name"] for m in moved["managers"]]) == ("Lu", ["Lu"])
        both = manager.patch(path, json={"managers": two[:1], "manager_name": "Zed"})
        assert "managers: give either" in str(ok(both, 422))

        dry = ok(manager.post("/teams/import", json={"rows": ROWS, "dry_run": True}))
        assert (dry["created"], [(r["row"], r["field"]) for r in dry["rejected"]]) == (
            1,
            [(3, "manager_s")],
        )
        assert {t["name"] for t in ok(manager.get("/teams"))} == {"North"}
        done = ok(manager.post("/teams/import", json={"rows": ROWS}))
        assert (done["created"], done["dry_run"]) == (1, False)
        (east,) = [t for t in ok(manager.get("/teams")) if t["name"] == "East"]
        assert [m["email"] for m in east["managers"]] == [
            "mia@example.com",
            "ned@example.com",
            "oz@example.com",
        ]
        reps = ok(director.post("/reps/import", json={"rows": ROWS}))
        assert (reps["created"], [(r["row"], r["field"]) for r in reps["rejected"]]) == (
            1,
            [(3, "office")],
        )
        assert reps["skipped"] == 1  # row 1 names the office's managers, no rep
        again = ok(director.post("/reps/import", json={"rows": ROWS}))
        assert (again["created"], again["unchanged"]) == (0, 1)
        rep = api.as_role("rep", 1)
        assert rep.post("/reps/import", json={"rows": ROWS}).status_code == 403
        assert rep.post("/teams/import", json={"rows": ROWS}).status_code == 403
