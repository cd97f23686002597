"""/leads/{id}/contract and /leads/{id}/contract-approval: the contract draft of a deal in
negotiation and its approval before the win (seed 001: 拟定合同并提交审批; seed 002: 起草合同
(需法务审核)), thin calls into the services the CLI calls too."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import MANAGERS, STAFF, Principal, Uow, lead_for, now, require, rules_of
from leadflow.lifecycle.contract import ContractIn, draft_contract
from leadflow.lifecycle.contract_approval import approve_contract, contract_view
from leadflow.store.models import Lead

router = APIRouter(prefix="/leads/{lead_id}", tags=["lead operations"], route_class=LeadFlowRoute)
Staff = Annotated[Principal, Depends(require(*STAFF))]
Approver = Annotated[Principal, Depends(require(*MANAGERS))]


class ContractOut(BaseModel):
    """The contract's terms, who drafted it, legal's review and its approval; status is
    draft, approved or signed."""

    id: int
    status: str
    value: Decimal
    payment_terms: str | None
    delivery_date: dt.date | None
    acceptance: str | None
    liability: str | None
    confidentiality: str | None
    promises: list[str]
    legal_reviewed_by: str | None
    legal_reviewed_at: dt.datetime | None
    drafted_by: str | None
    drafted_at: dt.datetime | None
    approved_by: str | None
    approved_role: str | None
    approved_at: dt.datetime | None

    @classmethod
    def of(cls, lead: Lead) -> ContractOut:
        """The lead's contract."""
        return cls.model_validate({"id": lead.id, **(contract_view(lead) or {})})


@router.put("/contract", response_model=ContractOut)
def put_contract(lead_id: int, body: ContractIn, uow: Uow, principal: Staff) -> ContractOut:
    """Record or change the contract draft of a deal in negotiation: terms left out keep
    their values, null or "" clears one; the value is required for the first draft. A
    changed term clears the approval, and legal's review unless the body names it again;
    409 when the deal is not in negotiation."""
    lead_for(uow.session, principal, lead_id)
    lead = draft_contract(uow.session, lead_id, body, by=principal.actor, now=now())
    uow.commit()
    return ContractOut.of(lead)


@router.post("/contract-approval", response_model=ContractOut)
def approve(lead_id: int, request: Request, uow: Uow, principal: Approver) -> ContractOut:
    """Approve the contract draft (needed by the win): a director key for grade A, a manager
    key for B or C, as for the plan; 409, naming what is missing, without a draft, without
    legal's review (when contract.legal_review_required) or outside negotiation."""
    lead_for(uow.session, principal, lead_id)
    lead = approve_contract(
        uow.session,
        lead_id,
        role=principal.role.value,
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
    )
    uow.commit()
    return ContractOut.of(lead)
