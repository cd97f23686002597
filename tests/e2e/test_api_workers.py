"""`leadflow api --workers 2` as a user starts it: two worker processes serve one database,
each listening on a socket of its own (Linux), and a port in use is refused plainly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from leadflow.bootstrap import unit_of_work
from leadflow.store.models import Lead
from leadflow.team.keys import create_key
from tests import factories as f
from tests.e2e.api_harness import _free_port, wait_until_up


def _worker_pids(pid: int) -> list[int]:
    """The worker processes uvicorn's supervisor has spawned (not its helpers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()]


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on the port (IPv4), from the kernel's table."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
            found.add(fields[9])
    return found


def _sockets_of(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _worker_listeners(pid: int, port: int) -> list[set[str]]:
    """For each worker process, its sockets listening on the port."""
    listening = _listening_inodes(port)
    return [_sockets_of(worker) & listening for worker in _worker_pids(pid)]


@pytest.mark.slow  # a supervisor and two worker processes start and stop
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
        assert len(_worker_pids(server.pid)) == 2
        if sys.platform.startswith("linux"):  # a listening socket each: the kernel spreads
            deadline = time.monotonic() + 60
            while True:  # the second worker may still be starting
                own = _worker_listeners(server.pid, port)
                if all(own) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert len(own) == 2 and all(len(s) == 1 for s in own) and own[0] != own[1]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with unit_of_work("test", url=sqlite_url) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Lead)) == 20


def test_a_port_in_use_is_refused_in_one_line(sqlite_url):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "leadflow.cli.main", "api", "--port",
                               str(port), "--workers", "2"], capture_output=True, text=True,
                              env={**os.environ, "LEADFLOW_DATABASE_URL": sqlite_url},
                              timeout=120)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
