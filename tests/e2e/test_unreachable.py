"""Issue "unattended operation", item 10, no silent rep: a rep or manager without an address
is refused at `reps add` / `teams add` (and POST /reps, /teams) unless no_email says so,
and the ones who cannot be reached are listed (`reps list --unreachable`, GET
/reps?unreachable=true)."""

from __future__ import annotations

from tests.e2e.api_harness import ok
from tests.e2e.cli_harness import run, run_json
from tests.e2e.test_api_leads import sqlite_api  # noqa: F401  (the running API fixture)

MIA = "mia@example.com"


def _refused(args: list[str], env: dict[str, str], field: str) -> str:
    """Run a command that must be refused as bad input naming `field`; its message."""
    proc = run(args, env, ok=False)
    assert proc.returncode == 2 and f"{field}:" in proc.stderr, proc.stderr
    return proc.stderr


def test_the_cli_refuses_people_without_an_address_unless_told(env):
    east = ["teams", "add", "--name", "East", "--region", "east"]
    said = _refused(east, env, "manager_email")
    assert "--no-email" in said
    _refused([*east, "--manager-email", "mia@"], env, "manager_email")
    assert run_json(["teams", "list"], env) == []
    run([*east, "--manager-email", MIA], env)
    run(
        ["teams", "add", "--name", "West", "--region", "west", "--manager", "Wes", "--no-email"],
        env,
    )

    ann = ["reps", "add", "--name", "Ann", "--team", "1"]
    assert "email: required" in _refused(ann, env, "email")
    _refused([*ann, "--email", "ann at example.com"], env, "email")
    _refused([*ann, "--email", "ann@example.com", "--no-email"], env, "no_email")
    assert run_json(["reps", "list"], env) == []  # nothing was added by the refusals
    ann_id = run_json([*ann, "--no-email"], env)["id"]
    bob_id = run_json(["reps", "add", "--name", "Bob", "--team", "1", "--email", "bob@x.org"], env)[
        "id"
    ]

    unreachable = run_json(["reps", "list", "--unreachable"], env)
    assert [(p["role"], p["id"], p["name"], p["team"], p["why"]) for p in unreachable] == [
        ("rep", ann_id, "Ann", "East", "no address"),
        ("manager", 2, "Wes", "West", "no address"),
    ]
    assert "2 cannot be reached" in run(["reps", "list", "--unreachable"], env).stdout

    _refused(["reps", "set", str(ann_id), "--email", "ann@"], env, "email")
    run(["reps", "set", str(ann_id), "--email", "ann@example.com"], env)
    run(["reps", "set", str(bob_id), "--no-email"], env)
    names = [p["name"] for p in run_json(["reps", "list", "--unreachable"], env)]
    assert names == ["Bob", "Wes"]


def test_the_api_refuses_people_without_an_address_unless_told(sqlite_api):  # noqa: F811
    director = sqlite_api.as_role("director")
    errors = ok(director.post("/teams", json={"name": "East"}), 422)["errors"]
    assert list(errors) == ["manager_email"]
    bad = {"name": "East", "manager_email": "mia"}
    assert "manager_email" in ok(director.post("/teams", json=bad), 422)["errors"]
    east = ok(director.post("/teams", json={"name": "East", "manager_email": MIA}), 201)
    ok(director.post("/teams", json={"name": "West", "no_email": True}), 201)

    cy = {"name": "Cy", "team_id": east["id"]}
    assert list(ok(director.post("/reps", json=cy), 422)["errors"]) == ["email"]
    bad = {**cy, "email": "cy@@example.com"}
    assert "email" in ok(director.post("/reps", json=bad), 422)["errors"]
    both = {**cy, "email": "cy@example.com", "no_email": True}
    assert list(ok(director.post("/reps", json=both), 422)["errors"]) == ["no_email"]
    assert ok(director.get("/reps")) == []
    rep = ok(director.post("/reps", json={**cy, "no_email": True}), 201)

    rep_key = sqlite_api.as_role("rep", rep["id"])  # anyone on the team may look
    listed = ok(rep_key.get("/reps", params={"unreachable": "true"}))
    assert [(p["role"], p["name"], p["team"], p["why"]) for p in listed] == [
        ("rep", "Cy", "East", "no address"),
        ("manager", "-", "West", "no address"),
    ]
    assert ok(director.get("/reps"))[0]["name"] == "Cy"  # without the filter: the reps

    patch = {"email": "cy@example.com"}
    ok(director.patch(f"/reps/{rep['id']}", json=patch))
    assert [p["role"] for p in ok(director.get("/reps?unreachable=true"))] == ["manager"]
    gone = {"no_email": True}
    ok(director.patch(f"/reps/{rep['id']}", json=gone))
    assert len(ok(director.get("/reps?unreachable=true"))) == 2
