"""/checks and /leads/{id}/check, /leads/{id}/grade-confirmation, /leads/{id}/verify: a
supervisor's check of new entries (seed 001) and of an opportunity's grade (seed 002), and
the owner's monthly re-verification, the same services the CLI calls."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import MANAGERS, STAFF, Principal, Uow, lead_for, now, require, rules_of
from leadflow.api.schemas import StrictIn
from leadflow.intake.checks import check_entry, unchecked, verify_facts
from leadflow.lifecycle.grade_confirmation import confirm_grade, confirmation
from leadflow.phrases import N_
from leadflow.rules.vocab import Grade
from leadflow.schemas import MAX_ID, Flag

router = APIRouter(tags=["checks"], route_class=LeadFlowRoute)
Manager = Annotated[Principal, Depends(require(*MANAGERS))]
Staff = Annotated[Principal, Depends(require(*STAFF))]


class CheckIn(StrictIn):
    """A supervisor's check: `ok` as entered, or `fix` the named facts first."""

    # Exactly one of the two, as the check below requires: stated so the OpenAPI tells it.
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["ok"],
                    "properties": {"ok": {"const": True}, "fix": {"maxProperties": 0}},
                },
                {
                    "required": ["fix"],
                    "properties": {"fix": {"minProperties": 1}, "ok": {"const": False}},
                },
            ]
        }
    )

    ok: Flag = False
    fix: dict[str, Any] = Field(default={}, description="Field -> corrected value.")
    version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="Refuse (409) if the lead changed since this version."
    )

    @model_validator(mode="after")
    def _one_of(self) -> CheckIn:
        if self.ok == bool(self.fix):
            raise ValueError(N_("give exactly one of ok: true or fix: {field: value}"))
        return self


class CheckOut(BaseModel):
    """A lead after its check or re-verification."""

    id: int
    version: int
    state: str
    check_state: str | None
    checked_by: str | None
    checked_at: dt.datetime | None
    facts_confirmed_at: dt.datetime | None
    grade: str | None


class UncheckedItem(BaseModel):
    """A lead in the check queue: who entered it, when, what it lacks, what to confirm."""

    id: int
    company: str
    entered_by: str | None
    entered_at: dt.datetime
    state: str
    missing: list[str]
    to_confirm: dict[str, str]


class GradeConfirmationIn(StrictIn):
    """A manager's confirmation of the assessed grade, or the grade set in its place."""

    grade: Grade | None = Field(default=None, description="Set in place of the assessed grade.")
    version: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="Refuse (409) if the lead changed since this version."
    )


class GradeConfirmationOut(BaseModel):
    """An opportunity's confirmed grade, who confirmed it, and who follows the deal."""

    id: int
    version: int
    opportunity_grade: str | None
    grade_override: str | None
    grade_confirmed_by: str | None
    grade_confirmed_at: dt.datetime | None
    brief_due: dt.datetime | None
    followers: list[str]


@router.get("/checks", response_model=list[UncheckedItem])
def check_queue(
    request: Request,
    uow: Uow,
    _principal: Manager,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[UncheckedItem]:
    """Leads entered by hand or from a file that no supervisor has checked, oldest first
    (manager and director keys)."""
    return [
        UncheckedItem.model_validate(r) for r in unchecked(uow.session, rules_of(request), limit)
    ]


@router.post("/leads/{lead_id}/check", response_model=CheckOut)
def check(lead_id: int, body: CheckIn, request: Request, uow: Uow, principal: Manager) -> CheckOut:
    """A supervisor's check of a lead's entry (manager and director keys): `ok`, or `fix`
    facts first; a lead still missing a required field is refused (409)."""
    lead = check_entry(
        uow.session,
        lead_id,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        fixes=body.fix or None,
        expected_version=body.version,
    )
    uow.commit()
    return CheckOut.model_validate(lead, from_attributes=True)


@router.post("/leads/{lead_id}/grade-confirmation", response_model=GradeConfirmationOut)
def grade_confirmation(
    lead_id: int, body: GradeConfirmationIn, request: Request, uow: Uow, principal: Manager
) -> GradeConfirmationOut:
    """A sales manager (or director) confirms the opportunity's assessed grade, or sets
    `grade` in its place (seed 002); a confirmed grade A adds the directors and the core
    team to the deal and tells them. 409 before the deal is assessed."""
    lead = confirm_grade(
        uow.session,
        lead_id,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        followers=request.app.state.settings.deal_followers(),
        grade=body.grade.value if body.grade else None,
        expected_version=body.version,
    )
    uow.commit()
    return GradeConfirmationOut.model_validate(confirmation(lead))


@router.post("/leads/{lead_id}/verify", response_model=CheckOut)
def verify(lead_id: int, uow: Uow, principal: Staff) -> CheckOut:
    """The owner (or a manager) confirms the lead's facts still hold: the monthly
    re-verification; the next reminder is a month away."""
    lead_for(uow.session, principal, lead_id)
    lead = verify_facts(uow.session, lead_id, now=now())
    uow.commit()
    return CheckOut.model_validate(lead, from_attributes=True)
