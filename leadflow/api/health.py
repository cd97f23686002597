"""GET /health: the pipeline's health, as `leadflow status --json` reports it.

Without a key it answers only whether all is healthy (for a load balancer or an uptime
monitor, which then needs no key that could do anything else); a manager's or director's
key gets the whole report. 200 when healthy, 503 when not, with the same body."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import MANAGERS, check_role, now, presented_key, principal_of, settings_of
from leadflow.bootstrap import unit_of_work
from leadflow.ops.health import StatusReport, status_report
from leadflow.ops.prefect_runs import configured_url
from leadflow.prefect_env import configure_prefect

router = APIRouter(tags=["health"], route_class=LeadFlowRoute)


class Liveness(BaseModel):
    """What /health tells a caller without a key: healthy or not, and when it was checked."""

    healthy: bool
    checked_at: dt.datetime


@router.get(
    "/health",
    response_model=StatusReport | Liveness,
    responses={
        503: {
            "model": StatusReport | Liveness,
            "description": "Unhealthy: the same body, `healthy` false and (with a key) "
            "`problems` naming each problem",
        }
    },
)
def health(request: Request, token: Annotated[str | None, Depends(presented_key)]) -> JSONResponse:
    """Is the pipeline healthy? With a manager or director key: every check, as
    `leadflow status --json`. Without a key: `healthy` and `checked_at` only."""
    settings = settings_of(request)
    configure_prefect()
    from leadflow.deployments import cadences  # Prefect and the flows: loaded on first use

    # The schema is one of the checks, so it is not required to open the database.
    with unit_of_work("api", url=settings.database_url, check_schema=False) as uow:
        if token is not None:
            check_role(principal_of(uow.session, token), MANAGERS)
        report = status_report(
            uow.session, now(), settings, cadences(settings.schedules), configured_url()
        )
    body = (
        report
        if token is not None
        else Liveness(healthy=report.healthy, checked_at=report.checked_at)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if report.healthy else 503)
