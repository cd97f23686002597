"""The event path: leads are posted to the API, which emits leadflow.lead.created, and the
served lead-intake deployment assigns them."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from prefect.settings import PREFECT_API_URL
from sqlalchemy import func, select

from leadflow.api.app import create_app
from leadflow.settings import Settings
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.e2e.api_harness import Api, serve


def _count_new(url: str) -> int:
    with UnitOfWork(session_factory(url)) as uow:
        return uow.session.scalar(select(func.count()).where(Lead.state == "new")) or 0


@pytest.mark.slow  # `leadflow serve` in a process of its own, then an event round trip
def test_created_event_reaches_the_served_intake(pipeline_url, tmp_path):
    env = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "LEADFLOW_DATABASE_URL": pipeline_url,
        # The sweeper is pushed out of the way: only the event can start intake here.
        "LEADFLOW_SCHEDULES__INTAKE_SWEEP_SECONDS": "86400",
        "LEADFLOW_OUTPUT_DIR": str(tmp_path / "out"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    log = (tmp_path / "serve.log").open("w")
    served = subprocess.Popen(
        [sys.executable, "-m", "leadflow.cli.main", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(8)  # deployments registered and the runner polling
        assert served.poll() is None, (tmp_path / "serve.log").read_text()
        # A sender posts over HTTP; the API stores the leads and emits leadflow.lead.created.
        with serve(create_app(Settings(database_url=pipeline_url))) as base:
            key = Api(base, pipeline_url).key("system")
            reply = httpx.post(
                f"{base}/leads/batch",
                json={"leads": [f.lead_record() for _ in range(5)]},
                headers={"X-API-Key": key},
                timeout=60,
            )
            assert reply.status_code == 201, reply.text
        ids = [item["id"] for item in reply.json()["results"]]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _count_new(pipeline_url) > 0:
            time.sleep(0.5)
        assert _count_new(pipeline_url) == 0, (tmp_path / "serve.log").read_text()[-3000:]
        with UnitOfWork(session_factory(pipeline_url)) as uow:
            states = set(uow.session.scalars(select(Lead.state).where(Lead.id.in_(ids))))
        assert states <= {"nurturing", "screened"}
    finally:
        served.terminate()
        served.wait(timeout=30)
