"""One Prefect test server for the whole session (it takes about 20 s to start), which ends
with the test process however that ends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.context import refresh_global_settings_context
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogHandler

from leadflow.demo import generate, story
from leadflow.intake.receive import store_leads
from leadflow.local_server import free_port, start_server, stop_server
from leadflow.settings import get_rules
from leadflow.store.db import engine_for, session_factory
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.conftest import migrated_sqlite


@pytest.fixture(scope="session", autouse=True)
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Prefect API server on loopback with a throwaway database, for this process.

    Not prefect_test_harness: its server is a plain subprocess, which stayed up, listening,
    after the pytest-xdist worker that started it was SIGKILLed. This one runs under
    leadflow.lifeline (as `leadflow run` does), so it ends with the worker however the
    worker ends (tests/reliability/test_orphan_server.py)."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    with pytest.MonkeyPatch.context() as server_env:  # the server's environment, not ours
        server_env.setenv("PREFECT_HOME", str(home))
        server_env.setenv(
            "PREFECT_SERVER_DATABASE_CONNECTION_URL", f"sqlite+aiosqlite:///{home / 'prefect.db'}"
        )
        # Prefect's mark of an embedded server (what the harness sets): the event services
        # (triggers, actions, persister) run, the scheduler and the other loops do not, so
        # a deployment with a schedule gets no runs the tests did not start.
        server_env.setenv("PREFECT__SERVER_EPHEMERAL", "1")
        guard = start_server(port, ui=False, services=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        with pytest.MonkeyPatch.context() as client_env:
            client_env.setenv("PREFECT_API_URL", api)
            # Prefect read its settings at import; threads with a fresh context (the API
            # under test emits its events from one) take them from the global context.
            refresh_global_settings_context()
            yield api
            APILogHandler().flush()  # what runs queued for the server, before it stops
            EventsWorker.drain_all(timeout=5)
    finally:
        refresh_global_settings_context()
        stop_server(guard)


@pytest.fixture(scope="session")
def pipeline_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with a generated organisation and 2,000 new leads, built once."""
    path = tmp_path_factory.mktemp("pipeline") / "flows.db"
    url = migrated_sqlite(sqlite_template, path)
    with UnitOfWork(session_factory(url), actor="test") as uow:
        story.create_organisation(uow.session, generate.organisation(11))
        records = generate.lead_records(11, 2000, f.wall_clock().date())
        store_leads(uow.session, enumerate(records, 1), "generated", get_rules())
        uow.commit()
    engine_for(url).dispose()  # the last connection out folds the WAL into the file
    return path


@pytest.fixture
def pipeline_url(pipeline_template: Path, tmp_path: Path) -> str:
    """A SQLite database with a generated organisation and 2,000 new leads (a copy)."""
    return migrated_sqlite(pipeline_template, tmp_path / "flows.db")


def api(path: str, body: dict | None = None) -> object:
    """POST to the test server's REST API (what the UI reads)."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    response = httpx.post(f"{PREFECT_API_URL.value()}{path}", json=body or {}, timeout=30)
    response.raise_for_status()
    return response.json()


def artifacts(key: str) -> list[dict]:
    """The artifacts stored under a key, newest first."""
    found = api(
        "/artifacts/filter",
        {"artifacts": {"key": {"any_": [key]}}, "sort": "CREATED_DESC", "limit": 50, "offset": 0},
    )
    assert isinstance(found, list)
    return found
