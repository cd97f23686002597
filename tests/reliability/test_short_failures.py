"""A flow facing a dead Prefect server or a dead database fails within 30 s, in one line.

The probe (issue 30, item 8) killed the Prefect server under `leadflow run`: the run hung
157 s before it failed, with 100-300 lines of traceback. A database that refused
connections took a local server's start plus the chunk task's retries (1, 5, 20 s)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from leadflow.local_server import free_port
from leadflow.store.migrate import upgrade
from tests.e2e.api_harness import wait_until_up
from tests.reliability.test_orphan_server import _new_leads, _running_run

pytestmark = pytest.mark.reliability

LIMIT_SECONDS = 30


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), **extra}
    if "PREFECT_API_URL" not in extra:
        env.pop("PREFECT_API_URL", None)
    return env


def _run_intake(env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    """`leadflow run lead-intake` as a user runs it, and how long it took."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "leadflow.cli.main", "run", "lead-intake"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done, time.monotonic() - started


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


def test_a_dead_prefect_api_fails_at_once_in_one_line(sqlite_url, tmp_path):
    """PREFECT_API_URL on a port nothing listens on: one line naming it, no run."""
    api = f"http://127.0.0.1:{free_port()}/api"
    env = _env(tmp_path, LEADFLOW_DATABASE_URL=sqlite_url, PREFECT_API_URL=api)
    done, took = _run_intake(env)
    assert done.returncode != 0
    line = _one_line(done)
    assert f"Prefect API at {api} does not answer" in line and "refused" in line
    assert took < LIMIT_SECONDS


def test_a_dead_database_fails_at_once_in_one_line(tmp_path):
    """LEADFLOW_DATABASE_URL on a PostgreSQL port nothing listens on: one line naming
    the connection error, before a local Prefect server or a run is started."""
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/leadflow"
    done, took = _run_intake(_env(tmp_path, LEADFLOW_DATABASE_URL=dead))
    assert done.returncode != 0
    line = _one_line(done)
    assert "database unavailable" in line and "refused" in line.lower()
    assert "LEADFLOW_DATABASE_URL" in line
    assert took < LIMIT_SECONDS


@pytest.mark.slow  # a Prefect server starts, and a run gets under way
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups")
def test_a_prefect_server_killed_mid_run_fails_within_30_s(tmp_path):
    """The probe's case: the server of a running `leadflow run` is SIGKILLed; the command
    ends within 30 s, non-zero, its own error one line naming the Prefect API."""
    db = f"sqlite:///{tmp_path / 'lf.db'}"
    upgrade(db)
    _new_leads(db, 3000)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    out_dir = tmp_path / "out"
    env = _env(
        tmp_path,
        LEADFLOW_DATABASE_URL=db,
        LEADFLOW_CHUNK_SIZE="20",
        LEADFLOW_OUTPUT_DIR=str(out_dir),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--port", str(port), "--no-ui"],
        env={**env, "PREFECT_API_URL": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    cli = None
    try:
        wait_until_up(api, 180, alive=lambda: server.poll() is None)  # its /api/docs
        cli = subprocess.Popen(
            [sys.executable, "-m", "leadflow.cli.main", "run", "lead-intake"],
            env={**env, "PREFECT_API_URL": api},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _running_run(api, 120)
        os.killpg(server.pid, signal.SIGKILL)
        killed = time.monotonic()
        out, err = cli.communicate(timeout=300)
        took = time.monotonic() - killed
    finally:
        if cli is not None and cli.poll() is None:
            cli.kill()
            cli.wait()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    assert cli.returncode != 0
    assert (out + err).splitlines() == [  # Prefect's own lines went to its log file
        f"error: the Prefect API at {api} stopped answering "
        "([Errno 111] Connection refused): start its server, or unset "
        "PREFECT_API_URL to run a local one"
    ], out + err
    assert took < LIMIT_SECONDS, f"{took:.0f} s after the server was killed"
    # The kill may come before the run's own first line is written, so the file is
    # checked for Prefect's lines of any kind (its services' errors at the least).
    logged = (out_dir / "prefect-runs.log").read_text().splitlines()
    assert logged and all(" | prefect" in line for line in logged if " | " in line), logged
