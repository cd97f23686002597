"""The Prefect automations that tell ops without anyone watching: a served deployment's
run failed or crashed, or a scheduled deployment completed no run within its expected
time. Each runs the ops-alert deployment, which writes the notice once per incident."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from prefect.automations import Automation
from prefect.events.actions import RunDeployment
from prefect.events.schemas.automations import EventTrigger, Posture

PREFIX = "leadflow: "
ALERT_FLOW = "ops-alert"
ENDED_BADLY = {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}


def _of_deployments(names: list[str]) -> dict[str, Any]:
    """Events of runs of these deployments (their related deployment resource)."""
    return {"prefect.resource.role": "deployment", "prefect.resource.name": names}


def build_automations(
    watched: list[str], alert_deployment_id: UUID, expected: dict[str, dt.timedelta]
) -> list[Automation]:
    """One automation for failed or crashed runs of the `watched` deployments, and one per
    scheduled deployment for "no completed run within its expected time" (`expected`, from
    leadflow.deployments, which passes it in so that neither module imports the other)."""
    failed = Automation(
        name=f"{PREFIX}a run failed or crashed",
        description="A run of a served LeadFlow deployment failed or crashed: tell ops.",
        trigger=EventTrigger(
            expect=ENDED_BADLY,
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related=_of_deployments(watched),
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[
            RunDeployment(
                source="selected",
                deployment_id=alert_deployment_id,
                parameters={"flow_run": "{{ event.resource.id }}"},
                job_variables=None,
            )
        ],
    )
    quiet = [
        Automation(
            name=f"{PREFIX}{name} went quiet",
            description=f"No completed run of {name} within {within}: tell ops.",
            trigger=EventTrigger(
                expect={"prefect.flow-run.Completed"},
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related=_of_deployments([name]),
                posture=Posture.Proactive,
                threshold=1,
                within=within,
            ),
            actions=[
                RunDeployment(
                    source="selected",
                    deployment_id=alert_deployment_id,
                    parameters={
                        "deployment": name,
                        "expected_seconds": int(within.total_seconds()),
                    },
                    job_variables=None,
                )
            ],
        )
        for name, within in expected.items()
        if name in watched
    ]
    return [failed, *quiet]


def install_automations(automations: list[Automation]) -> list[str]:
    """Replace LeadFlow's automations on the Prefect server with these (a restart or a
    changed setting leaves no stale one behind); returns their names."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        # The sync client's read_automations() sends limit=null, which prefect 3.8.8's
        # server refuses (422); the same route with a limit is public API.
        found = client.request(
            "POST", "/automations/filter", json={"sort": "NAME_ASC", "limit": 200, "offset": 0}
        )
        found.raise_for_status()
        for existing in found.json():
            if existing["name"].startswith(PREFIX):
                client.delete_automation(UUID(existing["id"]))
    for automation in automations:
        automation.create()
    return [a.name for a in automations]
