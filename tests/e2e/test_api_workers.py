"""`leadflow api --workers 2` as a user starts it: two worker processes serve one database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import func, select

from leadflow.bootstrap import unit_of_work
from leadflow.services.keys import create_key
from leadflow.store.models import Lead
from tests import factories as f
from tests.e2e.api_harness import _free_port, wait_until_up


def _workers(pid: int) -> int:
    """How many worker processes uvicorn's supervisor has spawned (not its helpers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return sum("spawn_main" in Path(f"/proc/{c}/cmdline").read_text() for c in children)


def test_two_workers_take_leads_into_one_database(sqlite_url, tmp_path):
    with unit_of_work("test", url=sqlite_url) as uow:
        _, token = create_key(uow.session, "system", name="workers test")
        uow.commit()
    port = _free_port()
    env = {**os.environ, "LEADFLOW_DATABASE_URL": sqlite_url}
    log = (tmp_path / "api.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "leadflow.cli.main", "api", "--port",
                               str(port), "--workers", "2"], env=env, stdout=log, stderr=log,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, 60, alive=lambda: server.poll() is None)
        with httpx.Client(base_url=base, headers={"X-API-Key": token}, timeout=30) as http:
            replies = [http.post("/leads/batch", json={"leads": [f.lead_record() for _ in
                                                                 range(5)]})
                       for _ in range(4)]
        assert [r.status_code for r in replies] == [201] * 4
        assert _workers(server.pid) == 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with unit_of_work("test", url=sqlite_url) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Lead)) == 20
