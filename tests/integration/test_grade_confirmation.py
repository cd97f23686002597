"""Issue 29, item 1: the assessment after qualify, the sales manager's confirmation of the
opportunity grade and who follows a grade-A deal (docs/rules.md §7, seed 002), through the
real services on a real store; the clock is passed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.followup.regrade import regrade_chunk
from leadflow.followup.reminders import due_items, preview, remind
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.grade_confirmation import confirm_grade
from leadflow.rules.facts import OpportunityFacts
from leadflow.store.models import FieldChange, Lead, SalesRep
from leadflow.store.outbound_models import OutboxMessage
from tests import factories as f

MON = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
DIRECTORS = ["dan@example.com"]
FOLLOWERS = ["dan@example.com", "core@example.com"]
GRADE_A = OpportunityFacts(
    urgency="immediate", budget=Decimal(2_000_000), competition="parity", decision_chain="simple"
)
GRADE_B = GRADE_A.model_copy(update={"budget": Decimal(500_000)})


def hours(n: float) -> dt.datetime:
    return MON + dt.timedelta(hours=n)


@pytest.fixture
def lead(uow, rules) -> Lead:
    team = f.team(uow.session)
    f.rep(uow.session, team.id, name="Ann")
    summary = store_leads(uow.session, [(1, f.lead_record())], "test", rules, now=MON)
    process_new_leads(uow.session, summary.lead_ids, MON, rules)
    lead_id = summary.lead_ids[0]
    svc.update_conversion(
        uow.session,
        lead_id,
        intent_stated=True,
        budget_confirmed=Decimal(2_000_000),
        target_date=(MON + dt.timedelta(days=20)).date(),
    )
    svc.fire_trigger(uow.session, lead_id, "qualify", by="ann", now=MON, rules=rules)
    found = uow.session.get(Lead, lead_id)
    assert found is not None
    return found


def pass_at(uow, rules, when: dt.datetime) -> None:
    remind(uow.session, list(due_items(uow.session, when, rules)), when, rules, DIRECTORS)


def shown(uow, rules, when: dt.datetime, kind: str) -> list[tuple[str, str | None]]:
    return [
        (m.action, m.recipient)
        for m in preview(uow.session, when, rules, DIRECTORS)
        if m.kind == kind
    ]


def test_qualify_makes_the_assessment_due_and_reminds_then_escalates(uow, rules, lead):
    """Rule book §7: "`qualify` makes the assessment due from the owner within 24 hours";
    seed 002: 同步创建【商机评估分级表】."""
    assert lead.assess_due == hours(rules.opportunity.assess_due_hours)
    assert shown(uow, rules, hours(23), "assess") == []
    assert shown(uow, rules, hours(24), "assess") == [("remind", owner_email(uow, lead))]
    pass_at(uow, rules, hours(24))
    assert shown(uow, rules, hours(48), "assess") == [("escalate", "mia@example.com")]
    svc.assess_opportunity(uow.session, lead.id, GRADE_B, by="ann", now=hours(30), rules=rules)
    assert shown(uow, rules, hours(48), "assess") == []


def owner_email(uow, lead: Lead) -> str:
    owner = uow.session.get(SalesRep, lead.owner_id)
    assert owner is not None
    return owner.email


def test_an_unconfirmed_grade_reminds_the_manager_then_the_directors(uow, rules, lead):
    """Rule book §7: "within 24 hours the team's manager is reminded, and if it is still
    unconfirmed a business day later the directors are told"; seed 002: 由销售主管审核确认
    商机等级."""
    svc.assess_opportunity(uow.session, lead.id, GRADE_B, by="ann", now=MON, rules=rules)
    assert (lead.opportunity_grade, lead.grade_confirmed_at) == ("B", None)
    assert lead.grade_confirm_due == hours(rules.opportunity.confirm_due_hours)
    assert shown(uow, rules, hours(24), "confirm_grade") == [("remind", "mia@example.com")]
    pass_at(uow, rules, hours(24))
    assert shown(uow, rules, hours(48), "confirm_grade") == [("escalate", "dan@example.com")]
    confirm_grade(uow.session, lead.id, by="mia", now=hours(40), rules=rules, followers=FOLLOWERS)
    assert (lead.grade_confirmed_by, lead.grade_confirmed_at) == ("mia", hours(40))
    assert shown(uow, rules, hours(48), "confirm_grade") == []
    assert lead.followers == []  # grade B: nobody is added
    # The same grade again keeps the confirmation; another grade asks for it again.
    svc.assess_opportunity(uow.session, lead.id, GRADE_B, by="ann", now=hours(50), rules=rules)
    assert lead.grade_confirmed_by == "mia"
    svc.assess_opportunity(uow.session, lead.id, GRADE_A, by="ann", now=hours(60), rules=rules)
    assert (lead.opportunity_grade, lead.grade_confirmed_by) == ("A", None)
    assert lead.grade_confirm_due == hours(60 + rules.opportunity.confirm_due_hours)


def test_a_confirmed_grade_a_tells_and_adds_the_directors_and_core_team(uow, rules, lead):
    """Rule book §7: "When a manager confirms a grade A ... the directors and the core team
    are told through the outbox and recorded as the deal's followers"; seed 002: A类
    销售总监+骨干团队跟进,优先配置资源."""
    svc.assess_opportunity(uow.session, lead.id, GRADE_A, by="ann", now=MON, rules=rules)
    assert lead.followers == []  # an assessed A alone does not call the directors in
    assert lead.brief_due == hours(24)  # the brief counts from the grade itself
    confirm_grade(uow.session, lead.id, by="mia", now=hours(2), rules=rules, followers=FOLLOWERS)
    assert lead.followers == FOLLOWERS
    notices = uow.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "grade_a").order_by(OutboxMessage.id)
    ).all()
    assert [m.recipient for m in notices] == FOLLOWERS
    assert "mia confirmed lead" in notices[0].body and "brief is due" in notices[0].body
    # Confirming again tells nobody twice.
    confirm_grade(uow.session, lead.id, by="mia", now=hours(3), rules=rules, followers=FOLLOWERS)
    assert uow.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.kind == "grade_a")
    ).all() == [m.id for m in notices]
    fields = uow.session.scalars(
        select(FieldChange.field).where(FieldChange.lead_id == lead.id)
    ).all()
    assert {"grade_confirmed_by", "followers"} <= set(fields)


def test_a_manager_changes_the_grade_and_the_regrade_keeps_it(uow, rules, lead):
    """Rule book §7: "A grade set by a manager stands at the weekly re-grade until the owner
    assesses the deal again"."""
    svc.assess_opportunity(uow.session, lead.id, GRADE_B, by="ann", now=MON, rules=rules)
    assert lead.brief_due is None
    confirm_grade(
        uow.session, lead.id, by="mia", now=hours(1), rules=rules, followers=FOLLOWERS, grade="a"
    )
    assert (lead.opportunity_grade, lead.grade_override, lead.grade_confirmed_by) == (
        "A",
        "A",
        "mia",
    )
    assert lead.brief_due == hours(25) and lead.followers == FOLLOWERS
    regrade_chunk(uow.session, [lead.id], hours(24 * 7), rules)
    uow.session.expire_all()
    assert (lead.opportunity_grade, lead.grade_confirmed_by) == ("A", "mia")
    svc.assess_opportunity(uow.session, lead.id, GRADE_B, by="ann", now=hours(200), rules=rules)
    assert (lead.opportunity_grade, lead.grade_override, lead.grade_confirmed_by) == (
        "B",
        None,
        None,
    )


def test_confirmation_refusals_name_what_is_missing(uow, rules, lead):
    """Rule book §7: "Confirmation is refused before the deal is assessed"."""
    with pytest.raises(GuardRefused, match="not assessed yet"):
        confirm_grade(uow.session, lead.id, by="mia", now=hours(1), rules=rules, followers=[])
    svc.assess_opportunity(uow.session, lead.id, GRADE_B, by="ann", now=MON, rules=rules)
    with pytest.raises(InvalidInput, match="grade: 'D'"):
        confirm_grade(
            uow.session, lead.id, by="mia", now=hours(1), rules=rules, followers=[], grade="D"
        )
