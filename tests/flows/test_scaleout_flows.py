"""Scale-out pieces against the session's Prefect server: what `leadflow deploy` registers,
the worker flows on their own, and fan-out falling back to in-process off a work pool.
(The real pool with two workers on PostgreSQL is tests/reliability/test_scaleout.py.)"""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.deployments.runner import EntrypointType
from sqlalchemy import func, select

from leadflow.deployments import build_deployments, ensure_work_pool, worker_deployments
from leadflow.flows.followup import regrade_worker, weekly_regrade
from leadflow.flows.intake import lead_intake, lead_intake_worker
from leadflow.store.db import session_factory
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.uow import UnitOfWork
from tests.flows.conftest import api, artifacts


def _count(url: str, *where) -> int:
    with UnitOfWork(session_factory(url)) as uow:
        return uow.session.scalar(select(func.count()).select_from(Lead).where(*where)) or 0


def _schedules(dep) -> list[dict]:
    return [s.schedule.model_dump(exclude={"anchor_date"}) for s in dep.schedules]


def test_pool_deployments_carry_schedules_triggers_and_fan_out():
    main = {d.name: d for d in build_deployments(3, EntrypointType.MODULE_PATH)}
    served = {d.name: d for d in build_deployments()}
    assert main.keys() == served.keys()
    for name, dep in main.items():  # the same schedules and triggers as `leadflow serve`
        assert _schedules(dep) == _schedules(served[name])
        assert len(dep.triggers) == len(served[name].triggers)
        assert dep.entrypoint.startswith("leadflow.flows.")  # the installed package's module
    assert main["lead-intake"].parameters == {"fan_out": 3}
    assert main["weekly-regrade"].parameters == {"fan_out": 3}
    assert served["lead-intake"].parameters == {}
    assert main["lead-intake"].triggers
    workers = {d.name: d for d in worker_deployments()}
    assert set(workers) == {"lead-intake-worker", "regrade-worker"}
    assert all(
        not d.schedules and d.entrypoint.startswith("leadflow.flows.") for d in workers.values()
    )


def test_work_pool_is_created_once_as_a_process_pool():
    assert ensure_work_pool("scaleout-flows-test") is True
    assert ensure_work_pool("scaleout-flows-test") is False
    with get_client(sync_client=True) as client:
        assert client.read_work_pool("scaleout-flows-test").type == "process"


def test_fan_out_off_a_work_pool_works_in_process(pipeline_url):
    waiting = _count(pipeline_url, Lead.state == "new")
    summary = lead_intake(url=pipeline_url, fan_out=4)
    assert summary.processed == waiting and _count(pipeline_url, Lead.state == "new") == 0
    runs = api(
        "/flow_runs/filter",
        {"flows": {"name": {"any_": ["lead-intake-worker"]}}, "limit": 10, "offset": 0},
    )
    assert runs == []  # no child runs: nothing to spread them over
    result = weekly_regrade(url=pipeline_url, fan_out=4)
    assert result.examined == _count(
        pipeline_url, Lead.state.in_(["screened", "nurturing", "opportunity", "negotiation"])
    )


def test_worker_flows_claim_everything_and_publish_their_result(pipeline_url):
    waiting = _count(pipeline_url, Lead.state == "new")
    summary = lead_intake_worker(url=pipeline_url, chunk_size=700)
    assert summary.processed == waiting
    with UnitOfWork(session_factory(pipeline_url)) as uow:
        firsts = uow.session.scalar(
            select(func.count())
            .select_from(TransitionAudit)
            .where(TransitionAudit.from_state == "new")
        )
    assert firsts == waiting
    published = artifacts("lead-intake-worker")
    assert published and f'"processed": {waiting}' in str(published[0]["data"])
    with UnitOfWork(session_factory(pipeline_url)) as uow:
        ids = list(
            uow.session.scalars(select(Lead.id).where(Lead.state != "lost").order_by(Lead.id))
        )
    part = regrade_worker(first_id=ids[10], last_id=ids[59], url=pipeline_url, chunk_size=20)
    assert part.examined == 50  # exactly its range
