"""Fan-out: a large run splits into child flow runs of a worker deployment, which the work
pool spreads over its workers; the parent shows their progress and waits for them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, cast
from uuid import UUID

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort
from prefect.deployments import run_deployment
from prefect.runtime import deployment

from leadflow.errors import LeadFlowError
from leadflow.flows.common import artifact_key, progress_bar, progress_to, table
from leadflow.settings import get_settings
from leadflow.tasks import chunks

INTAKE_WORKER = "lead-intake-worker/lead-intake-worker"
REGRADE_WORKER = "regrade-worker/regrade-worker"


class ChildRunsFailed(LeadFlowError):
    """One or more child flow runs of a fanned-out run did not complete."""


def on_work_pool() -> bool:
    """Whether this flow run comes from a deployment on a work pool (served deployments and
    plain flow calls have none, and keep working in-process)."""
    deployment_id = deployment.get_id()
    if not deployment_id:
        return False
    with get_client(sync_client=True) as client:
        return bool(client.read_deployment(UUID(str(deployment_id))).work_pool_name)


def should_fan_out(fan_out: int, url: str | None, work: Callable[[], int]) -> bool:
    """Fan out only when asked, on a database several processes can claim work in, from a
    work pool, and when `work()` (leads to do) reaches the scaleout.fan_out_min_leads setting."""
    if fan_out <= 0 or not chunks.claims_in_parallel(url) or not on_work_pool():
        return False
    return work() >= get_settings().scaleout.fan_out_min_leads


def publish_result(key: str, result: dict[str, Any], description: str) -> None:
    """A child's result as a one-row table artifact, which its parent reads back (results
    are not persisted, and the child may have run on another machine)."""
    table(key, [result], description)


def run_children(worker: str, parameters: list[dict[str, Any]], result_key: str,
                 description: str, progress: Callable[[], tuple[int, int]] | None = None
                 ) -> list[dict[str, Any]]:
    """Start one child run of `worker` per parameter set, keep a progress artifact at
    `progress()` (done, total; or children finished), wait, and return the children's
    published results. Raises ChildRunsFailed naming the runs that did not complete."""
    log = get_run_logger()
    runs = [cast(FlowRun, run_deployment(worker, parameters=p, timeout=0)) for p in parameters]
    ids = [run.id for run in runs]
    log.info("fanned out into %d runs of %s", len(ids), worker)
    bar = progress_bar(description)
    poll = get_settings().scaleout.poll_seconds
    with get_client(sync_client=True) as client:
        while True:
            # limit and sort spelled out: prefect 3.8.8's sync client sends null for them,
            # and the server answers 422.
            children = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)),
                limit=len(ids), sort=FlowRunSort.ID_DESC)
            finished = [c for c in children if c.state is not None and c.state.is_final()]
            done, total = progress() if progress else (len(finished), len(ids))
            progress_to(bar, done, total)
            if len(finished) == len(ids):
                break
            time.sleep(poll)
        failed = [f"{c.name} ({c.state_name})" for c in children
                  if c.state is None or not c.state.is_completed()]
        if failed:
            raise ChildRunsFailed(f"{len(failed)} of {len(ids)} child runs did not complete: "
                                  + ", ".join(failed))
        # The REST call itself: prefect 3.8.8's sync read_artifacts sends null for unset
        # filters, and an empty task-run filter would drop flow-level artifacts.
        found = client.request("POST", "/artifacts/filter", json={
            "artifacts": ArtifactFilter(
                key=ArtifactFilterKey(any_=[artifact_key(result_key)]),
                flow_run_id=ArtifactFilterFlowRunId(any_=ids)).model_dump(
                    mode="json", exclude_unset=True),
            "limit": len(ids) * 10, "offset": 0, "sort": "ID_DESC"}).json()
    results = [json.loads(a["data"])[0] for a in found if isinstance(a.get("data"), str)]
    if len(results) != len(ids):
        raise ChildRunsFailed(f"{len(ids)} child runs completed but {len(results)} published "
                              f"a {result_key!r} result")
    return results
