"""Every deployment with its schedule and triggers, served from one process."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron, Interval

from leadflow.events import LEAD_CREATED, LEAD_WON
from leadflow.flows.followup import follow_up_reminders, weekly_regrade
from leadflow.flows.handoff import deliver_notifications, delivery_handoff
from leadflow.flows.intake import lead_intake
from leadflow.flows.review import pipeline_review
from leadflow.settings import get_settings

TAGS = ["leadflow"]
# One run at a time; a trigger that fires while one runs is dropped, because the running
# flow drains everything pending (and the sweeper catches a lead that arrived at the end).
ONE_AT_A_TIME = ConcurrencyLimitConfig(limit=1,
                                       collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
FLOWS = {
    "lead-intake": lead_intake,
    "follow-up-reminders": follow_up_reminders,
    "weekly-regrade": weekly_regrade,
    "delivery-handoff": delivery_handoff,
    "pipeline-review": pipeline_review,
    "send-notifications": deliver_notifications,
}


def _on(event: str) -> list[Any]:
    return [DeploymentEventTrigger(name=f"on {event}", expect={event},
                                   match={"prefect.resource.id": "leadflow.leads.*"})]


def build_deployments() -> list[Any]:
    """The served deployments, schedules and triggers taken from settings."""
    s = get_settings().schedules
    tz = s.timezone

    def every(seconds: int) -> list[Any]:
        return [Interval(dt.timedelta(seconds=seconds), timezone=tz)]

    return [
        lead_intake.to_deployment(
            name="lead-intake", schedules=every(s.intake_sweep_seconds),
            triggers=_on(LEAD_CREATED), concurrency_limit=ONE_AT_A_TIME,
            tags=[*TAGS, "intake"], description="Intake on every created-lead event, and "
            "as a sweeper so a lost event never loses a lead."),
        follow_up_reminders.to_deployment(
            name="follow-up-reminders", schedules=[Cron(s.reminders_cron, timezone=tz)],
            concurrency_limit=ONE_AT_A_TIME, tags=[*TAGS, "reminders"]),
        weekly_regrade.to_deployment(
            name="weekly-regrade", schedules=[Cron(s.regrade_cron, timezone=tz)],
            concurrency_limit=ONE_AT_A_TIME, tags=[*TAGS, "regrade"]),
        delivery_handoff.to_deployment(
            name="delivery-handoff", schedules=every(s.handoff_sweep_seconds),
            triggers=_on(LEAD_WON), concurrency_limit=ONE_AT_A_TIME,
            tags=[*TAGS, "handoff"]),
        pipeline_review.to_deployment(
            name="pipeline-review-monthly", parameters={"kind": "month"},
            schedules=[Cron(s.review_monthly_cron, timezone=tz)], tags=[*TAGS, "review"]),
        pipeline_review.to_deployment(
            name="pipeline-review-quarterly", parameters={"kind": "quarter"},
            schedules=[Cron(s.review_quarterly_cron, timezone=tz)], tags=[*TAGS, "review"]),
        deliver_notifications.to_deployment(
            name="send-notifications", schedules=every(s.notifications_seconds),
            concurrency_limit=ONE_AT_A_TIME, tags=[*TAGS, "notifications"]),
    ]


def serve_all() -> None:
    """Serve every deployment from this process until interrupted."""
    from prefect import serve

    serve(*build_deployments(), print_starting_message=True)
