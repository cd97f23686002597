"""Issue 29, item 2: the plan's price and terms, its approver told, revisions in negotiation
and the contract value held to the approved range (docs/rules.md §7 "Price and terms",
seed 003: 若涉及价格或条款变动,需内部审批后同步客户), through the real services on a real
store; the clock is passed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.plans import PlanIn, approve_plan, submit_plan
from leadflow.lifecycle.prices import approve_deviation
from leadflow.lifecycle.view import full_story
from leadflow.rules.facts import OpportunityFacts
from leadflow.schemas import validated
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import OutboxMessage
from tests import factories as f

MON = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
DIRECTORS = ("dan@example.com", "dora@example.com")
MANAGER = "mia@example.com"  # the factories' team manager
GRADE_A = OpportunityFacts(
    urgency="immediate", budget=Decimal(2_000_000), competition="parity", decision_chain="simple"
)
GRADE_B = GRADE_A.model_copy(update={"budget": Decimal(500_000)})
TEXTS = {
    "pain_points": "slow close",
    "advantages": "local",
    "strategy": "pilot",
    "milestones": "Q1",
}


def hours(n: float) -> dt.datetime:
    return MON + dt.timedelta(hours=n)


def offer(low: int, high: int, terms: str | None = "30% upfront") -> PlanIn:
    return PlanIn(**TEXTS, price_min=Decimal(low), price_max=Decimal(high), terms=terms)


def opportunity(uow, rules, facts: OpportunityFacts) -> int:
    team = f.team(uow.session)
    f.rep(uow.session, team.id, name="Ann")
    lead_id = f.taken_in(uow.session, rules, MON)
    svc.update_conversion(
        uow.session, lead_id, intent_stated=True, budget_confirmed=Decimal(facts.budget)
    )
    svc.fire_trigger(uow.session, lead_id, "qualify", by="ann", now=MON, rules=rules)
    svc.assess_opportunity(uow.session, lead_id, facts, by="ann", now=MON, rules=rules)
    return lead_id


def plan(uow, rules, lead_id: int, body: PlanIn, when: dt.datetime):
    return submit_plan(
        uow.session, lead_id, body, by="ann", now=when, rules=rules, directors=DIRECTORS
    )


def negotiating(uow, rules, facts: OpportunityFacts = GRADE_A) -> int:
    """A deal in negotiation on an approved plan offering 500,000-800,000."""
    lead_id = opportunity(uow, rules, facts)
    plan(uow, rules, lead_id, offer(500_000, 800_000), MON)
    role = "director" if facts is GRADE_A else "manager"
    approve_plan(uow.session, lead_id, role=role, by="dan", now=hours(1), rules=rules)
    svc.fire_trigger(uow.session, lead_id, "start_negotiation", by="ann", now=hours(2), rules=rules)
    return lead_id


def notices(uow, lead_id: int) -> list[tuple[str, str]]:
    return [
        (m.kind, m.recipient)
        for m in uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.lead_id == lead_id, OutboxMessage.kind == "plan_approval"
            )
        )
    ]


def sign(uow, rules, lead_id: int, value: int) -> Lead:
    """The contract at `value` drafted, approved and signed (factories.sign)."""
    contract = ContractIn(value=Decimal(value))
    return f.sign(uow.session, lead_id, contract, by="ann", now=hours(48), rules=rules)


def deviate(uow, rules, lead_id: int, value: int, role: str, reason: str, when: dt.datetime):
    return approve_deviation(
        uow.session,
        lead_id,
        value=Decimal(value),
        reason=reason,
        role=role,
        by=role[:3],
        now=when,
        rules=rules,
    )


def test_a_plan_states_its_price_range_and_terms():
    """Rule book §7: "The range is required, above 0, and its lowest price is not above its
    highest"."""
    for wrong, field in (
        ({}, "price_min"),
        ({"price_min": 0, "price_max": 10}, "price_min"),
        ({"price_min": 800, "price_max": 500}, "price_max"),
    ):
        with pytest.raises(InvalidInput) as refused:
            validated(PlanIn, {**TEXTS, **wrong})
        assert field in refused.value.errors
    assert offer(5, 5, terms="  ").terms is None


def test_submission_tells_the_approver_of_its_grade_once(uow, rules):
    """Rule book §7: "Each submitted plan that needs approval tells its approver through the
    outbox, once: the team's manager for a grade approved by a manager, the directors ... for
    a grade approved by a director"."""
    a_deal = opportunity(uow, rules, GRADE_A)
    row = plan(uow, rules, a_deal, offer(1_000_000, 1_500_000), MON)
    assert notices(uow, a_deal) == [("plan_approval", d) for d in DIRECTORS]
    sent = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.lead_id == a_deal))
    assert any("1,000,000" in m.body and "director" in m.body for m in sent)
    assert (row.price_min, row.price_max, row.terms) == (1_000_000, 1_500_000, "30% upfront")
    b_deal = opportunity(uow, rules, GRADE_B)
    plan(uow, rules, b_deal, offer(400_000, 500_000), MON)
    plan(uow, rules, b_deal, offer(400_000, 450_000), hours(1))  # a second submission
    assert notices(uow, b_deal) == [("plan_approval", MANAGER)] * 2


def test_a_revision_in_negotiation_clears_the_approval_until_approved(uow, rules):
    """Rule book §7: "a plan whose price range or terms differ from the approved plan clears
    the approval (the deal stays in negotiation, its history says so, and the approver is
    told)"; "While a revision awaits approval, `win` is refused, naming it"."""
    lead_id = negotiating(uow, rules)
    before = len(notices(uow, lead_id))
    plan(uow, rules, lead_id, offer(450_000, 700_000), hours(24))
    lead = uow.session.get(Lead, lead_id)
    assert (lead.state, lead.approved_role) == ("negotiation", None)
    assert len(notices(uow, lead_id)) == before + len(DIRECTORS)
    history = uow.session.scalars(
        select(FieldChange.new_value).where(
            FieldChange.lead_id == lead_id, FieldChange.field == "plan"
        )
    ).all()
    assert any("450,000-700,000" in h and "awaits approval" in h for h in history)
    with pytest.raises(GuardRefused) as refused:
        sign(uow, rules, lead_id, 600_000)
    assert (
        "the revised plan of 2026-11-03 (price 450,000-700,000) awaits approval by a "
        "director" in str(refused.value)
    )
    with pytest.raises(GuardRefused, match="approved by a director"):
        approve_plan(uow.session, lead_id, role="manager", by="mia", now=hours(25), rules=rules)
    approve_plan(uow.session, lead_id, role="director", by="dan", now=hours(25), rules=rules)
    with pytest.raises(GuardRefused, match="no revised plan awaits approval"):
        approve_plan(uow.session, lead_id, role="director", by="dan", now=hours(26), rules=rules)
    assert sign(uow, rules, lead_id, 460_000).state == "won"


def test_a_change_of_terms_alone_is_a_revision(uow, rules):
    """Rule book §7: "a plan whose price range or terms differ from the approved plan clears
    the approval"."""
    lead_id = negotiating(uow, rules, GRADE_B)
    plan(uow, rules, lead_id, offer(500_000, 800_000, terms="net 90"), hours(24))
    assert uow.session.get(Lead, lead_id).approved_role is None
    with pytest.raises(
        GuardRefused, match=r"\(price 500,000-800,000\) awaits approval by a manager"
    ):
        sign(uow, rules, lead_id, 600_000)


def test_the_same_price_and_terms_keep_the_approval(uow, rules):
    """Rule book §7: "A plan resubmitted in negotiation with the same price and terms keeps
    the approval, and tells nobody"."""
    lead_id = negotiating(uow, rules)
    before = notices(uow, lead_id)
    again = offer(500_000, 800_000).model_copy(update={"strategy": "a second workshop"})
    row = plan(uow, rules, lead_id, again, hours(24))
    assert (row.approved_by, uow.session.get(Lead, lead_id).approved_role) == ("dan", "director")
    assert notices(uow, lead_id) == before
    assert sign(uow, rules, lead_id, 800_000).state == "won"


def test_win_outside_the_range_needs_an_approved_deviation(uow, rules):
    """Rule book §7: "A contract value outside it is refused, naming the range and the value,
    unless the deviation was approved by the role that approves the plan's grade ... `win`
    then accepts exactly that value"."""
    lead_id = negotiating(uow, rules)
    with pytest.raises(GuardRefused) as refused:
        sign(uow, rules, lead_id, 900_000)
    assert (
        "the contract value 900,000 is outside the approved plan's price range "
        "500,000-800,000" in str(refused.value)
    )
    assert "approve-deviation" in str(refused.value)
    with pytest.raises(GuardRefused, match="approved by a director"):
        deviate(uow, rules, lead_id, 900_000, "manager", "x", hours(3))
    with pytest.raises(GuardRefused, match="within the approved plan's price range"):
        deviate(uow, rules, lead_id, 600_000, "director", "x", hours(3))
    with pytest.raises(InvalidInput, match="reason"):
        deviate(uow, rules, lead_id, 900_000, "director", " ", hours(3))
    deviate(uow, rules, lead_id, 900_000, "director", "three-year term", hours(3))
    with pytest.raises(GuardRefused, match="the contract value 950,000 is outside"):
        sign(uow, rules, lead_id, 950_000)  # only the value approved
    story = full_story(uow.session, lead_id, rules)["plan"]
    assert (story["price_min"], story["price_max"], story["approval"]) == (
        500_000,
        800_000,
        "approved",
    )
    assert [(d["value"], d["reason"]) for d in story["deviations"]] == [
        (900_000, "three-year term")
    ]
    history = uow.session.scalars(
        select(FieldChange.new_value).where(FieldChange.field == "price_deviation")
    ).all()
    assert history and "900,000" in history[0] and "three-year term" in history[0]
    assert sign(uow, rules, lead_id, 900_000).contract_value == 900_000


def test_a_deviation_needs_a_deal_in_negotiation_on_an_approved_plan(uow, rules):
    """Rule book §7: the deviation is from "the approved plan's price range"."""
    lead_id = opportunity(uow, rules, GRADE_B)
    with pytest.raises(GuardRefused, match="for a deal in negotiation"):
        deviate(uow, rules, lead_id, 900_000, "manager", "x", hours(3))
    deal = negotiating(uow, rules, GRADE_B)
    plan(uow, rules, deal, offer(100_000, 200_000), hours(4))
    with pytest.raises(GuardRefused, match="no approved plan to deviate from"):
        deviate(uow, rules, deal, 900_000, "manager", "x", hours(5))
    assert full_story(uow.session, deal, rules)["plan"]["approval"] == "awaiting approval"


def test_migration_0025_carries_the_approval_to_the_newest_plan_and_goes_down(tmp_path, rules):
    """Rule book §7: "Plans submitted before prices were recorded have no range, and any
    value stands for them"; the approval a deal held stays with its newest plan."""
    from alembic import command

    from leadflow.store.db import engine_for, session_factory
    from leadflow.store.migrate import alembic_config, upgrade
    from leadflow.store.uow import UnitOfWork

    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    with UnitOfWork(session_factory(url)) as uow:
        lead_id = negotiating(uow, rules)
        uow.commit()
    command.downgrade(alembic_config(url), "0024_activity_targets")
    engine = engine_for(url)
    with engine.begin() as conn:  # an older plan, then the approved one, as 0024 kept them
        conn.execute(
            text(
                "INSERT INTO conversion_plans (lead_id, pain_points, advantages, strategy,"
                " milestones, submitted_by, submitted_at) SELECT lead_id, pain_points,"
                " advantages, strategy, milestones, submitted_by, submitted_at"
                " FROM conversion_plans"
            )
        )
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT price_min, approved_by FROM conversion_plans ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [(None, None), (None, "dan")]
    with UnitOfWork(session_factory(url)) as uow:
        assert sign(uow, rules, lead_id, 5_000_000).state == "won"  # a plan without a range
    engine.dispose()
