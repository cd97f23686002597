"""`leadflow serve` left alone: its schedules fire, a burst of posted leads gives a few
runs and no cancelled one, and ops are told once when a run fails or a deployment goes
quiet. Everything here is the real served deployment on a Prefect server of its own,
with nobody starting a run (but the one failure the test provokes)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cronsim import CronSim
from sqlalchemy import func, select

from leadflow.store.db import session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.e2e.api_harness import Api
from tests.mailserver import Mailbox

pytestmark = pytest.mark.reliability
OPS = "ops@example.com"
CRONS = {  # deployment -> its cron in the default settings (config/settings.yaml)
    "follow-up-reminders": "0 * * * *",
    "weekly-regrade": "0 5 * * 1",
    "pipeline-review-monthly": "0 6 1 * *",
    "pipeline-review-quarterly": "0 7 1 1,4,7,10 *",
    "win-model": "0 4 * * 1",
}


class Served:
    """A running `leadflow serve` and what a test asks its Prefect API."""

    def __init__(self, proc: subprocess.Popen[bytes], api: str, log: Path, url: str) -> None:
        self.proc, self.api, self.log, self.url = proc, api, log, url

    def runs(self, **flow_runs: Any) -> list[dict[str, Any]]:
        """Flow runs as the Prefect REST API lists them."""
        body = {"limit": 200, "sort": "EXPECTED_START_TIME_ASC", "offset": 0, **flow_runs}
        reply = httpx.post(f"{self.api}/flow_runs/filter", json=body, timeout=30)
        reply.raise_for_status()
        return list(reply.json())

    def deployment(self, name: str) -> dict[str, Any]:
        """A served deployment by name."""
        body = {"deployments": {"name": {"any_": [name]}}, "limit": 1}
        (found,) = httpx.post(f"{self.api}/deployments/filter", json=body, timeout=30).json()
        return dict(found)

    def runs_of(self, name: str, *states: str) -> list[dict[str, Any]]:
        """The runs of one deployment, in these state types (all when none given)."""
        runs = self.runs(deployments={"id": {"any_": [self.deployment(name)["id"]]}})
        return [r for r in runs if not states or r["state_type"] in states]

    def wait(self, what: str, done: Callable[[], bool], timeout: float, poll: float = 1.0) -> None:
        """Until `done()`, or fail naming `what` with the end of serve's log."""
        deadline = time.monotonic() + timeout
        while not done():
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"{what}: {self.log.read_text()[-3000:]}"
            time.sleep(poll)


@pytest.fixture
def ops_mailbox() -> Iterator[Mailbox]:
    """The SMTP server ops' notices go to (tests.mailserver's, under another name so it
    is started before serve and stopped after it)."""
    from aiosmtpd.controller import Controller

    from tests.mailserver import free_port

    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def start_serve(tmp: Path, box: Mailbox, **env: str) -> Served:
    """`leadflow serve` on a free port with a fresh Prefect home and database."""
    from tests.mailserver import free_port

    url = f"sqlite:///{tmp / 'leadflow.db'}"
    if not (tmp / "leadflow.db").exists():
        upgrade(url)
    log = tmp / "serve.log"
    began = f.wall_clock()
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "serve", "--port", str(free_port())],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")},
            "PREFECT_HOME": str(tmp / "prefect"),
            "LEADFLOW_DATABASE_URL": url,
            "LEADFLOW_OUTPUT_DIR": str(tmp / "out"),
            "LEADFLOW_OPS_NOTIFY_URLS": json.dumps(
                [f"mailto://127.0.0.1:{box.port}?from=leadflow@localhost&to={OPS}"]
            ),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not (found := re.search(r"UI: (http://\S+)", log.read_text())):
        assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.5)
    served = Served(proc, f"{found.group(1)}/api", log, url)
    served.wait("deployments served", lambda: _served_names(served) >= 10, 120)
    served.wait("the event trigger registered", lambda: _has_trigger(served, began), 60)
    time.sleep(6)  # the server's trigger service reloads its automations every 5 s
    return served


def _has_trigger(served: Served, since: dt.datetime) -> bool:
    """Whether this serve has registered the created-lead trigger (a restart replaces the
    one the previous serve left)."""
    body = {"sort": "NAME_ASC", "limit": 200, "offset": 0}
    reply = httpx.post(f"{served.api}/automations/filter", json=body, timeout=30)
    return reply.status_code == 200 and any(
        a["name"] == "on leadflow.lead.created" and dt.datetime.fromisoformat(a["created"]) >= since
        for a in reply.json()
    )


def _served_names(served: Served) -> int:
    reply = httpx.post(f"{served.api}/deployments/filter", json={"limit": 50}, timeout=30)
    return len(reply.json()) if reply.status_code == 200 else 0


def stop(served: Served) -> None:
    """SIGTERM, as a service manager stops it; it must be gone within 30 s (a service
    manager's default stop timeout is 90 s; about 9 s was measured here, but CI once took
    more than 10 s on this 2-core box while other suites ran beside it)."""
    served.proc.send_signal(signal.SIGTERM)
    try:
        served.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(served.proc.pid, signal.SIGKILL)
        served.proc.wait()
        raise AssertionError("leadflow serve did not stop within 30 s of SIGTERM") from None


def _count_new(url: str) -> int:
    with UnitOfWork(session_factory(url)) as uow:
        return uow.session.scalar(select(func.count()).where(Lead.state == "new")) or 0


def _subjects(box: Mailbox, pattern: str) -> list[str]:
    return [str(m["Subject"]) for m in box.to(OPS) if re.search(pattern, str(m["Subject"]))]


# Its waits add up to more than the suite's 300 s: a slow CI box may use them all.
@pytest.mark.timeout(1200)
def test_a_served_pipeline_runs_by_itself_and_tells_ops(tmp_path, ops_mailbox):
    served = start_serve(tmp_path, ops_mailbox, LEADFLOW_SCHEDULES__NOTIFICATIONS_SECONDS="15")
    try:
        # 1. Every-minute (here: every 15 s) deployments complete runs nobody started.
        for name in ("lead-intake", "send-notifications"):
            served.wait(
                f"{name}: a completed scheduled run",
                lambda n=name: any(  # type: ignore[misc]
                    "auto-scheduled" in r["tags"] for r in served.runs_of(n, "COMPLETED")
                ),
                180,
            )
        # 2. Every cron deployment has its next runs scheduled at the cron's times.
        now = f.wall_clock()
        for name, cron in CRONS.items():
            times = [
                dt.datetime.fromisoformat(r["expected_start_time"])
                for r in served.runs_of(name, "SCHEDULED")
            ]
            expected = next(CronSim(cron, now))
            assert times and times[0] == expected, (name, times[:3], expected)

        # 3. A burst: 500 leads posted in 100 requests give a few intake runs, none
        # cancelled, and every lead is worked.
        with UnitOfWork(session_factory(served.url), actor="setup") as uow:
            team = f.team(uow.session)
            for n in range(6):
                f.rep(uow.session, team.id, capacity=200, name=f"Rep {n}")
            uow.commit()
        with api_process(served) as http:
            burst_at = f.wall_clock()
            for _ in range(100):
                leads = [f.lead_record() for _ in range(5)]
                reply = http.post("/leads/batch", json={"leads": leads})
                assert reply.status_code == 201, reply.text
        # Every lead worked: by the triggered runs, or at worst by the sweeper. On this
        # 2-core box under load the server has been seen to start a triggered run 70 s
        # after its event, and a run kept waiting for its slot longer (CI once missed a
        # 120 s wait): how soon is the bench's event-latency's to measure, not this test's.
        served.wait("the burst worked", lambda: _count_new(served.url) == 0, 300)
        served.wait(  # a run names its count once it has done its work
            "the intake runs ended",
            lambda: not served.runs_of("lead-intake", "RUNNING", "PENDING"),
            120,
        )
        after = [  # the runs that took leads (the sweeper's empty runs beside them do not count)
            r
            for r in served.runs_of("lead-intake")
            if r["start_time"]
            and dt.datetime.fromisoformat(r["start_time"]) >= burst_at
            and re.search(r"· [1-9]\d* leads", r["name"])
        ]
        assert 1 <= len(after) <= 6, [(r["name"], r["state_type"]) for r in after]
        cancelled = served.runs(flow_runs={"state": {"type": {"any_": ["CANCELLED"]}}})
        assert not cancelled, [(r["name"], r["state_name"]) for r in cancelled]

        # 4. A run fails (a review of a quarter that does not exist): ops get one notice.
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings({PREFECT_API_URL: served.api}):
            run_deployment(
                "pipeline-review/pipeline-review-monthly",
                parameters={"period": "2026-Q9"},
                timeout=0,
            )
        served.wait("the failure notice", lambda: bool(_subjects(ops_mailbox, "failed$")), 240)

        # 5. send-notifications is paused: after its expected time (2 x 15 s) ops are told
        # once, however often Prefect's proactive trigger fires while it stays quiet.
        # (A box so loaded that a run came late may have told of a real silence before.)
        quiet = "send-notifications has not completed"
        before = len(_subjects(ops_mailbox, quiet))
        deployment = served.deployment("send-notifications")
        httpx.post(f"{served.api}/deployments/{deployment['id']}/pause_deployment", timeout=30)
        served.wait("the quiet notice", lambda: len(_subjects(ops_mailbox, quiet)) > before, 240)
        time.sleep(70)  # two more of the trigger's windows
        assert len(_subjects(ops_mailbox, quiet)) == before + 1
        assert len(_subjects(ops_mailbox, "pipeline-review .* failed$")) == 1
    finally:
        stop(served)


@contextmanager
def api_process(served: Served) -> Iterator[httpx.Client]:
    """A `leadflow api` process of its own on the served database, sending its events to
    the served Prefect server (Prefect's events client is one per process, so an API in
    the test process would keep talking to the first server it met); a system key's
    client for it."""
    from tests.mailserver import free_port

    port = free_port()
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": served.url,
        "PREFECT_API_URL": served.api,
        "PREFECT_HOME": str(Path(served.url.removeprefix("sqlite:///")).parent / "prefect"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "api", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    key = Api(base, served.url).key("system")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/openapi.json", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "no API"
                time.sleep(0.3)
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as http:
            yield http
    finally:
        proc.terminate()
        proc.wait(timeout=30)


UNFINISHED = ("PENDING", "RUNNING", "CANCELLING")


@pytest.mark.parametrize("moment", ["after a post", "during a run", "during submission"])
def test_a_killed_serve_leaves_nothing_that_blocks_the_next(tmp_path, ops_mailbox, moment):
    served = start_serve(tmp_path, ops_mailbox, LEADFLOW_SCHEDULES__INTAKE_SWEEP_SECONDS="3600")
    with UnitOfWork(session_factory(served.url), actor="setup") as uow:
        f.rep(uow.session, f.team(uow.session).id)
        uow.commit()
    # The API stays up while the events it sent are acted on (a stopped API may not have
    # sent its last event; the sweeper, pushed out to an hour here, would catch that).
    try:
        with api_process(served) as http:
            assert http.post("/leads", json=f.lead_record()).status_code == 201
            if moment != "after a post":
                state = "RUNNING" if moment == "during a run" else "PENDING"
                served.wait(
                    f"an intake run {state}",
                    lambda: bool(served.runs_of("lead-intake", state)),
                    60,
                    poll=0.05,  # a run is Pending for well under a second
                )
            os.killpg(served.proc.pid, signal.SIGKILL)  # serve, its runner's children, all
    finally:
        if served.proc.poll() is None:
            os.killpg(served.proc.pid, signal.SIGKILL)
        served.proc.wait()
    # The same Prefect home and database: the next start ends what the killed one left
    # and intake is not blocked (a new lead is worked by its event, not the sweeper).
    again = start_serve(tmp_path, ops_mailbox, LEADFLOW_SCHEDULES__INTAKE_SWEEP_SECONDS="3600")
    try:
        again.wait(
            "nothing left unfinished", lambda: not again.runs_of("lead-intake", *UNFINISHED), 60
        )
        with api_process(again) as http:
            assert http.post("/leads", json=f.lead_record()).status_code == 201
            again.wait("both leads worked", lambda: _count_new(again.url) == 0, 90)
        assert not again.runs(flow_runs={"state": {"type": {"any_": ["CANCELLED"]}}})
    finally:
        stop(again)
