"""/leads/{id}: the daily operations (win with the contract, answer objections, edit facts,
assign, review a disqualified lead, submit the conversion plan), each a thin call into the
service the CLI calls too."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from leadflow.api.action_schemas import CreatedOut, PlanAtIn, TransitionOut
from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import (
    MANAGERS,
    STAFF,
    Principal,
    Uow,
    lead_for,
    now,
    require,
    rules_of,
)
from leadflow.api.ops_schemas import AnswerIn, AssignIn, InvalidReviewIn, LeadPatch, WinIn
from leadflow.api.present import lead_detail
from leadflow.api.schemas import LeadOut, links
from leadflow.events import LEAD_CREATED, LEAD_WON, emit
from leadflow.lifecycle.assign import assign_lead
from leadflow.lifecycle.contract import win
from leadflow.lifecycle.invalid_review import review_invalid
from leadflow.lifecycle.objections import answer_objection
from leadflow.lifecycle.plans import submit_plan
from leadflow.lifecycle.update import update_lead

router = APIRouter(prefix="/leads/{lead_id}", tags=["lead operations"], route_class=LeadFlowRoute)
Staff = Annotated[Principal, Depends(require(*STAFF))]
# A system key creates leads and posts behaviour; it never edits a lead (issue 30).
Editor = Annotated[Principal, Depends(require(*STAFF))]
Manager = Annotated[Principal, Depends(require(*MANAGERS))]


@router.post("/win", response_model=TransitionOut)
def win_deal(
    lead_id: int, body: WinIn, request: Request, uow: Uow, principal: Staff
) -> TransitionOut:
    """Win a deal in negotiation with its approved contract (PUT /contract, POST
    /contract-approval); the delivery handoff follows."""
    lead_for(uow.session, principal, lead_id)
    lead = win(
        uow.session,
        lead_id,
        body.contract,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        at=body.at,
        reason=body.reason,
    )
    uow.commit()
    emit(LEAD_WON, [lead.id])  # after the commit: the handoff flow may start now
    return TransitionOut.of(lead)


@router.post("/objections/{objection_id}/answer", response_model=CreatedOut)
def answer(
    lead_id: int, objection_id: int, body: AnswerIn, uow: Uow, principal: Staff
) -> CreatedOut:
    """Record the answer to an objection; an answered objection stops reminding."""
    lead_for(uow.session, principal, lead_id)
    row = answer_objection(
        uow.session,
        lead_id,
        objection_id,
        response=body.response,
        by=principal.actor,
        now=now(),
        at=body.at,
    )
    uow.commit()
    return CreatedOut(id=row.id, lead_id=lead_id, links=links(lead_id))


@router.patch("", response_model=LeadOut)
def edit(lead_id: int, body: LeadPatch, request: Request, uow: Uow, principal: Editor) -> LeadOut:
    """Change a lead's facts; it is re-scored, re-graded and its timers recomputed at once.
    409 when `version` is stale; 403 for budgets and notes from a key that may not see them."""
    lead = lead_for(uow.session, principal, lead_id)
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    update_lead(
        uow.session,
        lead_id,
        changes,
        now=now(),
        rules=rules_of(request),
        sees_sensitive=principal.sees_sensitive(lead),
        expected_version=body.version,
    )
    uow.commit()
    return lead_detail(uow.session, lead, principal, rules_of(request))


@router.post("/assign", response_model=TransitionOut)
def assign(
    lead_id: int, body: AssignIn, request: Request, uow: Uow, principal: Manager
) -> TransitionOut:
    """Give a queued lead an owner or move an open lead to another rep (manager and
    director keys); the rep must be present and below capacity, and both reps are told."""
    lead = assign_lead(
        uow.session,
        lead_id,
        body.rep_id,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        reason=body.reason,
    )
    uow.commit()
    return TransitionOut.of(lead)


@router.post("/invalid-review", response_model=TransitionOut)
def invalid_review(
    lead_id: int, body: InvalidReviewIn, request: Request, uow: Uow, principal: Manager
) -> TransitionOut:
    """Confirm a disqualified lead as invalid, or reinstate it to screening with a reason
    (manager and director keys); a reinstated lead is screened again by the intake flow."""
    lead = review_invalid(
        uow.session,
        lead_id,
        decision=body.decision,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        reason=body.reason,
    )
    uow.commit()
    if body.decision == "reinstate":
        emit(LEAD_CREATED, [lead.id])  # the intake flow screens it again
    return TransitionOut.of(lead)


@router.post("/plan", status_code=201, response_model=CreatedOut)
def plan(lead_id: int, body: PlanAtIn, request: Request, uow: Uow, principal: Staff) -> CreatedOut:
    """Submit an opportunity's conversion plan: pain points, advantages, strategy,
    milestones, the price range offered (price_min, price_max) and terms; a new plan needs
    a new approval, and in negotiation so does another price or terms (a revision)."""
    lead_for(uow.session, principal, lead_id)
    row = submit_plan(
        uow.session,
        lead_id,
        body,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        directors=request.app.state.settings.director_recipients,
        at=body.at,
    )
    uow.commit()
    return CreatedOut(id=row.id, lead_id=lead_id, links=links(lead_id))
