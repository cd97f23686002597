"""Returning contacts (spec §1): a known contact's new inquiry is kept as a touch, and what it
does depends on the lead it matches; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.view import full_story
from leadflow.store.deal_models import Touch
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import OutboxMessage
from tests import factories as f
from tests.integration.test_operations import _in_negotiation, _lead

NOW = f.NOW
LATER = NOW + dt.timedelta(days=5)


def _inquiry(uow, rules, **record) -> int:
    summary = store_leads(uow.session, [(1, f.lead_record(**record))], "web", rules, now=LATER)
    process_new_leads(uow.session, summary.lead_ids, LATER, rules)
    uow.commit()
    return summary.duplicate_of.get(1) or summary.lead_ids[0]


def _notices(uow, lead_id: int) -> list[str]:
    return [
        m.kind
        for m in uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.lead_id == lead_id).order_by(OutboxMessage.id)
        )
    ]


def test_an_open_lead_takes_the_new_facts_and_its_owner_is_told(uow, rules):
    """Spec §1: "Every later inquiry from the same person ... is kept as a touch (channel,
    detail, time, need) beside it"; the source "never changes"."""
    lead_id = _lead(uow, rules, email="jo@acme.example", need="CRM for 10")
    assert (
        _inquiry(
            uow,
            rules,
            email="JO@acme.example",
            source="trade_show",
            source_detail="expo 2026",
            need="CRM for 40",
            budget_max=None,
            region="east",
        )
        == lead_id
    )
    lead = uow.session.get(Lead, lead_id)
    assert (lead.source, lead.need, lead.budget_max) == (
        "website_form",
        "CRM for 40",
        Decimal(250_000),
    )  # no blank erases
    assert lead.last_interaction_at == LATER and lead.next_action_due is not None
    old_need = uow.session.scalar(
        select(FieldChange.old_value).where(
            FieldChange.lead_id == lead_id, FieldChange.field == "need"
        )
    )
    assert old_need == "CRM for 10"
    touches = full_story(uow.session, lead_id, rules)["touches"]
    assert [(t["channel"], t["need"], t["outcome"]) for t in touches] == [
        ("website_form", "CRM for 10", "first touch"),
        ("trade_show", "CRM for 40", "updated"),
    ]
    assert _notices(uow, lead_id)[-1] == "inquiry"


def test_a_lost_lead_is_reactivated_only_when_the_inquiry_passes_screening(uow, rules):
    """Spec §2: "reactivate (lost -> nurturing): a dormant or lost lead shows new intent"."""
    lead_id = _lead(uow, rules, email="kim@beta.example")
    svc.fire_trigger(
        uow.session, lead_id, "lose", by="ann", now=NOW, rules=rules, reason="no_budget"
    )
    uow.commit()
    assert (
        _inquiry(
            uow,
            rules,
            email="kim@beta.example",
            source="other",
            need="budget approved for next year",
        )
        == lead_id
    )
    lost = uow.session.get(Lead, lead_id)
    assert (lost.state, lost.loss_reason, lost.need) == (
        "nurturing",
        None,
        "budget approved for next year",
    )
    assert lost.owner_id is not None and lost.next_action_due is not None
    assert [
        t.outcome for t in uow.session.scalars(select(Touch).where(Touch.lead_id == lead_id))
    ] == ["reactivated"]
    assert "assignment" in _notices(uow, lead_id)


def test_a_lost_lead_that_still_fails_screening_stays_lost(uow, rules):
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    summary = store_leads(
        uow.session,
        [
            (
                1,
                f.lead_record(
                    email="no@gamma.example", contact_role="user", budget_max=None, timeline=None
                ),
            )
        ],
        "web",
        rules,
        now=NOW,
    )
    process_new_leads(uow.session, summary.lead_ids, NOW, rules)
    uow.commit()
    lead_id = summary.lead_ids[0]
    assert uow.session.get(Lead, lead_id).state == "lost"
    assert (
        _inquiry(
            uow,
            rules,
            email="no@gamma.example",
            contact_role="user",
            budget_max=None,
            timeline=None,
            need="still browsing",
        )
        == lead_id
    )
    lead = uow.session.get(Lead, lead_id)
    assert lead.state == "lost" and lead.need != "still browsing"  # facts untouched
    touch = uow.session.scalars(select(Touch).where(Touch.lead_id == lead_id)).one()
    assert (touch.outcome, touch.need) == ("recorded", "still browsing")


def test_a_won_customer_inquiry_is_a_new_linked_lead_for_the_same_owner(uow, rules):
    """The seed's repeat-purchase rate counts a won customer's new deal."""
    lead_id = _in_negotiation(uow, rules, email="lee@delta.example")
    s = uow.session
    f.sign(s, lead_id, ContractIn(value=Decimal(900_000)), by="ann", now=NOW, rules=rules)
    uow.commit()
    owner = s.get(Lead, lead_id).owner_id
    repeat_id = _inquiry(
        uow, rules, email="lee@delta.example", source="referral", need="a second site"
    )
    assert repeat_id != lead_id
    repeat = s.get(Lead, repeat_id)
    assert (repeat.repeat_of_id, repeat.owner_id, repeat.source) == (lead_id, owner, "referral")
    assert "repeat business: previous owner" in repeat.assignment_reason
    assert [c["id"] for c in full_story(s, lead_id, rules)["customer"]] == [repeat_id]
    assert s.get(Lead, lead_id).state == "won"  # the won lead is left as it was
