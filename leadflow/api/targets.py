"""/targets: revenue, new-customer and repeat-rate targets per team or rep and period, and
the activity targets of seed 004 (valid leads a week per channel, follow-ups a working day).

Managers and directors set them (a new or changed target is proposed); a director approves
one (POST /targets/{id}/approval), which files it; every key may read them (they hold no
personal data), with their activity numbers as measured and any break-down warning."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import ConfigDict, Field

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import ANYONE, MANAGERS, Principal, Uow, now, require, rules_of
from leadflow.api.schemas import StrictIn
from leadflow.review.period import PERIOD_TEXT, PeriodText, read_period
from leadflow.rules.vocab import Role
from leadflow.schemas import Count, RowId
from leadflow.team import targets as svc
from leadflow.team.target_checks import approve_target
from leadflow.team.targets import TargetView

router = APIRouter(tags=["targets"], route_class=LeadFlowRoute)
Reader = Annotated[Principal, Depends(require(*ANYONE))]
Manager = Annotated[Principal, Depends(require(*MANAGERS))]
Director = Annotated[Principal, Depends(require(Role.director))]


class TargetIn(StrictIn):
    """A target for one team or one rep; numbers left out keep their stored value."""

    # Exactly one owner, as set_target requires: stated so that the OpenAPI tells it.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": "integer"}}}
                for name in ("team_id", "rep_id")
            ]
        }
    )

    period: PeriodText = Field(examples=["2026-Q3"])
    team_id: RowId | None = None
    rep_id: RowId | None = None
    revenue: float | None = Field(default=None, ge=0)
    new_customers: Count | None = None
    repeat_rate: float | None = Field(default=None, ge=0, le=1)
    valid_leads: dict[str, Count] | None = Field(
        default=None,
        description="Valid leads a week per channel; a channel given replaces its number, "
        "0 removes it",
        examples=[{"trade_show": 3}],
    )
    follow_ups_per_day: Count | None = Field(
        default=None, description="Intent customers to follow up each working day"
    )


@router.get("/targets", response_model=list[TargetView])
def list_targets(
    uow: Uow,
    _principal: Reader,
    request: Request,
    period: Annotated[PeriodText | None, Query(description=PERIOD_TEXT)] = None,
) -> list[TargetView]:
    """Targets of one period, or all; teams before reps; activity numbers as measured."""
    return svc.list_targets(uow.session, period, now(), rules_of(request).calendar)


@router.get("/targets/{target_id}", response_model=TargetView)
def show_target(target_id: int, uow: Uow, _principal: Reader, request: Request) -> TargetView:
    """One target, with its activity numbers as measured."""
    return svc.get_target(uow.session, target_id, now(), rules_of(request).calendar)


@router.post("/targets/{target_id}/approval", response_model=TargetView)
def approve(target_id: int, uow: Uow, principal: Director) -> TargetView:
    """A director approves a proposed target, which is filed (who and when are kept);
    approving a filed one again changes nothing."""
    target = approve_target(uow.session, target_id, principal.actor, now())
    uow.commit()
    return svc.full_view(uow.session, target, None, None)


@router.post(
    "/targets",
    status_code=201,
    response_model=TargetView,
    responses={200: {"model": TargetView, "description": "updated"}},
)
def set_target(body: TargetIn, uow: Uow, principal: Manager, response: Response) -> TargetView:
    """Set a team's or rep's target for a period (manager or director key): 201 when it
    is new, 200 when it updated the one already set. A new or changed target is proposed;
    `warnings` names the sums when the team's reps' targets do not add up to the team's."""
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
        valid_leads=body.valid_leads,
        follow_ups_per_day=body.follow_ups_per_day,
        by=principal.actor,
        now=now(),
    )
    uow.commit()
    if existed:
        response.status_code = 200
    return svc.full_view(uow.session, target, None, None)
