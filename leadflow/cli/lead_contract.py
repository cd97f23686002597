"""`leadflow leads contract|approve-contract|win`: draft the contract in negotiation, approve
it, and win the deal with it; thin calls into the services the API calls too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.leads import AT, BY, app, utc, utcnow
from leadflow.cli.output import JSON_OPTION, emit
from leadflow.events import LEAD_WON
from leadflow.events import emit as emit_event
from leadflow.lifecycle.contract import ContractIn, draft_contract, win
from leadflow.lifecycle.contract_approval import approve_contract, contract_view
from leadflow.schemas import validated
from leadflow.settings import get_rules

VALUE = typer.Option(None, "--value", help="The contract value (above 0).")
PAYMENT = typer.Option(None, help="付款周期, for example: 30% upfront, 70% on acceptance.")
DELIVERY = typer.Option(None, formats=["%Y-%m-%d"], help="Agreed delivery date, YYYY-MM-DD.")
ACCEPTANCE = typer.Option(None, help="交付/验收标准: how delivery is accepted.")
LIABILITY = typer.Option(None, help="违约责任: what a party owes when it breaches.")
CONFIDENTIALITY = typer.Option(None, help="保密: the confidentiality terms.")
PROMISE = typer.Option(
    [],
    "--promise",
    help="One thing promised to the customer; repeat for more (the first is the solution).",
)
LEGAL = typer.Option(None, help="Who reviewed the contract for legal.")
TERM_OPTIONS = frozenset(
    {"value", "payment_terms", "delivery_date", "acceptance", "liability"}
    | {"confidentiality", "promise", "legal_reviewed_by"}
)


def _contract(options: dict[str, Any]) -> ContractIn | None:
    """The terms given among a command's options (those left out are not sent), or None."""
    given = {
        ("promises" if name == "promise" else name): value
        for name, value in options.items()
        if name in TERM_OPTIONS and value is not None and value != []
    }
    if isinstance(given.get("delivery_date"), dt.datetime):
        given["delivery_date"] = given["delivery_date"].date()
    return validated(ContractIn, given) if given else None


@app.command("contract")
def contract_cmd(
    lead_id: int,
    value: str | None = VALUE,
    payment_terms: str | None = PAYMENT,
    delivery_date: dt.datetime | None = DELIVERY,
    acceptance: str | None = ACCEPTANCE,
    liability: str | None = LIABILITY,
    confidentiality: str | None = CONFIDENTIALITY,
    promise: list[str] = PROMISE,
    legal_reviewed_by: str | None = LEGAL,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Record or change the contract draft of a deal in negotiation.

    Terms left out keep their values; an empty text ("") clears one.

    A changed term clears the approval.

    It clears legal's review too, unless --legal-reviewed-by names the reviewer again."""
    terms = _contract(locals())
    with unit_of_work(by) as uow:
        lead = draft_contract(uow.session, lead_id, terms or ContractIn(), by=by, now=utcnow())
        uow.commit()
        data = contract_view(lead)
    emit(data, as_json, f"lead {lead_id}: contract draft recorded ({_status(data)})")


@app.command("approve-contract")
def approve_contract_cmd(
    lead_id: int,
    role: str = typer.Option(..., help="manager | director"),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve the contract draft of a deal in negotiation (needed by win).

    A director approves grade A, a manager B or C; legal must have reviewed the draft."""
    with unit_of_work(by) as uow:
        lead = approve_contract(
            uow.session, lead_id, role=role, by=by, now=utcnow(), rules=get_rules()
        )
        uow.commit()
        data = contract_view(lead)
    emit(data, as_json, f"lead {lead_id}: contract approved by {role} {by}")


@app.command("win")
def win_cmd(
    lead_id: int,
    value: str | None = VALUE,
    payment_terms: str | None = PAYMENT,
    delivery_date: dt.datetime | None = DELIVERY,
    promise: list[str] = PROMISE,
    legal_reviewed_by: str | None = LEGAL,
    at: dt.datetime | None = AT,
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Win a deal in negotiation with its approved contract; the handoff follows.

    Terms given must be the approved ones.

    With contract.approval_required false, the terms given (or the draft) are signed as they are."""
    terms = _contract(locals())
    with unit_of_work(by) as uow:
        lead = win(uow.session, lead_id, terms, by=by, now=utcnow(), rules=get_rules(), at=utc(at))
        uow.commit()
        data = {"id": lead.id, "state": lead.state, "contract_value": lead.contract_value}
    emit_event(LEAD_WON, [lead_id])  # after the commit: the handoff flow may start now
    emit(data, as_json, f"lead {lead_id}: won, contract value {data['contract_value']}")


def _status(data: dict[str, Any] | None) -> str:
    return str((data or {}).get("status", "none"))
