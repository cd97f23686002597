"""/reminders/due (what a reminder pass would send) and the follow-up records reminders wait
for: /leads/{id}/brief, /leads/{id}/handoff and /leads/{id}/win-review."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import MANAGERS, STAFF, Principal, Uow, lead_for, now, require, rules_of
from leadflow.api.schemas import StrictIn
from leadflow.followup.reminders import PlannedMessage, preview
from leadflow.handoff.details import HandoffIn, set_handoff
from leadflow.lifecycle.opportunity import record_brief, record_win_review
from leadflow.phrases import N_
from leadflow.schemas import Moment

router = APIRouter(tags=["follow-up"], route_class=LeadFlowRoute)
Staff = Annotated[Principal, Depends(require(*STAFF))]
Managers = Annotated[Principal, Depends(require(*MANAGERS))]


class BriefIn(StrictIn):
    """The opportunity brief (立项报告) of a grade-A deal."""

    text: str = Field(min_length=1, max_length=20000)


class WinReviewIn(StrictIn):
    """The post-win review of a won deal."""

    notes: str = Field(min_length=1, max_length=20000)


class RecordedOut(BaseModel):
    """A follow-up record kept, and when."""

    lead_id: int
    recorded_at: dt.datetime


# A reminder pass counts back days and weeks from its time: near year 1 the arithmetic
# leaves the calendar (a 500 the contract suite found), so an "as of" time is a real one.
AS_OF_YEARS = r"^(?:19|2[0-9])[0-9]{2}-"


def _real_year(value: Any) -> Any:
    if isinstance(value, str) and not re.match(AS_OF_YEARS, value):
        raise ValueError(N_("a time from the years 1900 to 2999 (ISO with zone)"))
    return value


AsOf = Annotated[
    Moment,
    BeforeValidator(_real_year),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": AS_OF_YEARS}),
]


@router.get("/reminders/due", response_model=list[PlannedMessage])
def reminders_due(
    request: Request,
    uow: Uow,
    principal: Managers,
    at: Annotated[
        AsOf | None,
        Query(description="As of this time (ISO with zone, years 1900 to 2999); now by default."),
    ] = None,
) -> list[PlannedMessage]:
    """What a reminder pass would send at `at`: reminders and escalations; nothing is sent."""
    return preview(
        uow.session, at or now(), rules_of(request), request.app.state.settings.director_recipients
    )


def _record(
    uow: Uow, principal: Principal, lead_id: int, keep: Callable[..., object], **text: str
) -> RecordedOut:
    """Keep one follow-up record on a lead the caller may act on, and commit."""
    lead_for(uow.session, principal, lead_id)
    when = now()
    keep(uow.session, lead_id, by=principal.actor, now=when, **text)
    uow.commit()
    return RecordedOut(lead_id=lead_id, recorded_at=when)


@router.post("/leads/{lead_id}/brief", response_model=RecordedOut)
def brief(lead_id: int, body: BriefIn, uow: Uow, principal: Staff) -> RecordedOut:
    """Record the opportunity brief; the brief reminder stops."""
    return _record(uow, principal, lead_id, record_brief, text=body.text)


@router.post("/leads/{lead_id}/win-review", response_model=RecordedOut)
def win_review(lead_id: int, body: WinReviewIn, uow: Uow, principal: Staff) -> RecordedOut:
    """Record the post-win review; its reminder stops."""
    return _record(uow, principal, lead_id, record_win_review, notes=body.notes)


class HandoffOut(BaseModel):
    """A won deal's delivery details as they now stand, and what became of its package."""

    lead_id: int
    delivery_owner: str | None
    delivery_start: dt.date | None
    go_live: dt.date | None
    customer_contact: str | None
    package: str
    delivered_at: dt.datetime | None


@router.patch("/leads/{lead_id}/handoff", response_model=HandoffOut)
def handoff(
    lead_id: int, body: HandoffIn, request: Request, uow: Uow, principal: Staff
) -> HandoffOut:
    """Set a won deal's delivery owner, dates and customer contact (the fields sent; the
    others stay); a package already made is rebuilt and mailed again."""
    lead_for(uow.session, principal, lead_id)
    data = set_handoff(uow.session, lead_id, body, now=now(), settings=request.app.state.settings)
    uow.commit()
    return HandoffOut(**data)
