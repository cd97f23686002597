"""The HTTP API over real HTTP: intake, idempotency, quarantine and replay, keys, limits.

Tests taking `db_url` run on SQLite and, when configured, on PostgreSQL too."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from leadflow.api.app import create_app
from leadflow.bootstrap import unit_of_work
from leadflow.settings import Settings
from leadflow.store.auth_models import ApiKey
from leadflow.store.models import Lead
from leadflow.team.keys import revoke_key
from tests import factories as f
from tests.e2e.api_harness import Api, ok, running_api, serve
from tests.e2e.cli_harness import run, run_json


@pytest.fixture
def api(db_url: str) -> Iterator[Api]:
    with running_api(db_url) as running:
        yield running


@pytest.fixture
def sqlite_api(sqlite_url: str) -> Iterator[Api]:
    with running_api(sqlite_url) as running:
        yield running


def lead_count(url: str) -> int:
    with unit_of_work(url=url) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Lead)) or 0)


def quarantined(client, record_id: int) -> dict:
    items = ok(client.get("/quarantine", params={"limit": 500}))["items"]
    return next(item for item in items if item["id"] == record_id)


def test_create_returns_201_with_links_and_repeats_return_the_original(api):
    system = api.as_role("system")
    record = f.lead_record(external_id="crm-1")
    created = ok(system.post("/leads", json=record), 201)
    lid = created["id"]
    assert created == {
        "id": lid,
        "state": "new",
        "links": {
            "self": f"/leads/{lid}",
            "events": f"/leads/{lid}/events",
            "activities": f"/leads/{lid}/activities",
            "transitions": f"/leads/{lid}/transitions",
        },
    }
    assert ok(system.post("/leads", json=record), 200) == created
    changed = {**record, "need": "something else", "email": "other@else.example"}
    assert ok(system.post("/leads", json=changed), 200)["id"] == lid  # same external_id
    assert lead_count(api.url) == 1
    assert ok(system.get(f"/leads/{lid}"))["external_id"] == "crm-1"


def test_idempotency_key_repeat_returns_original_and_creates_nothing(api):
    system = api.as_role("system")
    headers = {"Idempotency-Key": "req-42"}
    record = f.lead_record()
    first = system.post("/leads", json=record, headers=headers)
    assert first.status_code == 201
    again = system.post("/leads", json=record, headers=headers)
    assert (again.status_code, again.json()) == (200, first.json())
    assert lead_count(api.url) == 1
    reused = ok(system.post("/leads", json=f.lead_record(), headers=headers), 422)
    assert "Idempotency-Key" in reused["errors"] and reused["quarantine_id"]
    assert lead_count(api.url) == 1
    manager = api.as_role("manager")  # the refused payload is kept, and replays as is
    replayed = ok(manager.post(f"/quarantine/{reused['quarantine_id']}/replay"), 201)
    assert replayed["id"] != first.json()["id"] and lead_count(api.url) == 2


def test_batch_of_1000_is_accepted_and_1001_refused(api):
    system = api.as_role("system")
    leads = [f.lead_record() for _ in range(1000)]
    out = ok(system.post("/leads/batch", json={"leads": leads}), 201)
    assert (out["accepted"], out["duplicates"], out["rejected"]) == (1000, 0, 0)
    assert {r["status"] for r in out["results"]} == {"created"}
    assert lead_count(api.url) == 1000
    again = ok(system.post("/leads/batch", json={"leads": leads[:10]}), 200)
    assert [r["id"] for r in again["results"]] == [r["id"] for r in out["results"][:10]]
    too_many = json.dumps({"leads": leads + [f.lead_record()]})
    refused = ok(
        system.post("/leads/batch", content=too_many, headers={"Content-Type": "application/json"}),
        422,
    )
    assert "got 1001" in refused["errors"]["leads"]
    assert lead_count(api.url) == 1000
    kept = quarantined(api.as_role("director"), refused["quarantine_id"])
    assert kept["payload"] == too_many


def test_batch_reports_each_item(api):
    system = api.as_role("system")
    existing = ok(system.post("/leads", json=f.lead_record(external_id="x-1")), 201)
    items = [f.lead_record(), f.lead_record(source="fax"), f.lead_record(external_id="x-1")]
    out = ok(system.post("/leads/batch", json={"leads": items}), 207)
    created, rejected, duplicate = out["results"]
    assert created["status"] == "created" and created["state"] == "new"
    assert rejected["status"] == "rejected" and "source" in rejected["errors"]
    assert duplicate == {
        "index": 2,
        "status": "duplicate",
        "id": existing["id"],
        "state": "new",
        "links": existing["links"],
    }
    kept = quarantined(api.as_role("manager"), rejected["quarantine_id"])
    assert json.loads(kept["payload"]) == items[1]
    assert ok(system.post("/leads/batch", json={"leads": [items[1]]}), 207)["rejected"] == 1
    nul = ok(system.post("/leads", content=b'{"need": "\x00'), 422)  # PostgreSQL text: no NUL
    assert quarantined(api.as_role("manager"), nul["quarantine_id"])["payload"] == '{"need": "\\x00'


def test_validation_errors_per_field_and_payload_kept_verbatim(sqlite_api):
    system = sqlite_api.as_role("system")
    raw = (
        '{ "source": "pigeon",  "company_name": "Acme", "contact_name": "",\n'
        '  "need": "CRM", "budget_min": 9, "budget_max": 1, "colour": "red" }'
    )
    out = ok(system.post("/leads", content=raw, headers={"Content-Type": "application/json"}), 422)
    assert {"source", "contact_name", "colour"} <= set(out["errors"])
    assert out["errors"]["contact_name"].startswith("String should have at least 1")
    kept = quarantined(sqlite_api.as_role("director"), out["quarantine_id"])
    assert kept["payload"] == raw and kept["replayed_lead_id"] is None
    assert any(e.startswith("source:") for e in kept["errors"])
    assert lead_count(sqlite_api.url) == 0


def test_malformed_json_is_kept_and_replayed_after_a_fix(sqlite_api):
    system, manager = sqlite_api.as_role("system"), sqlite_api.as_role("manager")
    raw = '{"source": "website_form", "company_name": "Acme", oops'
    out = ok(system.post("/leads", content=raw), 422)
    assert out["errors"]["(record)"].startswith("malformed JSON")
    qid = out["quarantine_id"]
    assert quarantined(manager, qid)["payload"] == raw
    assert ok(system.post("/leads/batch", content=b"\xff\xfe"), 422)["quarantine_id"]
    assert ok(manager.post(f"/quarantine/{qid}/replay"), 422)["errors"]["(record)"]
    still_bad = ok(manager.post(f"/quarantine/{qid}/replay", json={"source": "fax"}), 422)
    assert still_bad["quarantine_id"] not in (None, qid)  # the corrected body is kept too
    fixed = ok(manager.post(f"/quarantine/{qid}/replay", json=f.lead_record()), 201)
    assert quarantined(manager, qid)["replayed_lead_id"] == fixed["id"]
    assert ok(manager.post(f"/quarantine/{qid}/replay"), 200) == fixed
    waiting = ok(manager.get("/quarantine", params={"replayed": "false"}))["items"]
    assert qid not in {item["id"] for item in waiting}
    assert system.get("/quarantine").status_code == 403


def test_keys_are_required_and_revocable(sqlite_api):
    api = sqlite_api
    token = api.key("director")
    assert ok(api.client(token).get("/leads"))["items"] == []
    assert ok(api.client(token, header="x-api-key").get("/teams")) == []
    for client in (api.client(), api.client("lfk_" + "x" * 43), api.client("nonsense")):
        response = client.get("/leads")
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    with unit_of_work(url=api.url) as uow:
        key_id = uow.session.scalar(select(ApiKey.id).where(ApiKey.role == "director"))
        assert uow.session.get(ApiKey, key_id).hash != token  # only the hash is stored
        revoke_key(uow.session, key_id)
        uow.commit()
    assert api.client(token).get("/leads").status_code == 401


def test_wrong_role_is_403(sqlite_api):
    api = sqlite_api
    director = api.as_role("director")
    east = {"name": "East", "regions": ["east"], "manager_email": "mia@example.com"}
    team = ok(director.post("/teams", json=east), 201)
    ann = {"name": "Ann", "team_id": team["id"], "no_email": True}
    rep_id = ok(director.post("/reps", json=ann), 201)["id"]
    rep, system = api.as_role("rep", rep_id), api.as_role("system")
    assert rep.post("/reps", json={"name": "Eve"}).status_code == 403
    assert rep.post("/leads", json=f.lead_record()).status_code == 403
    lead = ok(system.post("/leads", json=f.lead_record()), 201)
    for path, body in (
        ("transitions", {"trigger": "screen"}),
        ("approval", None),
        ("criteria", {"intent_stated": True}),
    ):
        assert system.post(f"/leads/{lead['id']}/{path}", json=body).status_code == 403
    assert "needs manager or director" in rep.post("/teams", json={"name": "X"}).text


def test_oversized_bodies_are_refused_with_413(sqlite_url):
    with running_api(sqlite_url, api_max_body_bytes=2000) as api:
        system = api.as_role("system")
        big = json.dumps(f.lead_record(need="x" * 3000))
        assert system.post("/leads", content=big).status_code == 413
        chunks = (part.encode() for part in (big[:1000], big[1000:2000], big[2000:]))
        assert system.post("/leads", content=chunks).status_code == 413  # no Content-Length
        assert ok(system.post("/leads", json=f.lead_record()), 201)
        assert lead_count(api.url) == 0 + 1


def test_unexpected_errors_are_generic_500s_logged_without_secrets(sqlite_url, caplog):
    app = create_app(Settings(database_url=sqlite_url))

    def boom() -> None:
        raise RuntimeError(
            "jo@acme.example sent lfk_secretsecret\n[parameters: {'contact_name': 'Jo Secret'}]"
        )

    app.add_api_route("/boom", boom)
    with serve(app) as base, caplog.at_level(logging.ERROR, logger="leadflow.api"):
        import httpx

        response = httpx.get(f"{base}/boom")
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error; it was logged"
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
    logged = caplog.text
    assert response.json()["error_id"] in logged and "RuntimeError" in logged
    for secret in ("jo@acme.example", "lfk_secretsecret", "Jo Secret"):
        assert secret not in logged


def test_a_value_longer_than_its_column_is_a_field_error(api, db_url):
    system = api.as_role("system")
    record = f.lead_record(contact_name="x" * 250)  # the column holds 200
    out = ok(system.post("/leads", json=record), 422)
    assert "200 characters" in out["errors"]["contact_name"]
    assert (
        json.loads(quarantined(api.as_role("manager"), out["quarantine_id"])["payload"]) == record
    )
    assert lead_count(api.url) == 0


def test_docs_answer_without_a_key(sqlite_api):
    client = sqlite_api.client()
    assert client.get("/docs").status_code == 200
    spec = ok(client.get("/openapi.json"))
    assert "LeadIn" in spec["components"]["schemas"] and "/leads/batch" in spec["paths"]


def test_cli_issues_a_key_the_api_accepts(sqlite_url, tmp_path: Path):
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": sqlite_url,
        "LEADFLOW_LOG_FILE": str(tmp_path / "errors.log"),
    }
    issued = run_json(["keys", "create", "--role", "director"], env)
    assert issued["role"] == "director" and issued["key"].startswith(issued["prefix"])
    with running_api(sqlite_url) as api:
        assert ok(api.client(issued["key"]).get("/leads"))["next_cursor"] is None
    listed = run(["keys", "list"], env)
    assert issued["prefix"] in listed.stdout and issued["key"] not in listed.stdout
