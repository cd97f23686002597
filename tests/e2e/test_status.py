"""`leadflow status` as the installed command, and GET /health over real HTTP, when no
Prefect server answers (tests/e2e/test_status_served.py has them against a real one)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from leadflow.bootstrap import unit_of_work
from leadflow.notify.messages import enqueue
from leadflow.store.uow import UnitOfWork
from tests.e2e.api_harness import Api, ok, roster, running_api
from tests.e2e.cli_harness import run, run_installed
from tests.factories import NOW
from tests.mailserver import free_port


def nobody() -> str:
    """A Prefect API address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/api"


def old_notice(uow: UnitOfWork) -> None:
    """A mail from the tests' clock (days before the wall clock), not sent."""
    enqueue(
        uow.session,
        key="old",
        kind="assignment",
        lead_id=None,
        recipient="ann@example.com",
        subject="s",
        body="b",
        now=NOW,
    )
    uow.commit()


def test_status_names_a_prefect_server_that_does_not_answer(env: dict[str, str]) -> None:
    where = nobody()
    proc = run_installed(["status", "--json", "--prefect-url", where], env, ok=False)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["healthy"] is False
    assert [(p["check"], p["subject"]) for p in report["problems"]] == [("prefect", where)]
    assert "no Prefect server answers at " + where in report["problems"][0]["message"]
    assert {d["state"] for d in report["deployments"]} == {"unknown"}
    assert len(report["deployments"]) == 8
    # PREFECT_API_URL is read when --prefect-url is not given; text for people too.
    text = run(["status"], {**env, "PREFECT_API_URL": where}, ok=False).stdout
    assert text.startswith("LeadFlow status at ") and "UNHEALTHY (1 problems)" in text
    assert f"! prefect {where}: no Prefect server answers" in text


@pytest.fixture
def api(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("PREFECT_API_URL", nobody())  # the API's process reads it
    with running_api(db_url) as running:
        yield running


def test_health_without_a_key_says_only_whether_all_is_well(api: Api) -> None:
    answer = api.client().get("/health")
    assert answer.status_code == 503
    assert set(answer.json()) == {"healthy", "checked_at"}
    assert answer.json()["healthy"] is False


def test_health_with_a_managers_key_names_every_problem(api: Api) -> None:
    with unit_of_work(url=api.url) as uow:
        old_notice(uow)
    for role in ("manager", "director"):
        report = ok(api.as_role(role).get("/health"), 503)
        assert report["healthy"] is False
        assert sorted(p["check"] for p in report["problems"]) == ["outbox", "prefect"]
        assert report["outbox"]["backlog"] == 1
    team = roster(api)
    for other in (team.system, team.reps[0]):
        assert "needs manager or director" in ok(other.get("/health"), 403)["detail"]
    assert api.client("lfk_" + "x" * 43).get("/health").status_code == 401
