"""Prefect events LeadFlow emits after a commit, so flows start without waiting for a sweep."""

from __future__ import annotations

import logging
from collections.abc import Sequence

LEAD_CREATED = "leadflow.lead.created"
LEAD_WON = "leadflow.lead.won"
_log = logging.getLogger(__name__)


def warm_up() -> None:
    """Import what `emit` needs now (Prefect's settings, and its events client when a
    server is configured): about 2 s, which the first request would otherwise pay."""
    from leadflow.prefect_env import configure_prefect, server_running

    configure_prefect()
    if server_running():
        import prefect.events  # noqa: F401


def emit(event: str, lead_ids: Sequence[int]) -> bool:
    """Emit one event for a batch of leads; returns False when no server is reachable.

    Called only after the commit that made the leads durable. A lost event loses nothing:
    every triggered flow also runs on an interval and picks up what is pending."""
    if not lead_ids:
        return False
    from leadflow.prefect_env import configure_prefect, server_running

    configure_prefect()
    if not server_running():
        return False
    from prefect.events import emit_event

    try:
        resource = {
            "prefect.resource.id": f"leadflow.leads.{lead_ids[0]}",
            "prefect.resource.name": "leadflow",
        }
        sent = emit_event(
            event=event,
            resource=resource,
            payload={"lead_ids": list(lead_ids)[:1000], "count": len(lead_ids)},
        )
    except Exception:  # an event is an optimisation; the sweeper is the guarantee
        _log.warning(
            "could not emit %s for %d leads; the sweeper will pick them up", event, len(lead_ids)
        )
        return False
    return sent is not None
