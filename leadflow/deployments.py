"""Every deployment with its schedule and triggers: served from one process, or registered
to a process work pool whose workers run them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron, Interval

from leadflow.events import LEAD_CREATED, LEAD_WON
from leadflow.flows.followup import follow_up_reminders, regrade_worker, weekly_regrade
from leadflow.flows.handoff import deliver_notifications, delivery_handoff
from leadflow.flows.intake import lead_intake, lead_intake_worker
from leadflow.flows.review import pipeline_review
from leadflow.flows.winmodel import rules_simulation, win_model
from leadflow.settings import get_settings

TAGS = ["leadflow"]
# One run at a time; a trigger that fires while one runs is dropped, because the running
# flow drains everything pending (and the sweeper catches a lead that arrived at the end).
ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)
FLOWS: dict[str, Flow[..., Any]] = {
    "lead-intake": lead_intake,
    "follow-up-reminders": follow_up_reminders,
    "weekly-regrade": weekly_regrade,
    "delivery-handoff": delivery_handoff,
    "pipeline-review": pipeline_review,
    "send-notifications": deliver_notifications,
    "win-model": win_model,
    "rules-simulation": rules_simulation,
}


def _on(event: str) -> list[Any]:
    return [
        DeploymentEventTrigger(
            name=f"on {event}", expect={event}, match={"prefect.resource.id": "leadflow.leads.*"}
        )
    ]


def build_deployments(
    fan_out: int = 0, entrypoint_type: EntrypointType = EntrypointType.FILE_PATH
) -> list[RunnerDeployment]:
    """The deployments, schedules and triggers taken from settings; `fan_out` is given to
    lead-intake and weekly-regrade (0: they work in-process)."""
    s = get_settings().schedules
    tz = s.timezone
    fan = {"fan_out": fan_out} if fan_out else None
    kw: dict[str, Any] = {"entrypoint_type": entrypoint_type}

    def every(seconds: int) -> list[Any]:
        return [Interval(dt.timedelta(seconds=seconds), timezone=tz)]

    # RunnerDeployment.from_flow is what Flow.to_deployment calls for a flow without storage
    # (ours); to_deployment itself is typed "a deployment, or a coroutine in async code".
    return [
        RunnerDeployment.from_flow(
            lead_intake,
            name="lead-intake",
            schedules=every(s.intake_sweep_seconds),
            triggers=_on(LEAD_CREATED),
            concurrency_limit=ONE_AT_A_TIME,
            parameters=fan,
            **kw,
            tags=[*TAGS, "intake"],
            description="Intake on every created-lead event, and "
            "as a sweeper so a lost event never loses a lead.",
        ),
        RunnerDeployment.from_flow(
            follow_up_reminders,
            name="follow-up-reminders",
            schedules=[Cron(s.reminders_cron, timezone=tz)],
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*TAGS, "reminders"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            weekly_regrade,
            name="weekly-regrade",
            schedules=[Cron(s.regrade_cron, timezone=tz)],
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*TAGS, "regrade"],
            parameters=fan,
            **kw,
        ),
        RunnerDeployment.from_flow(
            delivery_handoff,
            name="delivery-handoff",
            schedules=every(s.handoff_sweep_seconds),
            triggers=_on(LEAD_WON),
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*TAGS, "handoff"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            pipeline_review,
            name="pipeline-review-monthly",
            parameters={"kind": "month"},
            schedules=[Cron(s.review_monthly_cron, timezone=tz)],
            tags=[*TAGS, "review"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            pipeline_review,
            name="pipeline-review-quarterly",
            parameters={"kind": "quarter"},
            schedules=[Cron(s.review_quarterly_cron, timezone=tz)],
            tags=[*TAGS, "review"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            deliver_notifications,
            name="send-notifications",
            schedules=every(s.notifications_seconds),
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*TAGS, "notifications"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            win_model,
            name="win-model",
            schedules=[Cron(s.win_model_cron, timezone=tz)],
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*TAGS, "win-model"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            rules_simulation,
            name="rules-simulation",
            tags=[*TAGS, "rules"],
            **kw,
            description="Run on demand with a candidate rules file: what would change.",
        ),
    ]


def worker_deployments() -> list[RunnerDeployment]:
    """The children a fanned-out intake or re-grade starts: no schedule, no limit, so the
    pool runs as many at once as it has workers."""
    kw: dict[str, Any] = {"entrypoint_type": EntrypointType.MODULE_PATH}
    return [
        RunnerDeployment.from_flow(
            lead_intake_worker, name="lead-intake-worker", tags=[*TAGS, "intake"], **kw
        ),
        RunnerDeployment.from_flow(
            regrade_worker, name="regrade-worker", tags=[*TAGS, "regrade"], **kw
        ),
    ]


def ensure_work_pool(name: str) -> bool:
    """Create the process work pool `name` unless it exists; True when it was created."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            client.create_work_pool(
                WorkPoolCreate(
                    name=name,
                    type="process",
                    base_job_template=ProcessWorker.get_default_base_job_template(),
                )
            )
            return True


def deploy_all(pool: str, fan_out: int) -> list[str]:
    """Register every deployment, schedules and triggers included, to the process work pool
    `pool` (created if missing). The entrypoints are modules of the installed package, so
    a worker needs LeadFlow installed and no code download. Returns the deployment names."""
    ensure_work_pool(pool)
    deployments = [*build_deployments(fan_out, EntrypointType.MODULE_PATH), *worker_deployments()]
    # What prefect.deploy() does per deployment; deploy() itself fails on prefect 3.8.8 when
    # it lists the pool's workers (the sync client sends limit=null: HTTP 422).
    for deployment in deployments:
        deployment.apply(work_pool_name=pool)
    return [f"{d.flow_name}/{d.name}" for d in deployments]


def serve_all() -> None:
    """Serve every deployment from this process until interrupted. The runner asks the
    Prefect server for runs to start every `serve_poll_seconds`: a triggered run waits for
    that poll (Prefect's setting is whole seconds, and one second was a fifth of a single
    lead's way from the API to its assignment)."""
    from prefect import serve

    serve(
        *build_deployments(),
        print_starting_message=True,
        query_seconds=get_settings().schedules.serve_poll_seconds,
    )
