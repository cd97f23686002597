"""The lifecycle machine on real rows: audit, timestamps, guards, rollback, on SQLite and PG."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from leadflow.errors import GuardRefused, IllegalTransition
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.plans import approve_plan, submit_plan
from leadflow.rules.facts import OpportunityFacts
from leadflow.statemachines.lead import TRANSITIONS
from leadflow.store.models import FieldChange, Lead, TransitionAudit
from leadflow.store.uow import UnitOfWork
from leadflow.team.reps import update_rep
from tests import factories as f
from tests.factories import DIRECTORS
from tests.integration.test_review import PLAN

NOW = f.NOW


def _nurturing_lead(uow: UnitOfWork, rules, **overrides) -> int:
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    summary = store_leads(uow.session, [(1, f.lead_record(**overrides))], "test", rules)
    process_new_leads(uow.session, summary.lead_ids, NOW, rules)
    uow.commit()
    return summary.lead_ids[0]


def _audit(uow: UnitOfWork, lead_id: int) -> list[tuple[str, str, str]]:
    rows = uow.session.scalars(
        select(TransitionAudit)
        .where(TransitionAudit.lead_id == lead_id)
        .order_by(TransitionAudit.id)
    )
    return [(r.from_state, r.to_state, r.trigger) for r in rows]


def test_intake_screens_assigns_and_audits(uow, rules):
    lead_id = _nurturing_lead(uow, rules)
    lead = uow.session.get(Lead, lead_id)
    assert lead.state == "nurturing"
    assert lead.owner_id is not None and "least loaded" in lead.assignment_reason
    assert lead.screened_at == NOW and lead.nurturing_at == NOW
    assert lead.first_contact_due == NOW + dt.timedelta(hours=4)  # score 70: medium priority
    assert _audit(uow, lead_id) == [
        ("new", "screened", "screen"),
        ("screened", "nurturing", "start_nurturing"),
    ]
    changed = set(
        uow.session.scalars(select(FieldChange.field).where(FieldChange.lead_id == lead_id))
    )
    assert {"owner_id", "grade", "priority"} <= changed


def test_full_path_to_won_records_every_state(uow, rules):
    lead_id = _nurturing_lead(uow, rules)
    s = uow.session
    svc.update_conversion(s, lead_id, intent_stated=True, budget_confirmed=Decimal(1_500_000))
    t1 = NOW + dt.timedelta(days=3)
    svc.fire_trigger(s, lead_id, "qualify", by="ann", now=t1, rules=rules)
    svc.assess_opportunity(
        s,
        lead_id,
        OpportunityFacts(
            urgency="immediate", budget=1_500_000, competition="parity", decision_chain="simple"
        ),
        by="ann",
        now=t1,
        rules=rules,
    )
    assert s.get(Lead, lead_id).opportunity_grade == "A"
    with pytest.raises(GuardRefused, match="no conversion plan"):
        approve_plan(s, lead_id, role="director", by="dan", now=t1, rules=rules)
    submit_plan(s, lead_id, PLAN, by="ann", now=t1, rules=rules, directors=DIRECTORS)
    with pytest.raises(GuardRefused, match="approved by a director"):
        approve_plan(s, lead_id, role="manager", by="mia", now=t1, rules=rules)
    with pytest.raises(GuardRefused, match="director"):
        svc.fire_trigger(s, lead_id, "start_negotiation", by="ann", now=t1, rules=rules)
    approve_plan(s, lead_id, role="director", by="dan", now=t1, rules=rules)
    svc.fire_trigger(s, lead_id, "start_negotiation", by="ann", now=t1, rules=rules)
    t2 = NOW + dt.timedelta(days=20)
    with pytest.raises(GuardRefused, match="leads contract ID --value"):
        svc.fire_trigger(s, lead_id, "win", by="ann", now=t2, rules=rules, reason="signed")
    f.sign(s, lead_id, ContractIn(value=Decimal(1_400_000)), by="ann", now=t2, rules=rules)
    uow.commit()
    lead = s.get(Lead, lead_id)
    assert lead.state == "won" and lead.won_at == t2 and lead.opportunity_at == t1
    assert [a[2] for a in _audit(uow, lead_id)] == [
        "screen",
        "start_nurturing",
        "qualify",
        "start_negotiation",
        "win",
    ]


@pytest.mark.parametrize(
    "trigger", ["win", "screen", "start_negotiation", "reactivate", "requalify"]
)
def test_illegal_trigger_changes_nothing(uow, rules, trigger):
    lead_id = _nurturing_lead(uow, rules)
    version = uow.session.get(Lead, lead_id).version
    with pytest.raises(IllegalTransition) as err:
        svc.fire_trigger(uow.session, lead_id, trigger, by="x", now=NOW, rules=rules)
    assert err.value.allowed == ["qualify", "lose"] and f"lead {lead_id}" in str(err.value)
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert (lead.state, lead.version) == ("nurturing", version)
    assert len(_audit(uow, lead_id)) == 2


def test_lose_needs_reason_then_reactivate(uow, rules):
    lead_id = _nurturing_lead(uow, rules)
    with pytest.raises(GuardRefused, match="reason is required"):
        svc.fire_trigger(uow.session, lead_id, "lose", by="x", now=NOW, rules=rules)
    svc.fire_trigger(
        uow.session, lead_id, "lose", by="x", now=NOW, rules=rules, reason="competitor"
    )
    assert uow.session.get(Lead, lead_id).loss_reason == "competitor"
    svc.fire_trigger(
        uow.session, lead_id, "reactivate", by="x", now=NOW, rules=rules, reason="new budget"
    )
    uow.commit()
    assert uow.session.get(Lead, lead_id).state == "nurturing"
    assert _audit(uow, lead_id)[-2:] == [
        ("nurturing", "lost", "lose"),
        ("lost", "nurturing", "reactivate"),
    ]


def test_rollback_discards_state_and_audit_together(factory, rules):
    with UnitOfWork(factory) as uow:
        lead_id = _nurturing_lead(uow, rules)
    with UnitOfWork(factory) as uow:
        svc.update_conversion(uow.session, lead_id, intent_stated=True, decision_maker_engaged=True)
        svc.fire_trigger(uow.session, lead_id, "qualify", by="x", now=NOW, rules=rules)
        uow.flush()  # state and audit row reach the database, then the unit of work fails
    with UnitOfWork(factory) as uow:
        assert uow.session.get(Lead, lead_id).state == "nurturing"
        count = uow.session.scalar(
            select(func.count())
            .select_from(TransitionAudit)
            .where(TransitionAudit.to_state == "opportunity")
        )
        assert count == 0


def test_invalid_lead_is_disqualified_with_reason(uow, rules):
    summary = store_leads(
        uow.session,
        [(1, f.lead_record(contact_role="user", budget_max=None, timeline=None))],
        "test",
        rules,
    )
    result = process_new_leads(uow.session, summary.lead_ids, NOW, rules)
    uow.commit()
    lead = uow.session.get(Lead, summary.lead_ids[0])
    assert result.disqualified == 1
    assert (lead.state, lead.loss_reason, lead.valid) == ("lost", "invalid", False)
    assert "failed budget, authority, timeline" in lead.invalid_reason
    assert _audit(uow, lead.id) == [("new", "lost", "disqualify")]


LEGAL = [
    (src, t["trigger"], t["dest"])
    for t in TRANSITIONS
    for src in ([t["source"]] if isinstance(t["source"], str) else t["source"])
]


@pytest.mark.parametrize(
    ("source", "trigger", "dest"), LEGAL, ids=[f"{s}-{t}" for s, t, _ in LEGAL]
)
def test_every_legal_transition_on_a_stored_lead(uow, rules, source, trigger, dest):
    lead_id = _nurturing_lead(uow, rules)
    lead = uow.session.get(Lead, lead_id)
    lead.state = source  # put the row in the source state as a past transition would have
    lead.intent_stated, lead.decision_maker_engaged = True, True
    lead.approved_role, lead.opportunity_grade = "director", "A"
    lead.contract_value, lead.loss_reason = Decimal(1), "invalid"
    lead.contract_approved_at = NOW  # the contract approved (docs/rules.md §8)
    if (source, dest) == ("lost", "screened"):  # no rep is eligible: the manager queue
        update_rep(uow.session, lead.owner_id, {"away": True})
        lead.owner_id = None
    uow.commit()
    reason = "price" if trigger == "lose" else "invalid: test" if trigger == "disqualify" else None
    svc.fire_trigger(uow.session, lead_id, trigger, by="t", now=NOW, rules=rules, reason=reason)
    uow.commit()
    assert uow.session.get(Lead, lead_id).state == dest
    assert _audit(uow, lead_id)[-1] == (source, dest, trigger)
    if dest != "new":  # `new` has no time column: a lead enters it only when stored
        assert getattr(uow.session.get(Lead, lead_id), f"{dest}_at") == NOW
