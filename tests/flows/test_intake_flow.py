"""lead-intake against a real Prefect server: chunks, artifacts, every lead processed once."""

from __future__ import annotations

import re
import time

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.sorting import TaskRunSort
from prefect.logging.handlers import APILogWorker
from sqlalchemy import func, select

from leadflow.flows.intake import lead_intake
from leadflow.store.db import session_factory
from leadflow.store.models import Lead, SalesRep, TransitionAudit
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.uow import UnitOfWork
from tests.flows.conftest import api, artifacts


def _scalar(url: str, query):
    with UnitOfWork(session_factory(url)) as uow:
        return uow.session.scalar(query)


def test_intake_processes_every_lead_once_in_chunks(pipeline_url):
    new_before = _scalar(pipeline_url, select(func.count()).where(Lead.state == "new"))
    state = lead_intake(chunk_size=500, url=pipeline_url, return_state=True)
    summary = state.result()
    assert summary.processed == new_before > 1800
    assert _scalar(pipeline_url, select(func.count()).where(Lead.state == "new")) == 0
    assert summary.assigned + summary.queued == summary.screened
    # One screen (or disqualify) transition per lead: nothing was processed twice.
    firsts = _scalar(
        pipeline_url,
        select(func.count())
        .select_from(TransitionAudit)
        .where(TransitionAudit.from_state == "new"),
    )
    assert firsts == new_before
    # Capacity is never exceeded.
    with UnitOfWork(session_factory(pipeline_url)) as uow:
        loads = dict(
            uow.session.execute(
                select(Lead.owner_id, func.count())
                .where(Lead.owner_id.is_not(None))
                .group_by(Lead.owner_id)
            )
            .tuples()
            .all()
        )
        for rep in uow.session.scalars(select(SalesRep)).unique():
            assert loads.get(rep.id, 0) <= rep.capacity
            if rep.away:
                assert loads.get(rep.id, 0) == 0
    assert (
        _scalar(pipeline_url, select(func.count()).select_from(OutboxMessage))
        == summary.assigned + summary.queued
    )
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
        assert run.name.endswith(f"· {summary.processed} leads")
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
            limit=200,
            sort=TaskRunSort.EXPECTED_START_TIME_ASC,
        )
        chunk_runs = [t for t in tasks if t.name.startswith("intake-chunk")]
        assert len(chunk_runs) == 4  # 2,000 leads / 500 per chunk
        # Named by the ids they cover (the ids are passed quoted; the name unquotes them).
        names = [t.name for t in chunk_runs]
        assert all(re.fullmatch(r"intake-chunk \d+-\d+ \(\d+\)", n) for n in names), names
    summary_artifacts = artifacts("lead-intake-summary")
    assert summary_artifacts and "processed" in str(summary_artifacts[0]["data"])


def test_rerun_finds_nothing_to_do(pipeline_url):
    lead_intake(chunk_size=1000, url=pipeline_url)
    again = lead_intake(chunk_size=1000, url=pipeline_url)
    assert again.processed == 0


def _run_logs(flow_run_id: str) -> list[dict]:
    """A flow run's logs on the server, once its last one is there: they are sent in
    batches, and may arrive after the run has returned."""
    APILogWorker.drain_all(timeout=10)
    query = {
        "logs": {"flow_run_id": {"any_": [flow_run_id]}},
        "limit": 200,
        "offset": 0,
        "sort": "TIMESTAMP_ASC",
    }
    deadline = time.monotonic() + 30
    while True:
        logs = api("/logs/filter", query)
        if any("Finished in state" in entry["message"] for entry in logs):
            return logs
        assert time.monotonic() < deadline, f"the run's last log never arrived: {logs}"
        time.sleep(0.5)


def test_no_email_or_phone_reaches_prefect_logs(pipeline_url):
    state = lead_intake(url=pipeline_url, return_state=True)
    logs = _run_logs(str(state.state_details.flow_run_id))
    text = "\n".join(entry["message"] for entry in logs)
    with UnitOfWork(session_factory(pipeline_url)) as uow:
        contacts = uow.session.execute(select(Lead.email, Lead.phone)).all()
    for email, phone in contacts:
        assert not email or email not in text
        assert not phone or phone not in text
    assert "@" not in text
