"""The contract (spec §2, §8; seed 001: 拟定合同并提交审批; seed 002: 起草合同(需法务审核),
明确交付标准、付款周期、违约责任): drafted while the deal is in negotiation, approved
(contract_approval.py), then signed with the win; the handoff, the review and the targets
read it from the lead."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session

from leadflow.amounts import Price
from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead, lead_time
from leadflow.lifecycle.prices import check_contract_value
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.explain import CONTRACT_SIGNED
from leadflow.rules.vocab import State
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import fire, note, write

Promise = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Term = Annotated[str, StringConstraints(max_length=2000)]

# Each term of the contract and the lead column that keeps it.
COLUMNS = {
    "value": "contract_value",
    "payment_terms": "payment_terms",
    "delivery_date": "delivery_date",
    "acceptance": "acceptance_standard",
    "liability": "liability_terms",
    "confidentiality": "confidentiality_terms",
    "promises": "promised",
    "legal_reviewed_by": "legal_reviewed_by",
}


class ContractIn(BaseModel):
    """The contract's terms: value, payment terms (付款周期), delivery date and acceptance
    standard (交付/验收标准), liability (违约责任) and confidentiality (保密) terms, what
    was promised, and who reviewed it for legal. Terms left out keep their values."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    value: Price | None = None
    payment_terms: Annotated[str, StringConstraints(max_length=300)] | None = None
    delivery_date: dt.date | None = None
    acceptance: Term | None = None
    liability: Term | None = None
    confidentiality: Term | None = None
    promises: Annotated[list[Promise], Field(max_length=50)] = []
    legal_reviewed_by: Annotated[str, StringConstraints(max_length=120)] | None = None

    def columns(self) -> dict[str, Any]:
        """The terms given (an empty text clears one), as the lead's column values."""
        given: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if name == "promises":
                value = "\n".join(value)
            given[COLUMNS[name]] = value if value != "" else None
        return given


def contract_terms(lead: Lead) -> dict[str, Any]:
    """The lead's contract as its terms are named (the draft, or the signed contract)."""
    terms = {name: getattr(lead, column) for name, column in COLUMNS.items()}
    terms["promises"] = [p for p in (lead.promised or "").splitlines() if p.strip()]
    return terms


def draft_contract(
    session: Session, lead_id: int, contract: ContractIn, *, by: str, now: dt.datetime
) -> Lead:
    """Record or change the contract draft of a deal in negotiation. A changed term clears
    an approval, and a legal review unless the change names the reviewer again."""
    lead = get_lead(session, lead_id)
    if lead.state != State.negotiation.value:
        raise GuardRefused(
            lead.id,
            "contract",
            N_(
                "a contract is drafted while the deal is in negotiation (the lead is {state})",
                state=lead.state,
            ),
        )
    given = contract.columns()
    if given.get("contract_value", lead.contract_value) is None:
        raise InvalidInput(
            N_("value: the contract value is required"), {"value": N_("required, above 0")}
        )
    changed = {k: v for k, v in given.items() if getattr(lead, k) != v}
    if not changed:
        return lead
    updates: dict[str, Any] = {**changed, "contract_drafted_by": by, "contract_drafted_at": now}
    if "legal_reviewed_by" in given:
        updates["legal_reviewed_at"] = now if given["legal_reviewed_by"] else None
    elif lead.legal_reviewed_by:
        updates |= {"legal_reviewed_by": None, "legal_reviewed_at": None}
        note(lead, "legal_reviewed_by", "cleared: legal reviewed the draft before this change")
    if lead.contract_approved_at is not None:
        updates |= {
            "contract_approved_by": None,
            "contract_approved_role": None,
            "contract_approved_at": None,
        }
        note(
            lead,
            "contract_approved_by",
            f"cleared: the draft changed after {lead.contract_approved_by} approved it",
        )
    write(lead, **updates)
    flush(session)
    return lead


def _to_sign(lead: Lead, contract: ContractIn | None, rules: RulesConfig) -> dict[str, Any]:
    """The terms a win writes: those given when no approval step is configured; none when
    the approved draft is signed, and then a term given must be the approved one."""
    given = contract.columns() if contract else {}
    if not rules.contract.approval_required or lead.state != State.negotiation.value:
        return given  # the machine refuses a win from another state, naming it
    if lead.contract_approved_at is None:
        return {}  # the machine's guard names what is missing
    differ = [
        name for name, col in COLUMNS.items() if col in given and given[col] != getattr(lead, col)
    ]
    if differ:
        raise GuardRefused(
            lead.id,
            "win",
            N_(
                "the contract differs from the approved draft in {fields}: record the change "
                "with `leadflow leads contract {lead}` and have it approved again",
                fields=", ".join(differ),
                lead=lead.id,
            ),
        )
    return {}


def win(
    session: Session,
    lead_id: int,
    contract: ContractIn | None = None,
    *,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
    at: dt.datetime | None = None,
    reason: str | None = None,
) -> Lead:
    """Sign the approved contract draft and fire `win` (with `contract.approval_required`
    false, the contract given is recorded with the win); if anything refuses, nothing is
    kept (the caller's unit of work rolls back)."""
    lead = get_lead(session, lead_id)
    write(lead, **_to_sign(lead, contract, rules))
    if lead.contract_value is not None:  # none: the machine names the missing contract
        check_contract_value(session, lead, lead.contract_value, rules)
    fire(
        lead,
        "win",
        by=by,
        at=lead_time(lead, at, now, "win"),
        rules=rules,
        reason=reason or CONTRACT_SIGNED,
    )
    flush(session)
    return lead
