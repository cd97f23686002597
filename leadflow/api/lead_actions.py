"""/leads/{id}/...: behaviour, follow-ups, transitions, objections, assessment, approval and
conversion criteria. A rep key acts only on its own leads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from leadflow.api.action_schemas import (
    ActivityIn,
    ApprovalIn,
    ApprovalOut,
    AssessmentIn,
    AssessmentOut,
    CreatedOut,
    CriteriaIn,
    CriteriaOut,
    DeviationIn,
    DeviationOut,
    EventIn,
    ObjectionIn,
    ScoreOut,
    StageIn,
    StageOut,
    TransitionIn,
    TransitionOut,
)
from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import STAFF, Principal, Uow, lead_for, now, require, rules_of
from leadflow.api.schemas import links
from leadflow.errors import VersionConflict
from leadflow.events import LEAD_WON, emit
from leadflow.lifecycle import objections, prices
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.plans import approve_plan
from leadflow.lifecycle.stages import set_stage, stage_of
from leadflow.phrases import N_
from leadflow.rules.approval import plan_grade, role_needed, role_suffices
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Role, State
from leadflow.store.models import Lead

router = APIRouter(prefix="/leads/{lead_id}", tags=["lead actions"], route_class=LeadFlowRoute)
Staff = Annotated[Principal, Depends(require(*STAFF))]
Tracker = Annotated[Principal, Depends(require(Role.system, *STAFF))]
Approver = Annotated[Principal, Depends(require(Role.manager, Role.director))]


@router.post("/events", status_code=201, response_model=ScoreOut)
def track_event(
    lead_id: int, body: EventIn, request: Request, uow: Uow, principal: Tracker
) -> ScoreOut:
    """Record a behaviour (page_visit, download, webinar, reply); the score updates at once."""
    lead_for(uow.session, principal, lead_id)
    lead = svc.track_event(
        uow.session,
        lead_id,
        body.kind.value,
        now=now(),
        rules=rules_of(request),
        detail=body.detail,
        at=body.at,
    )
    uow.commit()
    return ScoreOut(
        id=lead.id,
        score=lead.score,
        behaviour_score=lead.behaviour_score,
        priority=lead.priority,
        nurture_stage=lead.nurture_stage,
        grade=lead.grade,
    )


@router.post("/activities", status_code=201, response_model=CreatedOut)
def log_activity(
    lead_id: int, body: ActivityIn, request: Request, uow: Uow, principal: Staff
) -> CreatedOut:
    """Log a follow-up contact: when, channel, key points, feedback, next action and due."""
    lead_for(uow.session, principal, lead_id)
    activity = svc.log_activity(
        uow.session,
        lead_id,
        channel=body.channel.value,
        key_points=body.key_points,
        now=now(),
        rules=rules_of(request),
        at=body.at,
        rep_id=principal.rep_id,
        feedback=body.feedback,
        next_action=body.next_action,
        next_action_due=body.next_action_due,
    )
    uow.commit()
    return CreatedOut(id=activity.id, lead_id=lead_id, links=links(lead_id))


@router.post("/transitions", response_model=TransitionOut)
def fire_trigger(
    lead_id: int, body: TransitionIn, request: Request, uow: Uow, principal: Staff
) -> TransitionOut:
    """Fire a lifecycle trigger; 409 names the allowed triggers, a guard's reason, or a
    version conflict (then nothing changed)."""
    lead = lead_for(uow.session, principal, lead_id)
    if body.expected_version is not None and body.expected_version != lead.version:
        raise VersionConflict(
            f"expected version {body.expected_version}, it is now "
            f"{lead.state!r} at version {lead.version}",
            lead_id=lead_id,
        )
    lead = svc.fire_trigger(
        uow.session,
        lead_id,
        body.trigger,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        reason=body.reason,
        at=body.at,
    )
    uow.commit()
    if lead.state == State.won.value:
        emit(LEAD_WON, [lead.id])  # after the commit: the handoff flow may start now
    return TransitionOut.of(lead)


@router.post("/objections", status_code=201, response_model=CreatedOut)
def add_objection(lead_id: int, body: ObjectionIn, uow: Uow, principal: Staff) -> CreatedOut:
    """Log an objection raised in negotiation (price, terms, function, competitor, ...)."""
    lead_for(uow.session, principal, lead_id)
    row = objections.add_objection(
        uow.session,
        lead_id,
        kind=body.kind.value,
        detail=body.detail,
        now=now(),
        at=body.at,
        key=body.key,
    )
    uow.commit()
    return CreatedOut(id=row.id, lead_id=lead_id, links=links(lead_id))


@router.post("/assessment", status_code=201, response_model=AssessmentOut)
def assess(
    lead_id: int, body: AssessmentIn, request: Request, uow: Uow, principal: Staff
) -> AssessmentOut:
    """Grade the opportunity (spec §7): urgency, budget, competition, decision chain."""
    lead_for(uow.session, principal, lead_id)
    row = svc.assess_opportunity(
        uow.session,
        lead_id,
        body.facts(),
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
        at=body.at,
    )
    uow.commit()
    return AssessmentOut(lead_id=lead_id, points=row.points, grade=row.grade)


def _approver(lead: Lead, principal: Principal, rules: RulesConfig) -> None:
    """403 unless the key's role approves plans of the lead's grade."""
    grade = plan_grade(lead.opportunity_grade, lead.grade)
    if not role_suffices(principal.role, grade, rules):
        raise HTTPException(
            403,
            N_(
                "a grade {grade} plan is approved by a {role} key",
                grade=grade.value,
                role=role_needed(grade, rules).value,
            ),
        )


@router.post("/approval", response_model=ApprovalOut)
def approve(
    lead_id: int,
    request: Request,
    uow: Uow,
    principal: Approver,
    body: ApprovalIn | None = None,
) -> ApprovalOut:
    """Approve an opportunity's submitted plan, or a revised plan in negotiation: a director
    key for grade A, a manager key for B or C (the opportunity grade, else the lead grade);
    409 without an assessment or a plan. An optional body's `at` says when, if earlier."""
    rules = rules_of(request)
    _approver(lead_for(uow.session, principal, lead_id), principal, rules)
    lead = approve_plan(
        uow.session,
        lead_id,
        role=principal.role.value,
        by=principal.actor,
        now=now(),
        rules=rules,
        at=body.at if body else None,
    )
    uow.commit()
    return ApprovalOut(
        id=lead.id,
        approved_role=lead.approved_role,
        approved_by=lead.approved_by,
        approved_at=lead.approved_at,
    )


@router.post("/price-deviation", status_code=201, response_model=DeviationOut)
def price_deviation(
    lead_id: int, body: DeviationIn, request: Request, uow: Uow, principal: Approver
) -> DeviationOut:
    """Approve a contract value outside the approved plan's price range (the key that
    approves the plan's grade); win then accepts exactly that value."""
    rules = rules_of(request)
    _approver(lead_for(uow.session, principal, lead_id), principal, rules)
    row = prices.approve_deviation(
        uow.session,
        lead_id,
        value=body.value,
        reason=body.reason,
        role=principal.role.value,
        by=principal.actor,
        now=now(),
        rules=rules,
    )
    uow.commit()
    return DeviationOut(
        lead_id=lead_id,
        value=row.value,
        reason=row.reason,
        approved_role=row.approved_role,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
    )


@router.post("/criteria", response_model=CriteriaOut)
def set_criteria(lead_id: int, body: CriteriaIn, uow: Uow, principal: Staff) -> CriteriaOut:
    """Record the conversion criteria that `qualify` checks (spec §6)."""
    lead_for(uow.session, principal, lead_id)
    lead = svc.update_conversion(
        uow.session,
        lead_id,
        intent_stated=body.intent_stated,
        budget_confirmed=body.budget_confirmed,
        decision_maker_engaged=body.decision_maker_engaged,
        target_date=body.target_date,
        now=now(),
        at=body.at,
    )
    uow.commit()
    return CriteriaOut.model_validate(lead)


@router.post("/stage", response_model=StageOut)
def move_stage(
    lead_id: int, body: StageIn, request: Request, uow: Uow, principal: Staff
) -> StageOut:
    """Move an opportunity or a negotiation to one of its sub-stages (seed 001: 技术评估阶段,
    价格谈判阶段); 409 outside those states, 422 naming the accepted sub-stages."""
    lead_for(uow.session, principal, lead_id)
    lead = set_stage(
        uow.session,
        lead_id,
        body.stage,
        now=now(),
        rules=rules_of(request),
        at=body.at,
        expected_version=body.expected_version,
    )
    uow.commit()
    return StageOut.model_validate(stage_of(lead))
