"""A killed `leadflow api` leaves no worker serving, and a restart on its port works at once.

The probe (issue 30, item 6) SIGKILLed `leadflow api --workers 2`: both uvicorn workers
kept serving the port, and a restart failed with "Address already in use"."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.conftest import needs_pg
from tests.e2e.api_harness import _free_port, wait_until_up
from tests.reliability.test_orphan_server import _descendants, _gone

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
]

GONE_SECONDS = 10  # the lifeline's SIGTERM takes an idle supervisor down in 1-2 s (measured)


def _api(url: str, port: int, workers: int, log: IO[str]) -> subprocess.Popen[bytes]:
    """`leadflow api` as a user starts it (in the test's process group: only its pid is
    signalled, as a service manager or an OOM killer would)."""
    command = [sys.executable, "-m", "leadflow.cli.main", "api", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--workers", str(workers)],
        env={**os.environ, "LEADFLOW_DATABASE_URL": url},
        stdout=log,
        stderr=log,
    )


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _kill_then_restart(url: str, workers: int, tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "api.log").open("w")
    first = _api(url, port, workers, log)
    below: set[int] = set()
    again: subprocess.Popen[bytes] | None = None
    try:
        wait_until_up(base, 90, alive=lambda: first.poll() is None)
        below = _descendants(first.pid)
        first.send_signal(signal.SIGKILL)  # this pid only, not its group
        first.wait()
        killed_at = time.monotonic()
        assert _gone(below, GONE_SECONDS) == set(), "processes outlived the killed command"
        assert not _listening(port), "something still serves the killed command's port"
        assert time.monotonic() - killed_at < GONE_SECONDS
        again = _api(url, port, workers, log)
        wait_until_up(base, 90, alive=lambda: again.poll() is None)
        assert httpx.get(f"{base}/openapi.json", timeout=30).status_code == 200
    finally:
        for pid in {first.pid, *below, *(_descendants(again.pid) if again else set())}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if again is not None:
            again.send_signal(signal.SIGTERM)
            again.wait(timeout=30)
        log.close()


@needs_pg
@pytest.mark.postgres
@pytest.mark.slow  # a supervisor and two workers start twice
def test_sigkilled_api_with_two_workers_leaves_none_serving(pg_migrated, tmp_path):
    """SIGKILL `leadflow api --workers 2`: its supervisor and both workers end within
    seconds, nothing listens on the port, and a fresh `leadflow api` there serves."""
    _kill_then_restart(pg_migrated, 2, tmp_path)


def test_sigkilled_api_with_one_worker_leaves_none_serving(sqlite_url, tmp_path):
    """The same with one worker on SQLite, which serves in the command's own process."""
    _kill_then_restart(sqlite_url, 1, tmp_path)
