"""`leadflow status --json` and GET /health against a real Prefect server
(`local_server.start_server` on a free port) with `leadflow serve` serving every
deployment: healthy, then an undelivered notice past the limit; and a server whose
scheduler is off, which status names."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from leadflow.bootstrap import unit_of_work
from leadflow.local_server import free_port, start_server, stop_server
from tests.conftest import migrated_sqlite
from tests.e2e.api_harness import ok, running_api
from tests.e2e.cli_harness import cli_env, run_installed
from tests.e2e.test_status import old_notice

pytestmark = pytest.mark.slow
SCHEDULED = 8  # deployments with a schedule (leadflow.deployments.cadences)


@contextmanager
def prefect_server(tmp: Path, **server_env: str) -> Iterator[str]:
    """A Prefect server of its own (fresh PREFECT_HOME) on a free port; its API URL."""
    saved = dict(os.environ)
    os.environ.update({"PREFECT_HOME": str(tmp / "prefect"), **server_env})
    try:
        port = free_port()
        guard = start_server(port, ui=False, services=True, log=tmp / "prefect-server.log")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        stop_server(guard)


def _deployments(api: str) -> list[dict[str, Any]]:
    reply = httpx.post(f"{api}/deployments/filter", json={"limit": 50}, timeout=30)
    return list(reply.json()) if reply.status_code == 200 else []


@contextmanager
def served(env: dict[str, str], api: str, log: Path) -> Iterator[None]:
    """`leadflow serve` against the server at `api`, until every deployment is polled."""
    with log.open("ab") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "leadflow.cli.main", "serve"],
            env={**env, "PREFECT_API_URL": api},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while sum(d["status"] == "READY" for d in _deployments(api)) < SCHEDULED:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(1)
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def _scheduled(api: str) -> int:
    """How many deployments have a run scheduled."""
    body = {"flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}, "limit": 200}
    runs = httpx.post(f"{api}/flow_runs/filter", json=body, timeout=30).json()
    return len({r["deployment_id"] for r in runs})


def _status(env: dict[str, str], api: str, healthy: bool) -> dict[str, Any]:
    proc = run_installed(["status", "--json", "--prefect-url", api], env, ok=healthy)
    report: dict[str, Any] = json.loads(proc.stdout)
    assert report["healthy"] is healthy, report["problems"]
    return report


@pytest.fixture
def setup(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    """serve's and status's environment: a migrated SQLite file, the server's log."""
    database = tmp_path / "cli.db"
    migrated_sqlite(sqlite_template, database)
    env = cli_env(tmp_path, database)
    env.pop("LEADFLOW_MAIL_URL", None)  # mail stays queued: the notice stays undelivered
    return {**env, "LEADFLOW_PREFECT_SERVER_LOG": str(tmp_path / "prefect-server.log")}


def test_a_healthy_serve_and_then_an_old_undelivered_notice(
    setup: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with prefect_server(tmp_path) as api, served(setup, api, tmp_path / "serve.log"):
        deadline = time.monotonic() + 60
        while _scheduled(api) < SCHEDULED:  # the scheduler's first pass over new deployments
            assert time.monotonic() < deadline, "the scheduler scheduled nothing"
            time.sleep(1)
        report = _status(setup, api, healthy=True)
        assert [d["state"] for d in report["deployments"]] == ["ok"] * SCHEDULED
        assert all(d["next_scheduled"] for d in report["deployments"])
        assert report["server_log"]["exists"] and report["server_log"]["errors"] == []
        assert report["database"]["revision"] == report["database"]["head"]
        monkeypatch.setenv("PREFECT_API_URL", api)
        with running_api(setup["LEADFLOW_DATABASE_URL"]) as http:
            liveness = ok(http.client().get("/health"))
            assert liveness["healthy"] is True and set(liveness) == {"healthy", "checked_at"}
            assert ok(http.as_role("manager").get("/health"))["healthy"] is True

            with unit_of_work(url=setup["LEADFLOW_DATABASE_URL"]) as uow:
                old_notice(uow)
            report = _status(setup, api, healthy=False)
            assert [p["check"] for p in report["problems"]] == ["outbox"]
            assert "1 notice(s) not delivered" in report["problems"][0]["message"]
            detail = ok(http.as_role("director").get("/health"), 503)
            assert detail["problems"] == report["problems"]
            assert ok(http.client().get("/health"), 503)["healthy"] is False


def test_a_serve_whose_scheduler_is_off_is_named(setup: dict[str, str], tmp_path: Path) -> None:
    broken = {"PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"}
    env = {**setup, "LEADFLOW_HEALTH__SCHEDULER_GRACE_SECONDS": "5"}
    with prefect_server(tmp_path, **broken) as api, served(env, api, tmp_path / "serve.log"):
        time.sleep(6)  # past the grace: a working scheduler has scheduled runs by now
        report = _status(env, api, healthy=False)
    states = {d["name"]: d["state"] for d in report["deployments"]}
    assert set(states.values()) == {"not scheduled"}, states
    named = {p["subject"] for p in report["problems"] if p["check"] == "deployment"}
    assert named == set(states)
    assert "is the Prefect server's scheduler failing" in report["problems"][0]["message"]
