"""POST /teams and PATCH /teams/{id} with a `timezone`, over real HTTP: managers and
directors set it (as they create teams), everyone reads it, a bad one is a 422 naming the
field. The app's settings give the default (here Europe/Berlin)."""

from __future__ import annotations

from tests.e2e.api_harness import ok, running_api


def test_teams_carry_a_timezone_over_http(sqlite_url):
    with running_api(sqlite_url, default_timezone="Europe/Berlin") as api:
        director, manager = api.as_role("director"), api.as_role("manager")
        shanghai = ok(
            director.post(
                "/teams",
                json={
                    "manager_email": "mgr@example.com",
                    "name": "Shanghai",
                    "timezone": "Asia/Shanghai",
                },
            ),
            201,
        )
        assert shanghai["timezone"] == "Asia/Shanghai"
        berlin = ok(
            manager.post("/teams", json={"manager_email": "mgr@example.com", "name": "Berlin"}), 201
        )
        assert berlin["timezone"] == "Europe/Berlin"  # the settings' default_timezone
        path = f"/teams/{berlin['id']}"
        moved = ok(manager.patch(path, json={"timezone": "America/New_York"}))
        assert (moved["name"], moved["timezone"]) == ("Berlin", "America/New_York")
        renamed = ok(
            director.patch(
                path,
                json={
                    "manager_email": "mgr@example.com",
                    "name": "New York",
                    "manager_name": "Ned",
                },
            )
        )
        assert (renamed["name"], renamed["manager"], renamed["timezone"]) == (
            "New York",
            "Ned",
            "America/New_York",
        )
        assert ok(manager.patch(path, json={"timezone": None}))["timezone"] == "Europe/Berlin"

        rep_id = ok(
            director.post(
                "/reps",
                json={"email": "li@example.com", "name": "Li", "team_id": shanghai["id"]},
            ),
            201,
        )
        for reader in (api.as_role("rep", rep_id["id"]), api.as_role("system")):
            zones = {t["name"]: t["timezone"] for t in ok(reader.get("/teams"))}
            assert zones == {"Shanghai": "Asia/Shanghai", "New York": "Europe/Berlin"}
            assert reader.patch(path, json={"timezone": "UTC"}).status_code == 403

        bad = ok(manager.patch(path, json={"timezone": "Asia/Shangai"}), 422)
        assert list(bad["errors"]) == ["timezone"]
        assert "'Asia/Shangai' is not an IANA time zone" in bad["errors"]["timezone"]
        bad = ok(
            manager.post(
                "/teams",
                json={"manager_email": "mgr@example.com", "name": "Mars", "timezone": "Mars/Base"},
            ),
            422,
        )
        assert list(bad["errors"]) == ["timezone"]
        assert list(ok(manager.patch(path, json={"regions": ["x"]}), 422)["errors"]) == ["regions"]
        assert ok(manager.patch(path, json={"name": "Shanghai"}), 422)["errors"] == {
            "name": "taken"
        }
        assert manager.patch("/teams/999", json={"timezone": "UTC"}).status_code == 404
        assert ok(manager.get("/teams"))[1]["timezone"] == "Europe/Berlin"  # nothing kept
