"""The contract value against the approved plan (seed 003: 若涉及价格或条款变动,需内部审批
后同步客户): a deal is won within the approved plan's price range, or at a value whose
deviation a manager or director approved; never while a revised plan awaits approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead
from leadflow.lifecycle.plan_notice import amount, price_text
from leadflow.lifecycle.plans import approved_plan, approver_role, current_plan
from leadflow.phrases import N_
from leadflow.rules.approval import plan_grade, role_needed
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import State
from leadflow.store.deal_models import ConversionPlan, PriceDeviation
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import note

DEVIATION_HOW = "leads approve-deviation ID --value V --reason TEXT, or POST /price-deviation"


def _outside(plan: ConversionPlan, value: Decimal) -> bool:
    """Whether the value falls outside the plan's range (a plan without prices has none)."""
    if plan.price_min is None or plan.price_max is None:
        return False
    return not plan.price_min <= value <= plan.price_max


def _deviation(session: Session, plan: ConversionPlan, value: Decimal) -> PriceDeviation | None:
    """The newest approved deviation to exactly this value from this plan."""
    return session.scalars(
        select(PriceDeviation)
        .where(PriceDeviation.plan_id == plan.id, PriceDeviation.value == value)
        .order_by(PriceDeviation.id.desc())
        .limit(1)
    ).first()


def check_contract_value(session: Session, lead: Lead, value: Decimal, rules: RulesConfig) -> None:
    """Refuse a win in negotiation while a revised plan awaits approval, or at a value
    outside the approved plan's range without an approved deviation to that value."""
    if lead.state != State.negotiation.value:
        return  # the machine names what a win needs from any other state
    plan = current_plan(session, lead.id)
    if plan is not None and plan.approved_at is None:
        role = role_needed(plan_grade(lead.opportunity_grade, lead.grade), rules)
        raise GuardRefused(
            lead.id,
            "win",
            N_(
                "the revised plan of {day} (price {price}) awaits approval by a {role} "
                "(leads approve, or POST /approval)",
                day=f"{plan.submitted_at:%Y-%m-%d}",
                price=price_text(plan),
                role=role.value,
            ),
        )
    held = approved_plan(session, lead.id)
    if held is None or not _outside(held, value) or _deviation(session, held, value):
        return
    raise GuardRefused(
        lead.id,
        "win",
        f"the contract value {amount(value)} is outside the approved plan's price range "
        f"{price_text(held)}: the deviation needs approval first ({DEVIATION_HOW})",
    )


def approve_deviation(
    session: Session,
    lead_id: int,
    *,
    value: Decimal,
    reason: str,
    role: str,
    by: str,
    now: dt.datetime,
    rules: RulesConfig,
) -> PriceDeviation:
    """Approve a contract value outside the approved plan's range, as the role that
    approves the plan's grade; the win then accepts exactly that value."""
    lead = get_lead(session, lead_id)
    if value <= 0:
        raise InvalidInput(
            N_("value: the contract value must be above 0"), {"value": N_("must be > 0")}
        )
    why = reason.strip()
    if not why:
        raise InvalidInput(
            N_("reason: say why the deviation is approved"), {"reason": N_("required")}
        )
    if lead.state != State.negotiation.value:
        raise GuardRefused(
            lead.id,
            "approve-deviation",
            N_(
                "a price deviation is approved for a deal in negotiation (the lead is {state})",
                state=lead.state,
            ),
        )
    chosen = approver_role(lead, role, "approve-deviation", rules)
    plan = current_plan(session, lead.id)
    if plan is None or plan.approved_at is None:
        raise GuardRefused(
            lead.id,
            "approve-deviation",
            N_(
                "the deal has no approved plan to deviate from: its (revised) plan is approved "
                "first (leads approve, or POST /approval)"
            ),
        )
    if not _outside(plan, value):
        raise GuardRefused(
            lead.id,
            "approve-deviation",
            f"{amount(value)} is within the approved plan's price range {price_text(plan)}: "
            "no deviation needs approval",
        )
    row = PriceDeviation(
        lead_id=lead.id,
        plan_id=plan.id,
        value=value,
        reason=why,
        approved_role=chosen.value,
        approved_by=by,
        approved_at=now,
    )
    session.add(row)
    note(
        lead,
        "price_deviation",
        f"contract value {amount(value)} approved outside the plan's range "
        f"{price_text(plan)} by {chosen.value} {by}: {why}",
    )
    flush(session)
    return row


def price_state(session: Session, lead_id: int) -> dict[str, Any] | None:
    """The current plan's price, terms and approval, and the deviations approved from the
    approved plan, for `leads show` and GET /leads/{id}."""
    plan = current_plan(session, lead_id)
    if plan is None:
        return None
    held = plan if plan.approved_at is not None else approved_plan(session, lead_id)
    deviations: list[PriceDeviation] = (
        []
        if held is None
        else list(
            session.scalars(
                select(PriceDeviation)
                .where(PriceDeviation.plan_id == held.id)
                .order_by(PriceDeviation.id)
            )
        )
    )
    return {
        "price_min": plan.price_min,
        "price_max": plan.price_max,
        "terms": plan.terms,
        "approval": "approved" if plan.approved_at is not None else "awaiting approval",
        "approved_role": plan.approved_role,
        "approved_by": plan.approved_by,
        "approved_at": plan.approved_at,
        "approved_price_min": held.price_min if held else None,
        "approved_price_max": held.price_max if held else None,
        "deviations": [
            {
                "value": d.value,
                "reason": d.reason,
                "approved_role": d.approved_role,
                "approved_by": d.approved_by,
                "approved_at": d.approved_at,
            }
            for d in deviations
        ],
    }
