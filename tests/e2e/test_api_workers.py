"""`leadflow api --workers N` as a user starts it: on PostgreSQL, N plain uvicorn worker
processes serve one database; on SQLite more than one worker is refused in one line (a
SQLite file has one writer); a port in use is refused plainly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from leadflow.bootstrap import unit_of_work
from leadflow.store.models import Lead
from leadflow.team.keys import create_key
from tests import factories as f
from tests.conftest import _truncate, needs_pg
from tests.e2e.api_harness import _free_port, wait_until_up


def _worker_pids(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor has spawned (not its helpers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]


def _api(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadflow.cli.main", "api", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LEADFLOW_DATABASE_URL": url},
    )


@needs_pg
@pytest.mark.postgres
@pytest.mark.slow  # a supervisor and two worker processes start and stop
def test_two_workers_take_leads_into_one_postgres_database(pg_migrated, tmp_path):
    _truncate(pg_migrated)
    with unit_of_work("test", url=pg_migrated) as uow:
        _, token = create_key(uow.session, "system", name="workers test")
        uow.commit()
    port = _free_port()
    env = {**os.environ, "LEADFLOW_DATABASE_URL": pg_migrated}
    log = (tmp_path / "api.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "api", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, 60, alive=lambda: server.poll() is None)
        with httpx.Client(base_url=base, headers={"X-API-Key": token}, timeout=30) as http:
            replies = [
                http.post("/leads/batch", json={"leads": [f.lead_record() for _ in range(5)]})
                for _ in range(4)
            ]
        assert [r.status_code for r in replies] == [201] * 4
        assert len(_worker_pids(server.pid)) == 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with unit_of_work("test", url=pg_migrated) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Lead)) == 20


def test_several_workers_on_sqlite_are_refused_in_one_line(sqlite_url):
    done = _api(sqlite_url, "--port", str(_free_port()), "--workers", "2")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--workers 2" in lines[0] and "PostgreSQL" in lines[0]
    assert "one writer" in lines[0]
    assert "Traceback" not in done.stderr + done.stdout


def test_a_port_in_use_is_refused_in_one_line(sqlite_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _api(sqlite_url, "--port", str(port))
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
