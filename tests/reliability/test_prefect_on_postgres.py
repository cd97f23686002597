"""Prefect's own server on PostgreSQL: LeadFlow's flows run against it like on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from leadflow.local_server import start_server
from leadflow.store.migrate import upgrade
from tests.conftest import PG_URL, _admin_engine, needs_pg
from tests.mailserver import free_port

pytestmark = [needs_pg, pytest.mark.postgres, pytest.mark.reliability]


@pytest.fixture
def prefect_database():
    """A throwaway database for the Prefect server, dropped afterwards."""
    assert PG_URL
    name = f"prefect_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_flows_run_against_a_prefect_server_on_postgres(
    prefect_database, tmp_path: Path, monkeypatch
):
    monkeypatch.setenv("PREFECT_SERVER_DATABASE_CONNECTION_URL", prefect_database)
    port = free_port()
    server = start_server(port, ui=True, services=True, timeout=120)
    try:
        db = f"sqlite:///{tmp_path / 'lf.db'}"
        upgrade(db)
        env = {
            **os.environ,
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "LEADFLOW_DATABASE_URL": db,
        }
        proc = subprocess.run(
            [sys.executable, "-m", "leadflow.cli.main", "run", "lead-intake", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert json.loads(proc.stdout)["flow"] == "lead-intake"
        runs = httpx.post(
            f"http://127.0.0.1:{port}/api/flow_runs/filter",
            json={"limit": 10, "offset": 0, "sort": "ID_DESC"},
        ).json()
        assert [r["state_type"] for r in runs if r["name"].startswith("lead-intake")] == [
            "COMPLETED"
        ]
        sync_url = prefect_database.replace("+asyncpg", "+psycopg")
        with create_engine(sync_url).connect() as conn:  # the run really lives in PostgreSQL
            stored = conn.execute(
                text("SELECT count(*) FROM flow_run WHERE name LIKE 'lead-intake%'")
            ).scalar()
        assert stored == 1
    finally:
        server.terminate()
        server.wait(timeout=30)
