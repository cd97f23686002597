"""A killed LeadFlow command, or a killed test worker, leaves no server behind and no run
RUNNING forever.

The probe SIGKILLed `leadflow run`: Prefect's embedded server stayed up, listening, with
parent pid 1, and the killed flow run stayed RUNNING. So did prefect_test_harness's server
when a pytest-xdist worker was SIGKILLed, and the run never ended."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from leadflow.intake.receive import store_leads
from leadflow.local_server import free_port, start_server, stop_server
from leadflow.settings import get_rules
from leadflow.store.db import session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.uow import UnitOfWork
from tests import factories as f

pytestmark = pytest.mark.reliability


def _descendants(pid: int) -> set[int]:
    """Every process below `pid` (Linux /proc)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _running(pid: int) -> bool:
    """Whether `pid` runs: it has a /proc entry and is not a zombie. A process may end
    between any two reads of /proc, so a vanished entry counts as ended."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return "Z" not in stat.rsplit(")", 1)[1][:3]


def _gone(pids: set[int], seconds: float) -> set[int]:
    """Wait until none of `pids` runs; the ones still running after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        left = {p for p in pids if _running(p)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_starter_takes_its_lifeline_command_with_it(tmp_path: Path):
    """The lifeline ends its command's process group when its starter is SIGKILLed."""
    script = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-m', 'leadflow.lifeline', '--', "
        "'sleep', '1000'], stdin=subprocess.PIPE)\n"
        "time.sleep(1000)\n"
    )
    starter = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 30
    while len(_descendants(starter.pid)) < 2:  # the lifeline and its sleep
        assert time.monotonic() < deadline, "the lifeline did not start"
        time.sleep(0.1)
    below = _descendants(starter.pid)
    starter.send_signal(signal.SIGKILL)
    starter.wait()
    assert _gone(below, 20) == set()


def _new_leads(url: str, count: int) -> None:
    with UnitOfWork(session_factory(url)) as uow:
        store_leads(uow.session, [(i, f.lead_record()) for i in range(count)], "test", get_rules())
        uow.commit()


def _running_run(api: str, seconds: float) -> str:
    """The id of the first RUNNING flow run on this Prefect API."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = httpx.post(
            f"{api}/flow_runs/filter",
            json={"flow_runs": {"state": {"type": {"any_": ["RUNNING"]}}}, "limit": 5},
            timeout=10,
        ).json()
        if runs:
            return str(runs[0]["id"])
        time.sleep(0.1)
    raise AssertionError("no flow run reached RUNNING")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkilled_leadflow_run_leaves_no_listener_and_its_run_is_marked_crashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """SIGKILL `leadflow run lead-intake` mid-run: its local Prefect server and everything
    below it end, nothing listens on its port, and the next command marks the run Crashed."""
    db = f"sqlite:///{tmp_path / 'lf.db'}"
    upgrade(db)
    _new_leads(db, 3000)
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": db,
        "LEADFLOW_CHUNK_SIZE": "20",
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("PREFECT_API_URL", None)
    cli = subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "run", "lead-intake"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert cli.stderr is not None
    line = ""
    for line in cli.stderr:
        if line.startswith("Prefect server: "):
            break
    base = line.removeprefix("Prefect server: ").split()[0]  # then "(its log: ...)"
    assert base.startswith("http://127.0.0.1:"), line
    port = int(base.rsplit(":", 1)[1])
    killed_run = _running_run(f"{base}/api", 120)
    below = _descendants(cli.pid)
    assert below, "the server runs below the command"
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    assert _gone(below, 30) == set(), "processes outlived the killed command"
    assert not _listening(port)

    port = free_port()  # a server of the test's own, on the same Prefect database
    monkeypatch.setenv("PREFECT_HOME", env["PREFECT_HOME"])
    server = start_server(port, ui=False, services=False)
    try:
        api = f"http://127.0.0.1:{port}/api"
        again = subprocess.run(
            [sys.executable, "-m", "leadflow.cli.main", "run", "send-notifications", "--json"],
            env={**env, "PREFECT_API_URL": api},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert again.returncode == 0, again.stderr[-2000:]
        assert killed_run in again.stdout  # crashed_runs_marked
        state = httpx.get(f"{api}/flow_runs/{killed_run}", timeout=10).json()["state"]
        assert state["type"] == "CRASHED" and "killed" in state["message"]
    finally:
        stop_server(server)


def _worker_with_server(run: int, seconds: float) -> tuple[int, int]:
    """The pytest-xdist worker below the run `run`, and the port of the Prefect server below
    that worker, once the server answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for pid in _descendants(run):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"--port" in argv:  # the server (or what runs it) names its port
                port = int(argv[argv.index(b"--port") + 1])
                worker = int(Path(f"/proc/{run}/task/{run}/children").read_text().split()[0])
                if _listening(port) and pid in _descendants(worker):
                    return worker, port
        time.sleep(0.5)
    raise AssertionError("no Prefect server answered below the test worker")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_test_worker_leaves_no_server_and_the_run_ends(tmp_path: Path):
    """SIGKILL the pytest-xdist worker while a test runs under the flows suite's Prefect
    server (tests/flows/conftest.py, loaded as a plugin): the run ends at once with the
    crash named (no replacement worker that hangs), and the server ends with the worker."""
    root = Path(__file__).parents[2]
    (tmp_path / "test_wait.py").write_text(
        "import time\n\n\ndef test_wait():\n    time.sleep(300)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root), "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    # The project's pytest settings (addopts included), one worker.
    command = [sys.executable, "-m", "pytest", "-c", str(root / "pyproject.toml")]
    command += ["--rootdir", str(root), "-p", "tests.flows.conftest", "-p", "no:cacheprovider"]
    command += ["-n", "1", "--basetemp", str(tmp_path / "run"), str(tmp_path / "test_wait.py")]
    run = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    everything: set[int] = set()
    try:
        worker, port = _worker_with_server(run.pid, 240)
        below = _descendants(worker)
        everything = _descendants(run.pid)
        os.kill(worker, signal.SIGKILL)
        out, _ = run.communicate(timeout=90)
        assert run.returncode == 1 and "crashed while running" in out, out[-2000:]
        assert _gone(below, 30) == set(), "processes outlived the killed worker"
        assert not _listening(port)
    finally:  # whatever failed, leave nothing running
        for pid in {run.pid, *_descendants(run.pid), *everything}:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        run.wait()
