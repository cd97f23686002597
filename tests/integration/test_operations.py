"""A team's daily operations on real rows, SQLite and PostgreSQL: each is refused when it does
not apply, loses to a concurrent writer cleanly, and leaves history and audit rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from leadflow.errors import Forbidden, GuardRefused, InvalidInput, NotFound, VersionConflict
from leadflow.followup.reminders import due_items
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.assign import assign_lead, escalate_waiting, queue_rows, reactivate
from leadflow.lifecycle.contract import ContractIn, win
from leadflow.lifecycle.invalid_review import invalid_leads, review_invalid
from leadflow.lifecycle.objections import add_objection, answer_objection
from leadflow.lifecycle.plans import approve_plan, submit_plan
from leadflow.lifecycle.update import update_lead
from leadflow.rules.facts import OpportunityFacts
from leadflow.store.models import FieldChange, Lead, SalesRep, TransitionAudit
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.uow import UnitOfWork
from leadflow.team.reps import update_rep
from tests import factories as f
from tests.factories import DIRECTORS
from tests.integration.test_review import PLAN

NOW = f.NOW
LATER = NOW + dt.timedelta(days=2)
A_FACTS = OpportunityFacts(
    urgency="immediate", budget=1_500_000, competition="advantage", decision_chain="simple"
)


def _lead(uow: UnitOfWork, rules, rep_count: int = 1, **record) -> int:
    team = f.team(uow.session)
    for _ in range(rep_count):
        f.rep(uow.session, team.id)
    summary = store_leads(uow.session, [(1, f.lead_record(**record))], "test", rules, now=NOW)
    process_new_leads(uow.session, summary.lead_ids, NOW, rules)
    uow.commit()
    return summary.lead_ids[0]


def _history(uow: UnitOfWork, lead_id: int) -> set[tuple[str, str | None, str | None]]:
    return {
        (h.field, h.old_value, h.new_value)
        for h in uow.session.scalars(select(FieldChange).where(FieldChange.lead_id == lead_id))
    }


def _in_negotiation(uow: UnitOfWork, rules, **record) -> int:
    lead_id = _lead(uow, rules, **record)
    s = uow.session
    svc.update_conversion(s, lead_id, intent_stated=True, budget_confirmed=Decimal(1_500_000))
    svc.fire_trigger(s, lead_id, "qualify", by="ann", now=NOW, rules=rules)
    svc.assess_opportunity(s, lead_id, A_FACTS, by="ann", now=NOW, rules=rules)
    submit_plan(s, lead_id, PLAN, by="ann", now=NOW, rules=rules, directors=DIRECTORS)
    approve_plan(s, lead_id, role="director", by="dan", now=NOW, rules=rules)
    svc.fire_trigger(s, lead_id, "start_negotiation", by="ann", now=NOW, rules=rules)
    uow.commit()
    return lead_id


def test_win_records_the_contract_with_history(uow, rules):
    """Spec §2: "win (negotiation -> won): contract signed; the contract value (required),
    payment terms, delivery date and promises are recorded with it"."""
    lead_id = _in_negotiation(uow, rules)
    with pytest.raises(GuardRefused, match="leads contract ID --value"):
        svc.fire_trigger(uow.session, lead_id, "win", by="ann", now=LATER, rules=rules)
    uow.session.rollback()
    contract = ContractIn(
        value=Decimal("240000.50"),
        payment_terms="net 30",
        delivery_date=dt.date(2026, 12, 20),
        promises=["ERP rollout", "training"],
        legal_reviewed_by="Lee",
    )
    f.sign(
        uow.session,
        lead_id,
        contract,
        by="ann",
        now=LATER,
        rules=rules,
        at=LATER - dt.timedelta(hours=5),
    )
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert (lead.state, lead.contract_value, lead.promised) == (
        "won",
        Decimal("240000.50"),
        "ERP rollout\ntraining",
    )
    assert lead.won_at == LATER - dt.timedelta(hours=5)  # recorded when it happened
    assert ("contract_value", None, "240000.50") in _history(uow, lead_id)
    assert ("legal_reviewed_by", None, "Lee") in _history(uow, lead_id)


def test_win_is_refused_outside_negotiation_and_keeps_nothing(uow, rules):
    lead_id = _lead(uow, rules)
    with pytest.raises(Exception, match="cannot 'win' from state 'nurturing'"):
        win(uow.session, lead_id, ContractIn(value=Decimal(10)), by="ann", now=LATER, rules=rules)
    uow.session.rollback()
    assert uow.session.get(Lead, lead_id).contract_value is None
    with pytest.raises(InvalidInput, match="in the future"):
        svc.log_activity(
            uow.session,
            lead_id,
            channel="phone",
            key_points="x",
            now=NOW,
            rules=rules,
            at=NOW + dt.timedelta(days=1),
        )


def test_answered_objection_stops_reminding_and_key_one_tells_the_manager(uow, rules):
    """Spec §7: "every objection is logged ... and answered within 24 hours"; the seed sends
    key objections to the whole team for discussion."""
    lead_id = _in_negotiation(uow, rules)
    s = uow.session
    plain = add_objection(s, lead_id, kind="price", detail="too dear", now=NOW)
    key = add_objection(s, lead_id, kind="competitor", detail="rival is cheaper", now=NOW, key=True)
    uow.commit()
    manager_mail = s.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "key_objection")
    ).all()
    assert [m.recipient for m in manager_mail] == ["mia@example.com"]
    assert {i.kind for i in due_items(s, LATER, rules) if i.lead_id == lead_id} >= {"objection"}
    answer_objection(s, lead_id, plain.id, response="phased payment", by="ann", now=LATER)
    answer_objection(s, lead_id, key.id, response="better support", by="ann", now=LATER)
    uow.commit()
    assert "objection" not in {i.kind for i in due_items(s, LATER, rules) if i.lead_id == lead_id}
    with pytest.raises(GuardRefused, match="was answered"):
        answer_objection(s, lead_id, plain.id, response="again", by="ann", now=LATER)
    with pytest.raises(NotFound):
        answer_objection(s, lead_id, 999_999, response="x", by="ann", now=LATER)


def test_update_regrades_and_keeps_history(uow, rules):
    """Spec §5: "Grades are re-evaluated ... and move both ways (A -> B when budget is cut"."""
    lead_id = _lead(uow, rules)
    before = uow.session.get(Lead, lead_id)
    version, score = before.version, before.score
    update_lead(
        uow.session,
        lead_id,
        {"budget_max": 20_000, "contact_role": "user"},
        now=LATER,
        rules=rules,
        expected_version=version,
    )
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert lead.score < score and lead.version > version
    budget = {
        (Decimal(h[1]), Decimal(h[2])) for h in _history(uow, lead_id) if h[0] == "budget_max"
    }
    assert budget == {(Decimal(250_000), Decimal(20_000))}
    assert ("grade", "A", "B") in _history(uow, lead_id)
    assert ("contact_role", "decision_maker", "user") in _history(uow, lead_id)
    with pytest.raises(VersionConflict):  # someone changed it since version `version`
        update_lead(
            uow.session, lead_id, {"need": "x"}, now=LATER, rules=rules, expected_version=version
        )
    with pytest.raises(Forbidden, match="budget"):
        update_lead(
            uow.session, lead_id, {"budget_max": 1}, now=LATER, rules=rules, sees_sensitive=False
        )
    with pytest.raises(InvalidInput, match="source: cannot be changed"):
        update_lead(uow.session, lead_id, {"source": "referral"}, now=LATER, rules=rules)
    with pytest.raises(InvalidInput, match="phone or email"):
        update_lead(uow.session, lead_id, {"phone": None, "email": None}, now=LATER, rules=rules)


def test_queue_then_rep_added_assigns_and_waiting_escalates(uow, rules):
    """Spec §5: "No eligible rep: the lead goes to the team's manager queue, never dropped"."""
    team = f.team(uow.session)
    summary = store_leads(uow.session, [(1, f.lead_record())], "test", rules, now=NOW)
    process_new_leads(uow.session, summary.lead_ids, NOW, rules)
    uow.commit()
    lead_id = summary.lead_ids[0]
    waiting = queue_rows(uow.session, NOW + dt.timedelta(hours=1), rules)
    assert [r["id"] for r in waiting] == [lead_id]
    hours = rules.assignment.queue_escalate_hours
    assert escalate_waiting(uow.session, NOW + dt.timedelta(hours=hours - 1), rules) == 0
    assert escalate_waiting(uow.session, NOW + dt.timedelta(hours=hours + 1), rules) == 1
    assert escalate_waiting(uow.session, NOW + dt.timedelta(hours=hours + 2), rules) == 0  # once
    rep = f.rep(uow.session, team.id, away=True)
    assert uow.session.get(Lead, lead_id).owner_id is None
    update_rep(uow.session, rep.id, {"away": False}, now=LATER, rules=rules)  # back from away
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert (lead.state, lead.owner_id, lead.assigned_at) == ("nurturing", rep.id, LATER)
    assert lead.first_contact_due is not None and lead.next_cadence_due is not None


def test_manual_assign_and_reassign_tell_both_reps(uow, rules):
    lead_id = _lead(uow, rules, rep_count=2)
    first = uow.session.get(Lead, lead_id).owner_id
    other = next(r for r in uow.session.scalars(select(SalesRep.id)) if r != first)
    assign_lead(uow.session, lead_id, other, by="mia", now=LATER, rules=rules, reason="fluent")
    uow.commit()
    assert ("owner_id", str(first), str(other)) in _history(uow, lead_id)
    kinds = [
        m.kind
        for m in uow.session.scalars(select(OutboxMessage).where(OutboxMessage.lead_id == lead_id))
    ]
    assert kinds.count("assignment") == 2 and "reassignment" in kinds
    with pytest.raises(InvalidInput, match="already owns"):
        assign_lead(uow.session, lead_id, other, by="mia", now=LATER, rules=rules)
    update_rep(uow.session, first, {"capacity": 0})
    with pytest.raises(GuardRefused, match="at capacity"):
        assign_lead(uow.session, lead_id, first, by="mia", now=LATER, rules=rules)


def test_reactivate_without_eligible_owner_waits_in_the_queue(uow, rules):
    """Spec §5: "No eligible rep: the lead goes to the team's manager queue"; reactivate
    never leaves a nurturing lead without an owner or timers."""
    lead_id = _lead(uow, rules)
    owner = uow.session.get(Lead, lead_id).owner_id
    svc.fire_trigger(
        uow.session, lead_id, "lose", by="ann", now=NOW, rules=rules, reason="no_budget"
    )
    update_rep(uow.session, owner, {"away": True})
    reactivate(uow.session, lead_id, by="mia", now=LATER, rules=rules)
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert (lead.state, lead.owner_id) == ("screened", None)
    update_rep(uow.session, owner, {"away": False}, now=LATER, rules=rules)
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert (lead.state, lead.owner_id) == ("nurturing", owner)


def test_invalid_review_confirm_and_reinstate(uow, rules):
    """Spec §2: "a sales manager reviews invalid leads before they are archived, and may
    reinstate one (back to screening, reason kept)"."""
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    summary = store_leads(
        uow.session,
        [(1, f.lead_record(contact_role="user", budget_max=None, timeline=None))],
        "t",
        rules,
        now=NOW,
    )
    process_new_leads(uow.session, summary.lead_ids, NOW, rules)
    uow.commit()
    lead_id = summary.lead_ids[0]
    assert [r["id"] for r in invalid_leads(uow.session, unreviewed=True)] == [lead_id]
    with pytest.raises(InvalidInput, match="reason"):
        review_invalid(uow.session, lead_id, decision="reinstate", by="mia", now=LATER, rules=rules)
    uow.session.rollback()
    update_lead(
        uow.session,
        lead_id,
        {"budget_max": 300_000, "contact_role": "influencer"},
        now=LATER,
        rules=rules,
    )
    review_invalid(
        uow.session,
        lead_id,
        decision="reinstate",
        by="mia",
        now=LATER,
        rules=rules,
        reason="budget confirmed by phone",
    )
    uow.commit()
    assert invalid_leads(uow.session, unreviewed=True) == []
    process_new_leads(uow.session, [lead_id], LATER, rules)
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert lead.state == "nurturing"  # the reason is kept in the audit:
    audit = uow.session.scalars(
        select(TransitionAudit)
        .where(TransitionAudit.lead_id == lead_id)
        .order_by(TransitionAudit.id)
    ).all()
    assert [(a.trigger, a.reason) for a in audit][1] == (
        "reinstate",
        "reinstated: budget confirmed by phone",
    )
    with pytest.raises(GuardRefused, match="only a disqualified lead"):
        review_invalid(uow.session, lead_id, decision="confirm", by="mia", now=LATER, rules=rules)


def test_a_lead_lost_as_invalid_has_no_grade_until_it_comes_back(uow, rules):
    """Rule book §2: "A lead lost as invalid (at screening, as a duplicate, or by `lose`
    with the reason invalid) has no grade and does not count as a valid lead"; a
    reactivated one is graded again."""
    lead_id = _lead(uow, rules)
    lead = uow.session.get(Lead, lead_id)
    assert (lead.valid, lead.grade) == (True, "A")
    svc.fire_trigger(
        uow.session, lead_id, "lose", by="ann", now=NOW, rules=rules, reason="invalid: no such firm"
    )
    assert (lead.state, lead.valid, lead.grade) == ("lost", False, None)
    assert [r["id"] for r in invalid_leads(uow.session, unreviewed=True)] == [lead_id]
    reactivate(uow.session, lead_id, by="mia", now=LATER, rules=rules)
    assert (lead.state, lead.valid, lead.grade) == ("nurturing", True, "A")


def test_approval_needs_assessment_and_plan(uow, rules):
    """Spec §2: start_negotiation needs "the conversion plan approved (director for grade A,
    sales manager for B/C)"."""
    lead_id = _lead(uow, rules)
    s = uow.session
    with pytest.raises(GuardRefused, match="only an opportunity"):
        approve_plan(s, lead_id, role="director", by="dan", now=NOW, rules=rules)
    svc.update_conversion(s, lead_id, intent_stated=True, budget_confirmed=Decimal(1_500_000))
    svc.fire_trigger(s, lead_id, "qualify", by="ann", now=NOW, rules=rules)
    with pytest.raises(GuardRefused, match="grade the opportunity first"):
        approve_plan(s, lead_id, role="director", by="dan", now=NOW, rules=rules)
    svc.assess_opportunity(s, lead_id, A_FACTS, by="ann", now=NOW, rules=rules)
    with pytest.raises(GuardRefused, match="no conversion plan"):
        approve_plan(s, lead_id, role="director", by="dan", now=NOW, rules=rules)
    submit_plan(s, lead_id, PLAN, by="ann", now=NOW, rules=rules, directors=DIRECTORS)
    approve_plan(s, lead_id, role="director", by="dan", now=NOW, rules=rules)
    submit_plan(
        s, lead_id, PLAN, by="ann", now=LATER, rules=rules, directors=DIRECTORS
    )  # a new plan needs a new approval
    with pytest.raises(GuardRefused, match="approved by a director"):
        svc.fire_trigger(s, lead_id, "start_negotiation", by="ann", now=LATER, rules=rules)


def test_concurrent_update_loses_cleanly(factory, rules):
    """Two editors of one lead: the second commit is a VersionConflict, nothing of it kept."""
    with UnitOfWork(factory) as uow:
        lead_id = _lead(uow, rules)
    with UnitOfWork(factory, actor="a") as first, UnitOfWork(factory, actor="b") as second:
        stale = second.session.get(Lead, lead_id)  # b reads the lead, then a changes it
        update_lead(first.session, lead_id, {"need": "first editor"}, now=LATER, rules=rules)
        first.commit()
        with pytest.raises(VersionConflict):
            update_lead(
                second.session,
                lead_id,
                {"need": "second editor"},
                now=LATER,
                rules=rules,
                expected_version=stale.version,
            )
    with UnitOfWork(factory) as uow:
        assert uow.session.get(Lead, lead_id).need == "first editor"
