"""One Prefect test server for the whole session (it takes about 20 s to start)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.testing.utilities import prefect_test_harness

from leadflow.demo import generate, story
from leadflow.intake.receive import store_leads
from leadflow.settings import get_rules
from leadflow.store.db import engine_for, session_factory
from leadflow.store.uow import UnitOfWork
from tests.conftest import migrated_sqlite


@pytest.fixture(scope="session", autouse=True)
def prefect_server() -> Iterator[None]:
    """A real Prefect API server on loopback with a throwaway database."""
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(scope="session")
def pipeline_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with a generated organisation and 2,000 new leads, built once."""
    path = tmp_path_factory.mktemp("pipeline") / "flows.db"
    url = migrated_sqlite(sqlite_template, path)
    with UnitOfWork(session_factory(url), actor="test") as uow:
        story.create_organisation(uow.session, generate.organisation(11))
        records = generate.lead_records(11, 2000, dt.date.today())
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
