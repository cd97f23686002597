"""The event path: leads are stored, an event is emitted, the served deployment assigns them."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from prefect.settings import PREFECT_API_URL
from sqlalchemy import func, select

from leadflow.events import LEAD_CREATED, emit
from leadflow.services.intake import store_leads
from leadflow.settings import get_rules
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork
from tests import factories as f


def _count_new(url: str) -> int:
    with UnitOfWork(session_factory(url)) as uow:
        return uow.session.scalar(select(func.count()).where(Lead.state == "new")) or 0


def test_created_event_reaches_the_served_intake(pipeline_url, tmp_path):
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "LEADFLOW_DATABASE_URL": pipeline_url,
           # The sweeper is pushed out of the way: only the event can start intake here.
           "LEADFLOW_SCHEDULES__INTAKE_SWEEP_SECONDS": "86400",
           "LEADFLOW_OUTPUT_DIR": str(tmp_path / "out"), "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    log = (tmp_path / "serve.log").open("w")
    served = subprocess.Popen([sys.executable, "-m", "leadflow.cli.main", "serve"], env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        time.sleep(8)  # deployments registered and the runner polling
        assert served.poll() is None, (tmp_path / "serve.log").read_text()
        with UnitOfWork(session_factory(pipeline_url), actor="api") as uow:
            ids = store_leads(uow.session, [(i, f.lead_record()) for i in range(5)], "api",
                              get_rules()).lead_ids
            uow.commit()
        started = time.monotonic()
        assert emit(LEAD_CREATED, ids)
        deadline = started + 90
        while time.monotonic() < deadline and _count_new(pipeline_url) > 0:
            time.sleep(0.5)
        assert _count_new(pipeline_url) == 0, (tmp_path / "serve.log").read_text()[-3000:]
        with UnitOfWork(session_factory(pipeline_url)) as uow:
            states = set(uow.session.scalars(select(Lead.state).where(Lead.id.in_(ids))))
        assert states <= {"nurturing", "screened"}
    finally:
        served.terminate()
        served.wait(timeout=30)
