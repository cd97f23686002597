"""Issue 30 item 4: roles as documented. docs/access.md's route x role table is read as
it is written, held equal to the app's OpenAPI (a new route must get its row), and every
cell is called over real HTTP: `no` is a 403, `yes` never a 401 or 403, `own` and
`created` allowed on the caller's own lead and a 404 on another's. A system key reads
only the leads it created: not another key's, not one added by the CLI."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run
from tests.e2e.test_api_access import ACTION_BODIES, routes

TABLE = Path(__file__).parents[2] / "docs" / "access.md"
ROLES = ("system", "rep", "manager", "director")
CELLS = {"yes", "no", "own", "created"}
ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)` \|(.*)\|$")
# Bodies for routes outside a lead (the role check comes before the body's, so an empty
# body shows the role's answer; these few make an allowed call a real one).
BODIES: dict[str, object] = {"/reps/{rep_id}": {"away": False}}
# Where the rule book refuses within a role (the docs say so under the table): a grade-A
# plan, contract or price is approved by a director, so a manager's key is a 403 there,
# naming the grade rather than the role.
BY_GRADE = {f"/leads/{{lead_id}}/{a}" for a in ("approval", "price-deviation", "contract-approval")}


def documented() -> dict[tuple[str, str], dict[str, str]]:
    """(method, path) -> role -> cell, from the docs' table."""
    matrix: dict[tuple[str, str], dict[str, str]] = {}
    for line in TABLE.read_text().splitlines():
        found = ROW.match(line)
        if found is None:
            continue
        cells = [c.strip() for c in found.group(3).split("|")]
        assert len(cells) == len(ROLES) and set(cells) <= CELLS, line
        key = (found.group(1), found.group(2))
        assert key not in matrix, f"{key} twice in {TABLE.name}"
        matrix[key] = dict(zip(ROLES, cells, strict=True))
    return matrix


def test_the_docs_table_lists_every_route_the_app_has_and_no_other():
    matrix = documented()
    assert set(matrix) == set(routes()), (
        set(routes()) - set(matrix),
        set(matrix) - set(routes()),
    )
    assert {cell for row in matrix.values() for cell in row.values()} == CELLS


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def gone(response: httpx.Response, lead_id: int) -> bool:
    """Whether this is the 404 of a lead the caller may not see (as if it did not exist)."""
    return response.status_code == 404 and f"lead {lead_id} does not exist" in response.text


def test_every_route_answers_each_role_as_the_docs_table_says(api):
    team = roster(api)
    other_system = api.as_role("system")
    mine = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    theirs = ok(other_system.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    owners = {i: ok(team.manager.get(f"/leads/{i}"))["owner"]["id"] for i in (mine, theirs)}
    assert owners[mine] != owners[theirs], owners  # least loaded: one lead each
    spare = ok(
        team.director.post(
            "/reps", json={"name": "Cy", "team_id": team.team_id, "email": "cy@example.com"}
        ),
        201,
    )
    rep = team.reps[team.rep_ids.index(owners[mine])]
    other_rep_id = owners[theirs]
    clients = {"system": team.system, "rep": rep, "manager": team.manager}
    clients["director"] = team.director

    def call(role: str, method: str, path: str, lead_id: int, rep_id: int) -> httpx.Response:
        ids = {"lead_id": lead_id, "rep_id": rep_id, "team_id": team.team_id}
        concrete = re.sub(r"\{([a-z_]+)\}", lambda m: str(ids.get(m.group(1), 1)), path)
        action = path.rsplit("/", 1)[-1]
        body = ACTION_BODIES.get(action) if "{lead_id}" in path else BODIES.get(path, {})
        return clients[role].request(method, concrete, json=body)

    matrix = documented()
    checked = 0
    # Managers last: their assign and delete change the leads and reps the others use.
    for role in ROLES:
        own_rep = owners[mine] if role == "rep" else spare["id"]
        for (method, path), cells in matrix.items():
            cell, what = cells[role], (role, method, path)
            answer = call(role, method, path, mine, own_rep)
            if cell == "no":
                assert answer.status_code == 403, (*what, answer.text)
                assert f"a {role} key may not do this" in answer.json()["detail"], what
            else:
                by_grade = path in BY_GRADE and "grade A" in answer.text
                assert answer.status_code != 401, (*what, answer.text)
                assert answer.status_code != 403 or by_grade, (*what, answer.text)
                assert not gone(answer, mine), (*what, answer.text)
            if cell in ("own", "created") and (method, path) == ("GET", "/leads"):
                assert [i["id"] for i in answer.json()["items"]] == [mine], what
            if cell in ("own", "created") and "{lead_id}" in path:
                refused = call(role, method, path, theirs, own_rep)
                assert gone(refused, theirs), (*what, "another's lead", refused.text)
            if cell == "own" and "{rep_id}" in path:
                refused = call(role, method, path, mine, other_rep_id)
                assert refused.status_code in (403, 404), (*what, refused.text)
            checked += 1
    assert checked == len(ROLES) * len(matrix)


def test_a_system_key_lists_and_reads_only_the_leads_it_created(api, tmp_path):
    team = roster(api)
    other_system = api.as_role("system")
    mine = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    batch = {"leads": [f.lead_record(), f.lead_record()]}
    mine_too = ok(team.system.post("/leads/batch", json=batch), 201)
    their_record = f.lead_record()
    theirs = ok(other_system.post("/leads", json=their_record), 201)["id"]
    by_manager = ok(team.manager.post("/leads", json=f.lead_record()), 201)["id"]
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": api.url,
        "LEADFLOW_LOG_FILE": str(tmp_path / "errors.log"),
    }
    record = f.lead_record()
    options = {"--source": "website_form", "--company": record["company_name"]}
    options |= {"--contact": record["contact_name"], "--email": record["email"]}
    options |= {"--need": record["need"]}
    added = run(["leads", "add", *(w for pair in options.items() for w in pair), "--json"], env)
    by_cli = int(re.search(r'"id": ?(\d+)', added.stdout).group(1))  # type: ignore[union-attr]
    api.process()
    created = {mine, *(item["id"] for item in mine_too["results"])}
    assert len(created) == 3
    listed = {lead["id"] for lead in ok(team.system.get("/leads"))["items"]}
    assert listed == created
    for lead_id in created:
        assert ok(team.system.get(f"/leads/{lead_id}"))["id"] == lead_id
    for lead_id in (theirs, by_manager, by_cli):
        assert gone(team.system.get(f"/leads/{lead_id}"), lead_id), lead_id
        posted = team.system.post(f"/leads/{lead_id}/events", json={"kind": "webinar"})
        assert gone(posted, lead_id), lead_id
    assert {lead["id"] for lead in ok(other_system.get("/leads"))["items"]} == {theirs}
    everything = {lead["id"] for lead in ok(team.manager.get("/leads"))["items"]}
    assert everything == created | {theirs, by_manager, by_cli}
    # A repeat of another's lead is answered with that lead's id, and stays unreadable.
    assert ok(team.system.post("/leads", json=their_record))["id"] == theirs
    assert gone(team.system.get(f"/leads/{theirs}"), theirs)
