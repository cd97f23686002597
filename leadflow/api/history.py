"""/leads/history and /activities/history: a team's past from its old CRM, in batches, as
`leads import FILE --history` and `--activities` take it (leadflow/intake/history.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import MANAGERS, Principal, Uow, now, require, rules_of
from leadflow.api.schemas import MAX_BATCH, StrictIn
from leadflow.intake.history import import_history
from leadflow.intake.history_log import import_activities
from leadflow.intake.history_rows import HistoryReport
from leadflow.schemas import Moment

router = APIRouter(tags=["history"], route_class=LeadFlowRoute)
Managers = Annotated[Principal, Depends(require(*MANAGERS))]
Rows = Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_BATCH)]


class HistoryIn(StrictIn):
    """Up to 1,000 leads with their past (owner, state, created_at, screened_at,
    opportunity_at, negotiation_at, closed_at, contract_value, loss_reason)."""

    leads: Rows
    clock_from: Moment | None = Field(
        None, description="When open deals' clocks start (not in the future); now by default."
    )


class ActivitiesIn(StrictIn):
    """Up to 1,000 past contacts (lead: its external id, at, channel, key_points, ...)."""

    activities: Rows


@router.post("/leads/history", response_model=HistoryReport)
def leads_history(body: HistoryIn, request: Request, uow: Uow, principal: Managers) -> Any:
    """Store leads with their past, marked migrated; nothing is sent for them. Rejected
    items are named (index from 0) and kept in the quarantine; stored ones are skipped."""
    report = import_history(
        uow.session,
        enumerate(body.leads),
        f"api key {principal.key_id}: POST /leads/history",
        rules_of(request),
        now=now(),
        clock_from=body.clock_from,
    )
    uow.commit()
    return report


@router.post("/activities/history", response_model=HistoryReport)
def activities_history(body: ActivitiesIn, request: Request, uow: Uow, principal: Managers) -> Any:
    """Store a CRM's follow-up log of migrated leads; it moves no timer."""
    report = import_activities(
        uow.session,
        enumerate(body.activities),
        f"api key {principal.key_id}: POST /activities/history",
        rules_of(request),
        now=now(),
    )
    uow.commit()
    return report
