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
from typing import IO

import httpx
import pytest
from sqlalchemy import func, select

from leadflow.bootstrap import unit_of_work
from leadflow.store.models import Lead
from leadflow.team.keys import create_key
from tests import factories as f
from tests.conftest import _truncate, needs_pg
from tests.e2e.api_harness import _free_port, wait_until_up
from tests.reliability.test_orphan_server import _descendants


def _worker_pids(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor has spawned below `pid` (it runs under
    the command's lifeline), not its helpers."""
    return [p for p in _descendants(pid) if b"spawn_main" in _cmdline(p)]


def _cmdline(pid: int) -> bytes:
    """A process's command line, or nothing once it has ended (it may end at any read)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _api(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadflow.cli.main", "api", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LEADFLOW_DATABASE_URL": url},
    )


def _served(url: str, log: IO[str], *args: str) -> subprocess.Popen[bytes]:
    """`leadflow api ARGS` in its own process group, its output in `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "api", *args],
        env={**os.environ, "LEADFLOW_DATABASE_URL": url},
        stdout=log,
        stderr=log,
        start_new_session=True,
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
    log = (tmp_path / "api.log").open("w")
    server = _served(pg_migrated, log, "--port", str(port), "--workers", "2")
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


def test_a_key_in_the_url_is_refused_and_never_logged(sqlite_url, tmp_path):
    """Issue 30: "An API key sent as `?api_key=` is written in clear to uvicorn's access
    log." The served API refuses it with 401 naming the headers to use, and its access line
    shows the parameter as ***."""
    with unit_of_work("test", url=sqlite_url) as uow:
        _, token = create_key(uow.session, "manager", name="url test")
        uow.commit()
    port = _free_port()
    log_path = tmp_path / "api.log"
    with log_path.open("w") as log:
        server = _served(sqlite_url, log, "--port", str(port))
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base, 60, alive=lambda: server.poll() is None)
            refused = [
                httpx.get(f"{base}/leads", params={name: token}, timeout=30)
                for name in ("api_key", "X-API-Key", "token")
            ]
            accepted = httpx.get(f"{base}/leads", headers={"X-API-Key": token}, timeout=30)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    assert [r.status_code for r in refused] == [401] * 3
    assert "X-API-Key" in refused[0].json()["detail"] and "URL" in refused[0].json()["detail"]
    assert accepted.status_code == 200
    logged = log_path.read_text()
    assert "/leads?api_key=***" in logged and "GET /leads HTTP/1.1" in logged
    assert token not in logged and token[4:] not in logged
