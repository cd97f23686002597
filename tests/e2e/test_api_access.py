"""Access over real HTTP, for every route the app has (enumerated, so a new endpoint is
covered the day it is added): missing, wrong and revoked keys are refused; a rep can
neither read nor change another rep's lead; keys are never stored or logged in clear;
sensitive fields stay masked in API answers and in `leadflow leads show/list --json`."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select

from leadflow.api.app import create_app
from leadflow.bootstrap import unit_of_work
from leadflow.rules.vocab import SENSITIVE
from leadflow.settings import Settings
from leadflow.store.auth_models import ApiKey
from leadflow.store.models import Base, Lead
from leadflow.team.keys import revoke_key
from tests import factories as f
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run

PUBLIC = {"/docs", "/docs/oauth2-redirect", "/openapi.json"}
# Without a key these answer a little (GET /health: healthy or not); a bad key is a 401.
KEYLESS_MINIMUM = {"/health": {"healthy", "checked_at"}}
SECRET = {
    "budget_max": 987654,
    "budget_min": 876543,
    "internal_notes": "walk-away-price-X1",
    "decision_chain_notes": "cfo-signs-Y2",
}
# A valid body for each action on a lead, so that refusals are about access, not shape.
ACTION_BODIES: dict[str, object] = {
    "events": {"kind": "webinar"},
    "activities": {"channel": "phone", "key_points": "call"},
    "transitions": {"trigger": "lose", "reason": "competitor"},
    "objections": {"kind": "price", "detail": "too high"},
    "assessment": {
        "urgency": "immediate",
        "budget": 1000,
        "competition": "parity",
        "decision_chain": "simple",
    },
    "approval": None,
    "price-deviation": {"value": 900, "reason": "competitor matched"},
    "criteria": {"intent_stated": True},
    "brief": {"text": "scope, team, plan"},
    "win-review": {"notes": "went well"},
    "handoff": {"delivery_owner": "Dee Delivery"},
    "win": {"contract": {"value": 1000}},
    "contract": {"value": 1000},
    "contract-approval": None,
    "answer": {"response": "phased payment"},
    "assign": {"rep_id": 1},
    "invalid-review": {"decision": "confirm"},
    "check": {"ok": True},
    "grade-confirmation": {},
    "minutes": {"held_at": "2026-01-05T10:00:00+00:00", "agreed": ["x"], "confirmed_by": "王经理"},
    "verify": None,
    "stage": {"stage": "技术评估阶段"},
    "plan": {
        "pain_points": "p",
        "advantages": "a",
        "strategy": "s",
        "milestones": "m",
        "price_min": 1000,
        "price_max": 2000,
    },
    "{lead_id}": {"version": 1, "need": "changed"},  # PATCH (GET ignores it)
}


def routes() -> list[tuple[str, str]]:
    """(method, path) of every operation the app publishes (its OpenAPI paths: FastAPI
    lists every route there unless it is hidden, and none is)."""
    app = create_app(Settings(database_url="sqlite://"))
    found = [
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        for method in ops
        if path not in PUBLIC
    ]
    hidden = [
        r
        for r in app.routes
        if getattr(r, "include_in_schema", True) is False and getattr(r, "path", "") not in PUBLIC
    ]
    assert len(found) >= 20 and hidden == [], (found, hidden)
    return found


def concrete(path: str, lead_id: int = 1) -> str:
    return re.sub(r"\{[a-z_]+\}", str(lead_id), path)


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with running_api(db_url) as running:
        yield running


def test_every_route_refuses_missing_wrong_and_revoked_keys(api):
    token = api.key("director")
    with unit_of_work(url=api.url) as uow:
        revoke_key(uow.session, uow.session.scalar(select(ApiKey.id)))
        uow.commit()
    callers = {
        "missing": api.client(),
        "wrong": api.client("lfk_" + "x" * 43),
        "sql": api.client("' OR '1'='1' --"),
        "revoked": api.client(token),
        "revoked in X-API-Key": api.client(token, header="x-api-key"),
    }
    checked = 0
    for method, path in routes():
        for why, client in callers.items():
            response = client.request(method, concrete(path), json={})
            if why == "missing" and path in KEYLESS_MINIMUM:
                assert set(response.json()) == KEYLESS_MINIMUM[path], response.text
                continue
            assert response.status_code == 401, (why, method, path, response.text)
            assert "valid API key" in response.json()["detail"]
            checked += 1
    assert checked >= 100


def test_a_rep_can_neither_read_nor_change_another_reps_lead(api):
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json=f.lead_record(**SECRET)), 201)["id"]
    api.process()
    owner_id = ok(team.manager.get(f"/leads/{lead_id}"))["owner"]["id"]
    other = team.reps[1 - team.rep_ids.index(owner_id)]
    before = ok(team.director.get(f"/leads/{lead_id}"))
    lead_routes = [(m, p) for m, p in routes() if "{lead_id}" in p]
    assert len(lead_routes) >= 8
    for method, path in lead_routes:
        action = path.rsplit("/", 1)[-1]
        body = ACTION_BODIES[action] if action in ACTION_BODIES else None
        assert action in ACTION_BODIES, (
            f"a new lead route {path}: add a valid body to ACTION_BODIES"
        )
        response = other.request(method, concrete(path, lead_id), json=body)
        assert response.status_code in (403, 404), (method, path, response.text)
        assert "987654" not in response.text and "walk-away" not in response.text
    after = ok(team.director.get(f"/leads/{lead_id}"))
    assert (after["version"], after["state"], after["history"], after["score"]) == (
        before["version"],
        before["state"],
        before["history"],
        before["score"],
    )
    assert ok(other.get("/leads"))["items"] == []
    masked = team.system.get(f"/leads/{lead_id}")
    assert set(masked.json()["masked"]) == set(SENSITIVE)
    for value in ("987654", "876543", "walk-away-price-X1", "cfo-signs-Y2"):
        assert value not in masked.text  # not in the fields, history or explanation


def test_keys_are_never_stored_or_logged_in_clear(sqlite_url, tmp_path: Path, caplog):
    caplog.set_level(logging.DEBUG)
    log_file = tmp_path / "errors.log"
    env = {**os.environ, "LEADFLOW_DATABASE_URL": sqlite_url, "LEADFLOW_LOG_FILE": str(log_file)}
    issued = run(["keys", "create", "--role", "director", "--json"], env)
    token = json.loads(issued.stdout)["key"]
    with running_api(sqlite_url) as api:
        client = api.client(token)
        ok(client.get("/leads"))
        ok(client.post("/leads", json=f.lead_record()), 201)
        client.post("/leads", content=b"{oops")  # a quarantined request
        client.get("/leads/999")
        api.client(token + "x").get("/leads")  # a near miss
    listed = run(["keys", "list", "--json"], env)
    secret_part = token.split("_", 1)[-1]
    assert secret_part not in listed.stdout + listed.stderr + issued.stderr
    assert secret_part not in caplog.text
    assert not log_file.exists() or secret_part not in log_file.read_text()
    with unit_of_work(url=sqlite_url) as uow:  # every text column of every table
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in uow.session.execute(select(*columns)) if columns else []:
                assert not any(secret_part in str(v) for v in row), table.name


def test_cli_show_and_list_keep_sensitive_fields_masked(sqlite_url, tmp_path: Path):
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": sqlite_url,
        "LEADFLOW_LOG_FILE": str(tmp_path / "errors.log"),
    }

    def cli(*args: str) -> str:
        return run(["leads", *args], env).stdout

    with unit_of_work("test", url=sqlite_url) as uow:
        from leadflow.intake.receive import store_leads
        from leadflow.settings import get_rules

        lead_id = store_leads(
            uow.session, [(1, f.lead_record(**SECRET))], "t", get_rules()
        ).lead_ids[0]
        uow.commit()
    cli("criteria", str(lead_id), "--budget-confirmed", "765432")
    for output in (
        cli("show", str(lead_id), "--json"),
        cli("show", str(lead_id)),
        cli("list", "--json"),
        cli("list"),
    ):
        for value in ("987654", "876543", "765432", "walk-away-price-X1", "cfo-signs-Y2"):
            assert value not in output, (value, output[:500])
    shown = json.loads(cli("show", str(lead_id), "--json"))
    assert set(shown["masked"]) == set(SENSITIVE)
    assert all(h["masked"] for h in shown["history"] if h["field"] in SENSITIVE)
    full = json.loads(cli("show", str(lead_id), "--json", "--sensitive"))
    assert full["internal_notes"] == "walk-away-price-X1" and float(full["budget_max"]) == 987654
    with unit_of_work(url=sqlite_url) as uow:
        assert uow.session.get(Lead, lead_id).internal_notes == "walk-away-price-X1"


def test_a_system_key_creates_and_reads_but_never_edits_or_acts(api):
    """README: "`system` (create leads, post their behaviour events and read ...; it never
    edits a lead or acts on one: 403)" (issue 30: a web-form key changed any lead's email)."""
    team = roster(api)
    lead_id = ok(team.system.post("/leads", json=f.lead_record()), 201)["id"]
    api.process()
    before = ok(team.director.get(f"/leads/{lead_id}"))
    patch = {"version": before["version"], "email": "thief@example.com"}
    refused = team.system.patch(f"/leads/{lead_id}", json=patch)
    assert refused.status_code == 403, refused.text
    assert "system key may not do this" in refused.json()["detail"]
    writes = [
        (m, p) for m, p in routes() if "{lead_id}" in p and m in ("POST", "PATCH", "PUT", "DELETE")
    ]
    for method, path in writes:
        action = path.rsplit("/", 1)[-1]
        response = team.system.request(method, concrete(path, lead_id), json=ACTION_BODIES[action])
        if action == "events":  # event tools report behaviour (README)
            assert response.status_code == 201, response.text
            continue
        assert response.status_code == 403, (method, path, response.text)
    after = ok(team.director.get(f"/leads/{lead_id}"))
    assert after["email"] == before["email"] and after["state"] == before["state"]
