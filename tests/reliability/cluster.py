"""A scale-out installation on loopback: a Prefect server on PostgreSQL, `leadflow deploy`,
N `leadflow worker` processes and LeadFlow's own PostgreSQL database (the reliability test
and bench/scaleout.py share it)."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from leadflow.demo import generate, story
from leadflow.intake.receive import store_leads
from leadflow.local_server import start_server
from leadflow.settings import get_rules
from leadflow.store.db import session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.mailserver import free_port

POOL = "leadflow-test"


def seed(url: str, leads: int, seed_no: int = 5) -> int:
    """Migrate `url`, add a 120-rep organisation and `leads` generated leads; returns how
    many leads are waiting for intake (duplicates merged, bad rows quarantined)."""
    upgrade(url)
    with UnitOfWork(session_factory(url), actor="setup") as uow:
        story.create_organisation(uow.session, generate.organisation(seed_no, 30))
        records = generate.lead_records(seed_no, leads, f.wall_clock().date())
        summary = store_leads(uow.session, enumerate(records, 1), "setup", get_rules())
        uow.commit()
    return summary.accepted


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started in its own session, and everything it started."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@dataclass
class Cluster:
    """A running installation: the Prefect API URL, LeadFlow's database, the workers."""

    api: str
    database_url: str
    env: dict[str, str]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def get(self, path: str) -> Any:
        """GET from the Prefect REST API (what the UI reads)."""
        response = httpx.get(f"{self.api}{path}", timeout=30)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST to the Prefect REST API."""
        response = httpx.post(f"{self.api}{path}", json=body or {}, timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def leadflow(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Run the `leadflow` command against this installation."""
        return subprocess.run(
            [sys.executable, "-m", "leadflow.cli.main", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def pause_schedules(self) -> None:
        """Pause every deployment's schedule, so only the runs a test starts happen."""
        for dep in self.post("/deployments/filter", {"limit": 100, "offset": 0}):
            if dep["schedules"]:
                self.post(f"/deployments/{dep['id']}/pause_deployment")

    def run_and_wait(
        self, deployment: str, parameters: dict[str, Any] | None = None, timeout: float = 300
    ) -> dict[str, Any]:
        """Start a run of `flow/deployment` through the API and wait until it is final."""
        dep = self.get(f"/deployments/name/{deployment}")
        run = self.post(
            f"/deployments/{dep['id']}/create_flow_run", {"parameters": parameters or {}}
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.get(f"/flow_runs/{run['id']}")
            if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
                return dict(run)
            for proc in self.workers:
                if proc.poll() is not None:
                    raise RuntimeError(f"a worker exited with code {proc.returncode}")
            time.sleep(1)
        raise TimeoutError(f"{deployment} did not finish in {timeout:.0f} s")


@contextmanager
def cluster(
    prefect_db: str,
    leadflow_db: str,
    workers: int,
    logs: Path,
    fan_out: int,
    settings: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """Start the Prefect server on `prefect_db` (postgresql+asyncpg URL), deploy to a process
    pool with `fan_out`, and start `workers` workers (limit 2 runs each), all with LEADFLOW_*
    `settings` added to the environment; stop everything on exit."""
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    saved = os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL")
    os.environ["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = prefect_db
    try:
        server = start_server(port, ui=True, services=True, timeout=180)
    finally:
        if saved is None:
            os.environ.pop("PREFECT_SERVER_DATABASE_CONNECTION_URL")
        else:
            os.environ["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = saved
    env = {
        **os.environ,
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "LEADFLOW_DATABASE_URL": leadflow_db,
        "LEADFLOW_SCALEOUT__POLL_SECONDS": "1",
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PYTHONPATH": os.getcwd(),
        **(settings or {}),
    }
    env.pop("PREFECT_SERVER_DATABASE_CONNECTION_URL", None)
    found = Cluster(api=env["PREFECT_API_URL"], database_url=leadflow_db, env=env)
    with ExitStack() as stack:
        stack.callback(server.wait, timeout=30)  # callbacks run last-in first-out:
        stack.callback(server.terminate)  # terminate, then wait
        deployed = found.leadflow("deploy", "--pool", POOL, "--fan-out", str(fan_out), "--json")
        if deployed.returncode != 0:
            raise RuntimeError(f"leadflow deploy failed: {deployed.stderr[-2000:]}")
        found.pause_schedules()
        for n in range(1, workers + 1):
            log = stack.enter_context(open(logs / f"worker-{n}.log", "wb"))
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "leadflow.cli.main",
                    "worker",
                    "--pool",
                    POOL,
                    "--name",
                    f"worker-{n}",
                    "--limit",
                    "2",
                ],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            stack.callback(_stop, proc)
            found.workers.append(proc)
        _wait_for_workers(found, workers)
        yield found


def _wait_for_workers(found: Cluster, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        online = [
            w
            for w in found.post(f"/work_pools/{POOL}/workers/filter", {})
            if w.get("status") == "ONLINE"
        ]
        if len(online) >= count:
            return
        time.sleep(1)
    raise TimeoutError(f"{count} workers did not come online in {timeout:.0f} s")


def worker_of_runs(found: Cluster, run_ids: list[str]) -> dict[str, str]:
    """Which worker submitted each flow run, from the workers' own events."""
    events = found.post(
        "/events/filter",
        {
            "filter": {
                "event": {"name": ["prefect.worker.submitted-flow-run"]},
                "occurred": {"since": (f.wall_clock() - dt.timedelta(hours=1)).isoformat()},
            },
            "limit": 50,
        },
    )
    by_run: dict[str, str] = {}
    for event in events.get("events", []):
        worker = event["resource"].get("prefect.resource.name", "")
        for related in event.get("related", []):
            run_id = related["prefect.resource.id"].removeprefix("prefect.flow-run.")
            if related.get("prefect.resource.role") == "flow-run" and run_id in run_ids:
                by_run[run_id] = worker
    return by_run


def child_results(
    found: Cluster, parent_id: str, key: str = "lead-intake-worker"
) -> list[dict[str, Any]]:
    """The child runs a fanned-out parent started, with the results they published."""
    children = [
        r
        for r in found.post("/flow_runs/filter", {"limit": 200, "offset": 0})
        if r.get("parent_task_run_id")
    ]
    tasks = {
        t["id"]: t["flow_run_id"]
        for t in found.post(
            "/task_runs/filter",
            {
                "task_runs": {"id": {"any_": [c["parent_task_run_id"] for c in children]}},
                "limit": 200,
                "offset": 0,
            },
        )
    }
    mine = [c for c in children if tasks.get(c["parent_task_run_id"]) == parent_id]
    results = {
        a["flow_run_id"]: json.loads(a["data"])[0]
        for a in found.post(
            "/artifacts/filter", {"artifacts": {"key": {"any_": [key]}}, "limit": 200, "offset": 0}
        )
    }
    return [{**c, "result": results.get(c["id"])} for c in mine]
