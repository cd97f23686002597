"""Fan-out: a large run splits into child flow runs of a worker deployment, which the work
pool spreads over its workers. Each child is started with Prefect's `run_deployment`, which
waits for it to finish; the parent keeps a progress artifact meanwhile, and reads each
child's result from the child's final state (the worker flows persist their results)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.futures import wait
from prefect.runtime import deployment

from leadflow.flows.common import progress_bar, progress_to
from leadflow.tasks.config import ChildRunsFailed, fan_out_allowed, poll_seconds

INTAKE_WORKER = "lead-intake-worker/lead-intake-worker"
REGRADE_WORKER = "regrade-worker/regrade-worker"


def on_work_pool() -> bool:
    """Whether this flow run comes from a deployment on a work pool (served deployments and
    plain flow calls have none, and keep working in-process)."""
    deployment_id = deployment.get_id()
    if not deployment_id:
        return False
    with get_client(sync_client=True) as client:
        return bool(client.read_deployment(UUID(str(deployment_id))).work_pool_name)


def should_fan_out(fan_out: int, url: str | None, work: Callable[[], int]) -> bool:
    """Fan out only when asked, from a work pool, and when the settings allow it for this
    database and `work()` leads (see tasks.config.fan_out_allowed)."""
    return fan_out > 0 and on_work_pool() and fan_out_allowed(url, work)


@task(name="run-child", cache_policy=NO_CACHE, task_run_name="run {worker}")
def run_child(worker: str, parameters: dict[str, Any]) -> FlowRun:
    """Start one run of the worker deployment and wait until it is final."""
    run = run_deployment(worker, parameters=parameters, timeout=None, poll_interval=poll_seconds())
    # Prefect types run_deployment as "a FlowRun, or a coroutine when called from async
    # code"; this task is sync, so it runs to the end here and answers the FlowRun.
    if not isinstance(run, FlowRun):
        raise TypeError(f"run_deployment answered a {type(run).__name__} in a sync task")
    return run


def run_children(
    worker: str,
    parameters: list[dict[str, Any]],
    description: str,
    progress: Callable[[], tuple[int, int]] | None = None,
) -> list[Any]:
    """Start one child run of `worker` per parameter set, keep a progress artifact at
    `progress()` (done, total; or children finished) while they run, and return the
    children's results. Raises ChildRunsFailed naming the runs that did not complete."""
    futures = [run_child.submit(worker, p) for p in parameters]
    get_run_logger().info("fanned out into %d runs of %s", len(futures), worker)
    bar = progress_bar(description)
    while True:
        done, running = wait(futures, timeout=poll_seconds())
        done_of = progress() if progress else (len(done), len(futures))
        progress_to(bar, *done_of, description)
        if not running:
            break
    runs = [future.result() for future in futures]
    failed = [
        f"{run.name} ({run.state_name})"
        for run in runs
        if run.state is None or not run.state.is_completed()
    ]
    if failed:
        raise ChildRunsFailed(
            f"{len(failed)} of {len(runs)} child runs did not complete: " + ", ".join(failed)
        )
    return [run.state.result() for run in runs if run.state is not None]
