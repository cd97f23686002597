"""The contract's approval before the win (seed 001: 拟定合同并提交审批; seed 002: 起草合同
(需法务审核)): a manager or director approves the draft of a deal in negotiation, the role
following the plan approval roles by grade; legal must have reviewed it first when the
rules require it. A change to the draft clears the approval (contract.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.contract import contract_terms
from leadflow.lifecycle.lookup import get_lead
from leadflow.phrases import N_
from leadflow.rules.approval import plan_grade, role_needed, role_suffices
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Role, State
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import write

APPROVERS = (Role.manager.value, Role.director.value)


def _refuse(lead: Lead, why: str) -> GuardRefused:
    return GuardRefused(lead.id, "approve-contract", why)


def approve_contract(
    session: Session, lead_id: int, *, role: str, by: str, now: dt.datetime, rules: RulesConfig
) -> Lead:
    """Approve the contract draft of a deal in negotiation, as a manager (grade B/C) or a
    director (any grade); refused, naming the precondition, without a draft or without the
    legal review the rules require."""
    if role not in APPROVERS:
        raise InvalidInput(
            N_("role: {role} may not approve a contract", role=repr(role)),
            {"role": N_("must be manager or director")},
        )
    lead = get_lead(session, lead_id)
    if lead.state != State.negotiation.value:
        raise _refuse(
            lead,
            N_("a contract is approved in negotiation (the lead is {state})", state=lead.state),
        )
    if lead.contract_value is None:
        raise _refuse(
            lead,
            N_(
                "there is no contract draft: `leadflow leads contract {lead} --value AMOUNT ...` "
                "or PUT /leads/{{id}}/contract",
                lead=lead.id,
            ),
        )
    if rules.contract.legal_review_required and not lead.legal_reviewed_by:
        raise _refuse(
            lead,
            N_(
                "legal has not reviewed the draft (contract.legal_review_required): "
                "`leadflow leads contract {lead} --legal-reviewed-by NAME`",
                lead=lead.id,
            ),
        )
    grade = plan_grade(lead.opportunity_grade, lead.grade)
    if not role_suffices(role, grade, rules):
        raise _refuse(
            lead,
            N_(
                "a grade {grade} contract is approved by a {role}",
                grade=grade.value,
                role=role_needed(grade, rules).value,
            ),
        )
    write(lead, contract_approved_by=by, contract_approved_role=role, contract_approved_at=now)
    flush(session)
    return lead


def contract_view(lead: Lead) -> dict[str, Any] | None:
    """The contract as `leads show` and GET /leads/{id} present it: its terms, who drafted
    it, legal's review, and where it stands (draft, approved, signed)."""
    if lead.contract_value is None:
        return None
    if lead.state == State.won.value:
        status = "signed"
    elif lead.contract_approved_at is not None:
        status = "approved"
    else:
        status = "draft"
    return {
        **contract_terms(lead),
        "status": status,
        "drafted_by": lead.contract_drafted_by,
        "drafted_at": lead.contract_drafted_at,
        "legal_reviewed_at": lead.legal_reviewed_at,
        "approved_by": lead.contract_approved_by,
        "approved_role": lead.contract_approved_role,
        "approved_at": lead.contract_approved_at,
    }


def contract_line(view: dict[str, Any]) -> str:
    """One line saying where the contract stands, for `leads show`."""
    legal = view["legal_reviewed_by"] or "not reviewed by legal"
    said = f"contract: {view['status']}, value {view['value']}, legal: {legal}"
    if view["approved_at"] is not None:
        said += (
            f", approved by {view['approved_role']} {view['approved_by']} at {view['approved_at']}"
        )
    return said
