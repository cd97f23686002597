"""A timeline that cannot lie (issue 28): a time a person gives (`--at`, the API's "at")
is in the lead's own past, on SQLite and PostgreSQL. Nothing is stored when it is not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from leadflow.errors import InvalidInput
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.objections import add_objection
from leadflow.store.models import Activity, Lead, TransitionAudit
from tests import factories as f
from tests.integration.test_operations import NOW, _in_negotiation, _lead

HOUR = dt.timedelta(hours=1)


def _count(uow, model, lead_id: int) -> int:
    return uow.session.scalar(select(func.count()).where(model.lead_id == lead_id)) or 0


def test_a_contact_before_the_lead_was_created_is_refused(uow, rules):
    """docs/rules.md, Times: "A time you give is refused when it is in the future, when it
    is before the lead was created"; "The refusal names both times, and nothing is
    recorded"."""
    lead_id = _lead(uow, rules)
    created = uow.session.get(Lead, lead_id).created_at
    with pytest.raises(InvalidInput) as refused:
        svc.log_activity(
            uow.session,
            lead_id,
            channel="phone",
            key_points="call",
            now=NOW + HOUR,
            rules=rules,
            at=created - HOUR,
        )
    message = str(refused.value)
    assert f"before lead {lead_id} was created" in message
    assert (created - HOUR).isoformat(timespec="seconds") in message
    assert created.isoformat(timespec="seconds") in message
    uow.session.rollback()
    assert _count(uow, Activity, lead_id) == 0
    for record in (
        lambda: svc.track_event(
            uow.session, lead_id, "page_visit", now=NOW, rules=rules, at=created - HOUR
        ),
        lambda: add_objection(
            uow.session, lead_id, kind="price", detail="too dear", now=NOW, at=created - HOUR
        ),
    ):
        with pytest.raises(InvalidInput, match="was created"):
            record()
        uow.session.rollback()


def test_a_move_before_the_lead_entered_its_state_is_refused(uow, rules):
    """docs/rules.md, Times: "a move is refused when it is before the lead entered the
    state it leaves (a win before the negotiation began)"."""
    lead_id = _in_negotiation(uow, rules)
    audits = _count(uow, TransitionAudit, lead_id)
    entered = uow.session.get(Lead, lead_id).negotiation_at

    def win_at(at: dt.datetime) -> Lead:
        contract = ContractIn(value=Decimal(100_000))
        return f.sign(uow.session, lead_id, contract, by="ann", now=NOW + HOUR, rules=rules, at=at)

    with pytest.raises(InvalidInput, match=f"before lead {lead_id} entered 'negotiation'"):
        win_at(entered - dt.timedelta(minutes=1))
    uow.session.rollback()
    assert uow.session.get(Lead, lead_id).state == "negotiation"
    assert _count(uow, TransitionAudit, lead_id) == audits
    won = win_at(entered)
    assert won.state == "won" and won.won_at == entered


def test_a_qualification_before_the_first_contact_is_refused(uow, rules):
    """docs/rules.md, Times: "and a qualification before the lead's first contact"."""
    lead_id = _lead(uow, rules)
    s = uow.session
    svc.log_activity(
        s,
        lead_id,
        channel="phone",
        key_points="intro",
        now=NOW + 2 * HOUR,
        rules=rules,
        at=NOW + HOUR,
    )
    svc.update_conversion(s, lead_id, intent_stated=True, budget_confirmed=Decimal(1_500_000))
    uow.commit()
    with pytest.raises(InvalidInput, match="was first contacted"):
        svc.fire_trigger(
            s,
            lead_id,
            "qualify",
            by="ann",
            now=NOW + 2 * HOUR,
            rules=rules,
            at=NOW + dt.timedelta(minutes=30),
        )
    s.rollback()
    moved = svc.fire_trigger(
        s, lead_id, "qualify", by="ann", now=NOW + 2 * HOUR, rules=rules, at=NOW + HOUR
    )
    assert moved.state == "opportunity"
