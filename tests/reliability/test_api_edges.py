"""The API's edges, each a failure an outside probe found (issue 20), on SQLite and
PostgreSQL: ids outside the storage range, unreadable bodies, the batch's partial failure
and its size, conflicts and database refusals in LeadFlow's words, and length limits in
characters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from leadflow.errors import VersionConflict
from leadflow.schemas import MAX_ID
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.e2e.api_harness import Api, Roster, ok, roster, running_api

pytestmark = pytest.mark.reliability

HUGE = [2**31, MAX_ID + 1, 10**40, 0, -1]
NOT_JSON = [b"\xff\xfe\x00garbage", b'{"name": "x", oops', b'{"name": "a", "name": "b"}']


@pytest.fixture
def edge(db_url: str) -> Iterator[tuple[Api, Roster]]:
    """An API with a team, two reps and a client per role."""
    with running_api(db_url) as api:
        yield api, roster(api)


def _error(response: Any, status: int) -> dict[str, Any]:
    """An ErrorOut answer of this status."""
    body = ok(response, status)
    assert isinstance(body["detail"], str) and body["detail"], body
    return body


def test_ids_no_row_can_have_are_404_in_paths_and_422_in_queries_and_bodies(edge):
    """GET /leads/2147483648 was a 500 on PostgreSQL (32-bit ids), /leads/2^63 on SQLite."""
    api, team = edge
    manager = team.manager
    for huge in HUGE:
        for method, path in [
            ("GET", f"/leads/{huge}"),
            ("GET", f"/targets/{huge}"),
            ("GET", f"/reps/{huge}"),
            ("POST", f"/leads/{huge}/approval"),
            ("PATCH", f"/reps/{huge}"),
            ("DELETE", f"/reps/{huge}"),
            ("POST", f"/quarantine/{huge}/replay"),
        ]:
            assert (
                "does not exist" in _error(manager.request(method, path, json={}), 404)["detail"]
            ), (method, path)
        activity = {"channel": "phone", "key_points": "called"}
        _error(team.reps[0].post(f"/leads/{huge}/activities", json=activity), 404)
    for huge in (MAX_ID + 1, 10**40, -1):
        for query in ("cursor", "owner"):
            body = _error(manager.get("/leads", params={query: huge}), 422)
            assert query in body["errors"]
        target = {"period": "2026-Q3", "rep_id": huge, "revenue": 1}
        assert "rep_id" in _error(manager.post("/targets", json=target), 422)["errors"]
        rep = {"name": "Cy", "team_id": huge}
        assert "team_id" in _error(manager.post("/reps", json=rep), 422)["errors"]
    # Inside the range but naming nothing: the same 404 as an id that cannot exist.
    cy = {"name": "Cy", "team_id": 2**31, "email": "cy@example.com"}
    _error(manager.post("/reps", json=cy), 404)
    _error(api.client().get(f"/leads/{MAX_ID + 1}"), 401)  # the key first


def _body_routes(api: Api) -> list[tuple[str, str]]:
    """Every operation of the OpenAPI that takes a JSON body, ids filled in."""
    spec = api.client().get("/openapi.json").json()
    return [
        (
            method.upper(),
            path.replace("{lead_id}", "1")
            .replace("{rep_id}", "1")
            .replace("{record_id}", "1")
            .replace("{target_id}", "1"),
        )
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if "requestBody" in op
    ]


@pytest.mark.parametrize("raw", NOT_JSON)
def test_a_body_that_is_not_utf8_json_is_422_on_every_route_after_the_key_check(edge, raw):
    """It was a 400 (undeclared) on /teams, /reps, /targets and the lead actions, and a
    system key got it before its 403."""
    api, team = edge
    lead = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    routes = [(m, p.replace("/leads/1/", f"/leads/{lead}/")) for m, p in _body_routes(api)]
    assert len(routes) >= 10
    headers = {"Content-Type": "application/json"}
    for method, path in routes:
        _error(api.client().request(method, path, content=raw, headers=headers), 401)
        answer = team.director.request(method, path, content=raw, headers=headers)
        body = _error(answer, 422)
        assert body["errors"], (method, path, body)
        if path in ("/teams", "/reps", "/targets"):
            _error(team.system.request(method, path, content=raw, headers=headers), 403)


def test_batch_partial_failure_is_207_with_per_item_results_as_declared(edge):
    """An all-rejected batch answered 422 with the batch body, where ErrorOut was declared."""
    api, team = edge
    spec = api.client().get("/openapi.json").json()["paths"]["/leads/batch"]["post"]
    assert spec["responses"]["207"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BatchOut"
    }
    bad = {"source": "fax"}
    every = ok(team.system.post("/leads/batch", json={"leads": [bad, bad]}), 207)
    assert every["rejected"] == 2 and all(r["quarantine_id"] for r in every["results"])
    some = ok(team.system.post("/leads/batch", json={"leads": [f.lead_record(), bad]}), 207)
    assert [r["status"] for r in some["results"]] == ["created", "rejected"]
    ok(team.system.post("/leads/batch", json={"leads": [f.lead_record()]}), 201)


@pytest.mark.slow
def test_the_largest_documented_batch_fits_the_body_limit(edge):
    """1,000 leads of about 4 KB each (4.1 MB) got 413."""
    _api, team = edge
    leads = [f.lead_record(need="n" * 3800, external_id=f"big-{i}") for i in range(1000)]
    body = json.dumps({"leads": leads}).encode()
    assert len(body) > 4_000_000
    out = ok(
        team.system.post(
            "/leads/batch", content=body, headers={"Content-Type": "application/json"}
        ),
        201,
    )
    assert out["accepted"] == 1000


def test_a_version_conflict_names_the_lead_and_what_to_do(db_url, rules):
    """It answered with SQLAlchemy's 'UPDATE statement on table leads expected to update
    1 row(s); 0 were matched'."""
    factory = session_factory(db_url)
    with UnitOfWork(factory) as uow:
        from leadflow.intake.receive import store_leads

        lead_id = store_leads(uow.session, [(1, f.lead_record())], "test", rules).lead_ids[0]
        uow.commit()
    with UnitOfWork(factory) as first, UnitOfWork(factory) as second:
        mine, theirs = (u.session.get(Lead, lead_id) for u in (first, second))
        mine.internal_notes, theirs.internal_notes = "mine", "theirs"
        second.commit()
        with pytest.raises(VersionConflict) as caught:
            first.commit()
    message = str(caught.value)
    assert f"lead {lead_id}" in message and "reload it and retry" in message
    assert "now 'new' at version 2" in message
    assert "UPDATE" not in message and "row(s)" not in message


def test_declared_lengths_are_characters_on_both_backends(edge):
    """300 'ß' (within the declared 300) were refused on PostgreSQL: their case-folded
    dedupe key ('ss' x 300) did not fit its column."""
    api, team = edge
    for name in ("ß" * 300, "\ufdfa" * 300, "😀" * 300):
        lead = ok(team.system.post("/leads", json=f.lead_record(company_name=name)), 201)
        with UnitOfWork(session_factory(api.url)) as uow:
            assert (
                uow.session.scalar(select(Lead.company_name).where(Lead.id == lead["id"])) == name
            )
    again = ok(team.system.post("/leads", json=f.lead_record(company_name="ß" * 300)), 201)
    assert again["id"]  # another person at the same company: a lead of its own
    body = _error(team.system.post("/leads", json=f.lead_record(company_name="ß" * 301)), 422)
    assert "company_name" in body["errors"]


def test_every_route_has_the_shared_contract():
    """New routes get the id check, the body reading and the declared error codes by
    default (the route class of every router): each operation of the OpenAPI declares
    the error codes every route can answer, with ErrorOut."""
    from leadflow.api.app import create_app
    from leadflow.settings import Settings

    spec = create_app(Settings(database_url="sqlite:///unused.db")).openapi()
    operations = [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
    ]
    assert len(operations) >= 25
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for path, method, op in operations:
        codes = op["responses"]
        # /health's 503 is its own answer, "unhealthy", with the report (declared so).
        unavailable = () if path == "/health" else ("503",)
        for code in ("401", "403", "413", "422", *unavailable) + (("404",) if "{" in path else ()):
            assert codes[code]["content"]["application/json"]["schema"] == error, (
                method,
                path,
                code,
            )


def test_the_cli_names_an_id_no_row_can_have_as_missing(sqlite_url):
    """The CLI's ids reach the services unchecked by HTTP: the same NotFound, no crash."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "LEADFLOW_DATABASE_URL": sqlite_url}
    for args in (["leads", "show", str(MAX_ID + 1)], ["reps", "set", str(10**30), "--away"]):
        proc = subprocess.run(
            [sys.executable, "-m", "leadflow.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.returncode == 2 and "does not exist" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
