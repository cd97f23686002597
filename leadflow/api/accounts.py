"""/accounts: customer accounts' tiers (seed 004: 初步意向 - 高意向 - 重点客户) and key
accounts' follow-up groups, set by managers and directors, the same service the CLI calls."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from leadflow.accounts import service as svc
from leadflow.accounts.service import AccountIn
from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import ANYONE, MANAGERS, Principal, Uow, now, require, rules_of
from leadflow.api.schemas import ErrorOut

router = APIRouter(tags=["accounts"], route_class=LeadFlowRoute)
Reader = Annotated[Principal, Depends(require(*ANYONE))]
Manager = Annotated[Principal, Depends(require(*MANAGERS))]


class AccountOut(BaseModel):
    """An account: tier, follow-up group and open leads."""

    id: int
    company: str
    tier: str
    tier_label: str
    team_id: int | None
    team: str | None
    open_leads: int
    updated_by: str
    updated_at: dt.datetime


class RoutedLead(BaseModel):
    """A key account's open lead moved to its group (or kept, and why)."""

    lead_id: int
    rep_id: int | None
    team_id: int | None = None
    kept: str | None = None


class AccountSetOut(AccountOut):
    """The account after the change, and the open leads it moved to its group."""

    routed: list[RoutedLead]


class AccountChangeOut(BaseModel):
    """One change to an account's name, tier or group."""

    field: str
    old: str | None
    new: str | None
    by: str
    at: dt.datetime


@router.post("/accounts", response_model=AccountSetOut)
def set_account(body: AccountIn, request: Request, uow: Uow, principal: Manager) -> AccountSetOut:
    """Create or change a company's account (manager or director key): `tier` initial,
    high or key, `team_id` its follow-up group (a key account needs one); a key account's
    open leads outside the group move to it at once."""
    data = svc.set_account(
        uow.session,
        body.model_dump(mode="json", exclude_unset=True),
        by=principal.actor,
        now=now(),
        rules=rules_of(request),
    )
    uow.commit()
    return AccountSetOut.model_validate(data)


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(uow: Uow, _principal: Reader, tier: str | None = None) -> list[AccountOut]:
    """Every account (of `tier`, when given), key accounts first."""
    return [AccountOut.model_validate(r) for r in svc.account_rows(uow.session, tier)]


@router.get(
    "/accounts/history",
    response_model=list[AccountChangeOut],
    responses={404: {"model": ErrorOut, "description": "No account for that company"}},
)
def account_history(uow: Uow, _principal: Reader, company: str) -> list[AccountChangeOut]:
    """Who changed the company's account, what and when, oldest first."""
    return [AccountChangeOut.model_validate(r) for r in svc.account_history(uow.session, company)]
