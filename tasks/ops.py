"""The state hook every flow carries: a failed or crashed run tells ops, once."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from leadflow.bootstrap import unit_of_work
from leadflow.notify.ops import KIND, RunFailure, enqueue_run_failure
from leadflow.notify.outbox import deliver_outbox, send
from leadflow.settings import get_settings

_LOG = logging.getLogger("leadflow.ops")


def _ui_url() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().ui_url


def tell_ops(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect on_failure / on_crashed hook: write the notice to the outbox and deliver it
    now. When the database itself is what failed, the notice cannot be kept in the outbox,
    so it is sent directly (and may then repeat if the hook runs again)."""
    channels = get_settings().ops_notify_urls
    if not channels:
        return
    failure = RunFailure.of(
        flow.name, flow_run.name, str(flow_run.id), state.name, state.message, _ui_url()
    )
    url = (flow_run.parameters or {}).get("url")  # the flows' database parameter
    now = dt.datetime.now(dt.UTC)
    try:
        with unit_of_work("ops", url=url) as uow:
            enqueue_run_failure(uow.session, failure, channels, now)
            uow.commit()
    # A hook must not raise, and the database may be what failed: any error here means
    # "the outbox is out of reach", so the notice goes out directly instead.
    except Exception as exc:  # noqa: BLE001
        _LOG.warning(
            "ops notice for %s not kept in the outbox (%s); sending it directly",
            failure.run_name,
            exc.__class__.__name__,
        )
        for channel in channels:
            send(channel, failure.subject(), failure.body())
        return
    deliver_outbox(url, now, limit=len(channels), kind=KIND)


OPS_HOOKS: dict[str, Any] = {"on_failure": [tell_ops], "on_crashed": [tell_ops]}
