"""/leads/{id}/minutes: the minutes of each negotiation (seed 003: 形成《谈判纪要》…由客户方
联系人签字确认), recorded by the rep (or a manager or director) and read back, through the
same services as `leadflow leads minutes`."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field, StringConstraints

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import STAFF, Principal, Uow, lead_for, now, require
from leadflow.api.schemas import StrictIn
from leadflow.lifecycle.minutes import list_minutes, minutes_of, record_minutes
from leadflow.schemas import Moment

router = APIRouter(prefix="/leads/{lead_id}", tags=["negotiation"], route_class=LeadFlowRoute)
Staff = Annotated[Principal, Depends(require(*STAFF))]
Point = Annotated[str, StringConstraints(max_length=2000)]
Name = Annotated[str, StringConstraints(max_length=120)]


class MinutesIn(StrictIn):
    """The minutes of one negotiation: when it was held, what was agreed, what is still
    open, and the customer's contact who confirmed them."""

    held_at: Moment | None = Field(
        default=None,
        description="When the negotiation was held, if earlier than now: not in the future, "
        "not before the lead's negotiation started.",
    )
    agreed: list[Point] = Field(max_length=100, description="The points agreed (at least one).")
    open_issues: list[Point] = Field(default=[], max_length=100, description="Issues still open.")
    confirmed_by: Name = Field(description="The customer's contact who confirmed the minutes.")
    confirmed_title: Name | None = Field(default=None, description="That contact's title.")
    confirmed_at: Moment | None = Field(
        default=None, description="When the contact confirmed them (default: now)."
    )


class MinutesOut(BaseModel):
    """One negotiation's minutes as recorded."""

    id: int
    lead_id: int
    held_at: dt.datetime
    agreed: list[str]
    open_issues: list[str]
    confirmed_by: str
    confirmed_title: str | None
    confirmed_at: dt.datetime
    recorded_by: str
    recorded_at: dt.datetime


@router.post("/minutes", status_code=201, response_model=MinutesOut)
def add_minutes(lead_id: int, body: MinutesIn, uow: Uow, principal: Staff) -> MinutesOut:
    """Record a negotiation's minutes on a lead in negotiation (409 otherwise); 422 names
    a missing point agreed or confirming contact, or a held_at outside the lead's past."""
    lead_for(uow.session, principal, lead_id)
    row = record_minutes(
        uow.session,
        lead_id,
        held_at=body.held_at,
        agreed=body.agreed,
        open_issues=body.open_issues,
        confirmed_by=body.confirmed_by,
        confirmed_title=body.confirmed_title,
        confirmed_at=body.confirmed_at,
        by=principal.actor,
        now=now(),
    )
    uow.commit()
    return MinutesOut.model_validate(minutes_of(row))


@router.get("/minutes", response_model=list[MinutesOut])
def get_minutes(lead_id: int, uow: Uow, principal: Staff) -> list[MinutesOut]:
    """A lead's negotiation minutes, in the order the negotiations were held."""
    lead_for(uow.session, principal, lead_id)
    return [MinutesOut.model_validate(m) for m in list_minutes(uow.session, lead_id)]
