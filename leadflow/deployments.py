"""Every deployment with its schedule and triggers: served from one process, or registered
to a process work pool whose workers run them."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from prefect import Flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron, Interval

from leadflow.events import LEAD_CREATED, LEAD_WON
from leadflow.flows.followup import follow_up_reminders, regrade_worker, weekly_regrade
from leadflow.flows.handoff import deliver_notifications, delivery_handoff
from leadflow.flows.intake import lead_intake, lead_intake_worker
from leadflow.flows.ops import ops_alert
from leadflow.flows.review import pipeline_review
from leadflow.flows.winmodel import rules_simulation, win_model
from leadflow.rules.cadence import INTERVALS_ALLOWED, Cadence
from leadflow.settings import Schedules, get_settings

TAGS = ["leadflow"]
# One run at a time, the next waiting for the slot: a run triggered just as the previous
# one finishes must still run (the lead that caused it may have come after the previous
# run's last look), and a scheduled run that comes while a slow one runs is late, not
# cancelled (a cancelled run is noise in the UI and looks like a fault).
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE)
WINDOW_FROM = "window_from"  # the triggered flows' parameter: when their event occurred
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


def _on(event: str, window_seconds: int) -> list[Any]:
    """Start a run on the first `event` of each window; the run takes the rest of the
    window's work itself (it is handed the event's time), so the trigger ignores the
    window's later events (Prefect's reactive trigger with `within`)."""
    return [
        DeploymentEventTrigger(
            name=f"on {event}",
            expect={event},
            match={"prefect.resource.id": "leadflow.leads.*"},
            within=dt.timedelta(seconds=window_seconds),
            threshold=1,
            # Prefect reads a bare "{{ ... }}" as JSON (`| tojson`), which a datetime is
            # not ("InvalidJinja", and no run); a jinja value renders it as text.
            parameters={
                WINDOW_FROM: {
                    "__prefect_kind": "jinja",
                    "template": "{{ event.occurred.isoformat() }}",
                }
            },
        )
    ]


def cadences(s: Schedules) -> dict[str, Cadence]:
    """Each scheduled deployment's cadence, by deployment name: what `build_deployments`
    schedules, and what the went-quiet automations and `leadflow status` expect."""
    tz = s.timezone
    return {
        "lead-intake": Cadence(every_seconds=s.intake_sweep_seconds, timezone=tz),
        "follow-up-reminders": Cadence(cron=s.reminders_cron, timezone=tz),
        "weekly-regrade": Cadence(cron=s.regrade_cron, timezone=tz),
        "delivery-handoff": Cadence(every_seconds=s.handoff_sweep_seconds, timezone=tz),
        "pipeline-review-monthly": Cadence(cron=s.review_monthly_cron, timezone=tz),
        "pipeline-review-quarterly": Cadence(cron=s.review_quarterly_cron, timezone=tz),
        "send-notifications": Cadence(every_seconds=s.notifications_seconds, timezone=tz),
        "win-model": Cadence(cron=s.win_model_cron, timezone=tz),
    }


def _schedules(cadence: Cadence) -> list[Any]:
    if cadence.cron is not None:
        return [Cron(cadence.cron, timezone=cadence.timezone)]
    assert cadence.every_seconds is not None  # a Cadence is one or the other
    return [Interval(dt.timedelta(seconds=cadence.every_seconds), timezone=cadence.timezone)]


def build_deployments(
    fan_out: int = 0,
    entrypoint_type: EntrypointType = EntrypointType.FILE_PATH,
    tags: list[str] | None = None,
) -> list[RunnerDeployment]:
    """The deployments, schedules and triggers taken from settings; `fan_out` is given to
    lead-intake and weekly-regrade (0: they work in-process); `tags` go on every run."""
    s = get_settings().schedules
    when = {name: _schedules(c) for name, c in cadences(s).items()}
    fan = {"fan_out": fan_out} if fan_out else None
    kw: dict[str, Any] = {"entrypoint_type": entrypoint_type}
    run_tags = [*TAGS, *(tags or [])]

    # RunnerDeployment.from_flow is what Flow.to_deployment calls for a flow without storage
    # (ours); to_deployment itself is typed "a deployment, or a coroutine in async code".
    return [
        RunnerDeployment.from_flow(
            lead_intake,
            name="lead-intake",
            schedules=when["lead-intake"],
            triggers=_on(LEAD_CREATED, s.trigger_window_seconds),
            concurrency_limit=ONE_AT_A_TIME,
            parameters=fan,
            **kw,
            tags=[*run_tags, "intake"],
            description="Intake on every created-lead event, and "
            "as a sweeper so a lost event never loses a lead.",
        ),
        RunnerDeployment.from_flow(
            follow_up_reminders,
            name="follow-up-reminders",
            schedules=when["follow-up-reminders"],
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*run_tags, "reminders"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            weekly_regrade,
            name="weekly-regrade",
            schedules=when["weekly-regrade"],
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*run_tags, "regrade"],
            parameters=fan,
            **kw,
        ),
        RunnerDeployment.from_flow(
            delivery_handoff,
            name="delivery-handoff",
            schedules=when["delivery-handoff"],
            triggers=_on(LEAD_WON, s.trigger_window_seconds),
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*run_tags, "handoff"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            pipeline_review,
            name="pipeline-review-monthly",
            parameters={"kind": "month"},
            schedules=when["pipeline-review-monthly"],
            tags=[*run_tags, "review"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            pipeline_review,
            name="pipeline-review-quarterly",
            parameters={"kind": "quarter"},
            schedules=when["pipeline-review-quarterly"],
            tags=[*run_tags, "review"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            deliver_notifications,
            name="send-notifications",
            schedules=when["send-notifications"],
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*run_tags, "notifications"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            win_model,
            name="win-model",
            schedules=when["win-model"],
            concurrency_limit=ONE_AT_A_TIME,
            tags=[*run_tags, "win-model"],
            **kw,
        ),
        RunnerDeployment.from_flow(
            rules_simulation,
            name="rules-simulation",
            tags=[*run_tags, "rules"],
            **kw,
            description="Run on demand with a candidate rules file: what would change.",
        ),
    ]


def _cron_gap(cron: str, timezone: str) -> dt.timedelta:
    """The longest gap between a cron's next few times (a month's varies)."""
    from zoneinfo import ZoneInfo

    from cronsim import CronSim

    times = CronSim(cron, dt.datetime.now(ZoneInfo(timezone)))
    marks = [next(times) for _ in range(13)]
    return max(b - a for a, b in zip(marks, marks[1:], strict=False))


def expected_within() -> dict[str, dt.timedelta]:
    """Per scheduled deployment, the time within which a completed run is due: twice its
    interval, or its cron's gap plus the gap again up to an hour (a weekly run that has
    not completed an hour after it was due is late)."""
    within: dict[str, dt.timedelta] = {}
    for name, cadence in cadences(get_settings().schedules).items():
        if cadence.cron is not None:
            gap = _cron_gap(cadence.cron, cadence.timezone)
            within[name] = gap + min(gap, dt.timedelta(hours=1))
        else:
            within[name] = INTERVALS_ALLOWED * dt.timedelta(seconds=cadence.every_seconds or 0)
    return within


def alert_deployment(
    entrypoint_type: EntrypointType = EntrypointType.FILE_PATH, tags: list[str] | None = None
) -> RunnerDeployment:
    """ops-alert: started by the automations only (leadflow.automations), never scheduled."""
    return RunnerDeployment.from_flow(
        ops_alert,
        name="ops-alert",
        tags=[*TAGS, *(tags or []), "ops"],
        entrypoint_type=entrypoint_type,
        description="Tells ops when a run failed or crashed, or a deployment went quiet.",
    )


def with_alerts(
    deployments: list[RunnerDeployment], alert: RunnerDeployment, **apply: Any
) -> list[RunnerDeployment]:
    """Register ops-alert and the automations that watch `deployments`; returns all of
    them, ops-alert included, to serve or register."""
    from leadflow.automations import build_automations, install_automations

    alert_id = alert.apply(**apply)
    assert isinstance(alert_id, UUID)  # apply() is sync here; typed for async callers too
    watched = [d.name for d in deployments]
    install_automations(build_automations(watched, alert_id, expected_within()))
    return [*deployments, alert]


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
    watched = with_alerts(
        build_deployments(fan_out, EntrypointType.MODULE_PATH),
        alert_deployment(EntrypointType.MODULE_PATH),
        work_pool_name=pool,
    )
    deployments = [*watched, *worker_deployments()]
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

    from leadflow.local_server import HOST_TAG, process_tag

    # Every run carries this process's tag, so the next start knows a run this process
    # left pending or running when it was killed, and ends it (local_server's sweep).
    tags = [HOST_TAG, process_tag()]
    serve(
        *with_alerts(build_deployments(tags=tags), alert_deployment(tags=tags)),
        print_starting_message=True,
        query_seconds=get_settings().schedules.serve_poll_seconds,
    )
