"""Telling ops: the state hook every flow carries (a failed or crashed run), and the
notices the served automations ask for (a run failed, a deployment went quiet), once. The
flows reach it through leadflow.tasks.ops."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from leadflow.bootstrap import unit_of_work
from leadflow.notify.ops import QuietFlow, RunFailure, enqueue_ops_notice, notice_key, run_incident
from leadflow.notify.outbox import deliver_outbox, send
from leadflow.settings import get_settings
from leadflow.store.outbound_models import OutboxMessage

_LOG = logging.getLogger("leadflow.ops")


def now() -> dt.datetime:
    """The wall clock: when ops are told is when it happens."""
    return dt.datetime.now(dt.UTC)


def _ui_url() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().ui_url


def alert_ops(incident: str, subject: str, body: str, url: str | None = None) -> bool:
    """Write the notice to the outbox once per incident and channel, and deliver it now.
    When the database itself is what failed, the notice cannot be kept in the outbox, so
    it is sent directly (and may then repeat). Two alerts of one incident at once keep it
    once: the one refused by the outbox's unique key finds the other's notice kept. False
    when no ops channel is configured."""
    channels = get_settings().ops_notify_urls
    if not channels:
        return False
    at = now()
    try:
        with unit_of_work("ops", url=url) as uow:
            enqueue_ops_notice(uow.session, incident, subject, body, channels, at)
            uow.commit()
    # Telling ops must not raise, and the database may be what failed: any error here
    # means "the outbox is out of reach" unless the notice is found kept after all.
    except Exception as exc:  # noqa: BLE001
        if not _kept(incident, channels, url):
            _LOG.warning(
                "ops notice %s not kept in the outbox (%s); sending it directly",
                incident,
                exc.__class__.__name__,
            )
            for channel in channels:
                send(channel, subject, body)
            return True
    deliver_outbox(url, at, limit=len(channels), kind="ops")
    return True


def _kept(incident: str, channels: list[str], url: str | None) -> bool:
    """Whether the incident's notice is in the outbox for every channel (False when the
    outbox cannot be read)."""
    keys = [notice_key(incident, channel) for channel in channels]
    try:
        with unit_of_work("ops", url=url) as uow:
            found = uow.session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
            )
            return set(found) == set(keys)
    except Exception:  # noqa: BLE001  (the database is out of reach: not kept)
        return False


def tell_failure(failure: RunFailure, url: str | None = None) -> bool:
    """Tell ops of a failed or crashed run, once however often this is called."""
    return alert_ops(run_incident(failure), failure.subject(), failure.body(), url)


def tell_quiet(quiet: QuietFlow) -> bool:
    """Tell ops of a deployment's silence, once per silence."""
    return alert_ops(quiet.incident(), quiet.subject(), quiet.body())


def tell_ops(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect on_failure / on_crashed hook: tell ops of this run, once."""
    failure = RunFailure.of(
        flow.name, flow_run.name, str(flow_run.id), state.name, state.message, _ui_url()
    )
    tell_failure(failure, (flow_run.parameters or {}).get("url"))  # the flows' database


def failure_of_run(flow_run_id: str) -> RunFailure:
    """The failed or crashed run as ops are told about it, read from the Prefect API."""
    from uuid import UUID

    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        flow_name = client.read_flow(run.flow_id).name
    state = run.state
    return RunFailure.of(
        flow_name,
        run.name or flow_run_id,
        str(run.id),
        (state.name if state else None) or "Failed",
        state.message if state else None,
        _ui_url(),
    )


def quiet_deployment(deployment: str, expected_seconds: int) -> QuietFlow:
    """The deployment's silence: when its last run completed (Prefect API), if ever."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import DeploymentSort, FlowRunSort

    named = DeploymentFilter(name=DeploymentFilterName(any_=[deployment]))
    with get_client(sync_client=True) as client:
        registered = client.read_deployments(
            deployment_filter=named, sort=DeploymentSort.NAME_ASC, limit=1
        )
        runs = client.read_flow_runs(
            deployment_filter=named,
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))
            ),
            sort=FlowRunSort.END_TIME_DESC,
            limit=1,
        )
    last = runs[0] if runs else None
    ended = last.end_time if last else None
    return QuietFlow(
        deployment=deployment,
        expected_seconds=expected_seconds,
        last_completed=ended,
        last_run_id=str(last.id) if last else None,
        since=ended or (registered[0].created if registered else None) or now(),
    )


OPS_HOOKS: dict[str, Any] = {"on_failure": [tell_ops], "on_crashed": [tell_ops]}
