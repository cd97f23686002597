"""Winning a deal (spec §2, §8): the signed contract is recorded with the win, in the same
transaction, and the handoff, the review and the targets read it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from leadflow.lifecycle.lookup import get_lead, lead_time
from leadflow.lifecycle.prices import check_contract_value
from leadflow.rules.config import RulesConfig
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import fire, write

Promise = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ContractIn(BaseModel):
    """The signed contract: its value (required), payment terms, delivery date, what was
    promised, and who reviewed it for legal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    value: Annotated[
        Decimal, Field(gt=0, le=Decimal("999999999999"), max_digits=14, decimal_places=2)
    ]
    payment_terms: Annotated[str, StringConstraints(max_length=300)] | None = None
    delivery_date: dt.date | None = None
    promises: Annotated[list[Promise], Field(max_length=50)] = []
    legal_reviewed_by: Annotated[str, StringConstraints(max_length=120)] | None = None


def win(
    session: Session,
    lead_id: int,
    contract: ContractIn,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    at: dt.datetime | None = None,
    reason: str | None = None,
) -> Lead:
    """Record the contract and fire `win`; if the machine refuses, nothing is kept (the
    caller's unit of work rolls back)."""
    lead = get_lead(session, lead_id)
    check_contract_value(session, lead, contract.value, rules)
    write(
        lead,
        contract_value=contract.value,
        payment_terms=contract.payment_terms,
        delivery_date=contract.delivery_date,
        promised="\n".join(contract.promises) or None,
        legal_reviewed_by=contract.legal_reviewed_by,
    )
    fire(
        lead,
        "win",
        by=by,
        at=lead_time(lead, at, now, "win"),
        rules=rules,
        reason=reason or "contract signed",
    )
    flush(session)
    return lead
