"""Ops are told when a flow run fails: one mail through the outbox to a real SMTP server,
with the flow, the run, the error's first line and a link to the run in the UI."""

from __future__ import annotations

import json
from pathlib import Path

from prefect.client.orchestration import get_client
from sqlalchemy import select

from leadflow.flows.review import pipeline_review
from leadflow.ops.alerts import tell_ops
from leadflow.settings import get_settings
from leadflow.store.db import session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.uow import UnitOfWork

OPS = "ops@example.com"


def test_a_failed_run_tells_ops_once(mailbox, monkeypatch, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    upgrade(url)
    channel = f"mailto://127.0.0.1:{mailbox.port}?from=leadflow@localhost&to={OPS}"
    monkeypatch.setenv("LEADFLOW_OPS_NOTIFY_URLS", json.dumps([channel]))
    get_settings.cache_clear()
    try:
        state = pipeline_review(
            period="2026-Q9", url=url, out=str(tmp_path), return_state=True
        )  # no such quarter: the run fails
        assert state.is_failed()
        run_id = state.state_details.flow_run_id
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(run_id)
        tell_ops(pipeline_review, run, state)  # the hook once more: still one notice
    finally:
        get_settings.cache_clear()

    (mail,) = mailbox.to(OPS)
    assert mail["Subject"] == f"LeadFlow: pipeline-review run {run.name} failed"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Flow: pipeline-review" in body and f"Run: {run.name}" in body
    error = next(line for line in body.splitlines() if line.startswith("Error: "))
    assert "2026-Q9" in error
    assert f"/runs/flow-run/{run_id}" in body
    with UnitOfWork(session_factory(url)) as uow:
        (kept,) = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ops"))
        assert kept.sent_at is not None and kept.attempts == 0
