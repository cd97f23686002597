"""/targets: revenue, new-customer and repeat-rate targets per team or rep and period.

Managers and directors set them; every key may read them (they hold no personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import Field

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import ANYONE, MANAGERS, Principal, Uow, require
from leadflow.api.schemas import StrictIn
from leadflow.review.period import read_period
from leadflow.schemas import Count, RowId
from leadflow.team import targets as svc
from leadflow.team.targets import TargetView

router = APIRouter(tags=["targets"], route_class=LeadFlowRoute)
Reader = Annotated[Principal, Depends(require(*ANYONE))]
Manager = Annotated[Principal, Depends(require(*MANAGERS))]


class TargetIn(StrictIn):
    """A target for one team or one rep; numbers left out keep their stored value."""

    period: str = Field(
        description="A quarter (2026-Q3), a month (2026-09) or an ISO week (2026-W49)",
        examples=["2026-Q3"],
    )
    team_id: RowId | None = None
    rep_id: RowId | None = None
    revenue: float | None = Field(default=None, ge=0)
    new_customers: Count | None = None
    repeat_rate: float | None = Field(default=None, ge=0, le=1)


@router.get("/targets", response_model=list[TargetView])
def list_targets(
    uow: Uow,
    _principal: Reader,
    period: Annotated[str | None, Query(description="2026-Q3, 2026-09 or 2026-W49")] = None,
) -> list[TargetView]:
    """Targets of one period, or all; teams before reps."""
    return svc.list_targets(uow.session, period)


@router.get("/targets/{target_id}", response_model=TargetView)
def show_target(target_id: int, uow: Uow, _principal: Reader) -> TargetView:
    """One target."""
    return svc.get_target(uow.session, target_id)


@router.post(
    "/targets",
    status_code=201,
    response_model=TargetView,
    responses={200: {"model": TargetView, "description": "updated"}},
)
def set_target(body: TargetIn, uow: Uow, _principal: Manager, response: Response) -> TargetView:
    """Set a team's or rep's target for a period (manager or director key): 201 when it
    is new, 200 when it updated the one already set."""
    label = read_period(body.period).label
    existed = svc.find_target(uow.session, label, body.team_id, body.rep_id) is not None
    target = svc.set_target(
        uow.session,
        label,
        team_id=body.team_id,
        rep_id=body.rep_id,
        revenue=body.revenue,
        new_customers=body.new_customers,
        repeat_rate=body.repeat_rate,
    )
    uow.commit()
    if existed:
        response.status_code = 200
    return svc.target_view(uow.session, target)
