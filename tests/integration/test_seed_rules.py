"""Issue 17: the rule book's timers and grades, through the real services on a real store.
Each test follows a rule of the rule book (docs/rules.md, same section numbers; quotes are
the original spec's words); clocks are passed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from leadflow.followup.regrade import regrade_chunk
from leadflow.followup.reminders import due_items, preview, remind
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.opportunity import record_brief
from leadflow.lifecycle.plans import PlanIn, approve_plan, submit_plan
from leadflow.review.build import build_review
from leadflow.review.period import Period
from leadflow.rules.facts import OpportunityFacts
from leadflow.store.models import Activity, BehaviourEvent, Lead
from leadflow.store.outbound_models import OutboxMessage
from tests import factories as f
from tests.factories import DIRECTORS

MON = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
PLAN = PlanIn(
    pain_points="slow close",
    advantages="local support",
    strategy="pilot",
    milestones="pilot in 2 weeks",
    price_min=Decimal(500_000),
    price_max=Decimal(1_000_000),
)
IMMEDIATE = OpportunityFacts(
    urgency="immediate", budget=Decimal(2_000_000), competition="parity", decision_chain="simple"
)


def days(n: float) -> dt.datetime:
    return MON + dt.timedelta(days=n)


@pytest.fixture
def team(uow):
    team = f.team(uow.session)
    return team


def intake(uow, rules, when=MON, **record) -> Lead:
    summary = store_leads(uow.session, [(1, f.lead_record(**record))], "test", rules, now=when)
    assert summary.rejections == []
    process_new_leads(uow.session, summary.lead_ids, when, rules)
    return uow.session.get(Lead, summary.lead_ids[0])


def to_opportunity(uow, rules, lead: Lead, when: dt.datetime, facts=IMMEDIATE) -> None:
    svc.update_conversion(
        uow.session,
        lead.id,
        intent_stated=True,
        budget_confirmed=Decimal(2_000_000),
        target_date=(when + dt.timedelta(days=20)).date(),
    )
    svc.fire_trigger(uow.session, lead.id, "qualify", by="ann", now=when, rules=rules)
    svc.assess_opportunity(uow.session, lead.id, facts, by="ann", now=when, rules=rules)


def regrade(uow, rules, lead: Lead, when: dt.datetime):
    result = regrade_chunk(uow.session, [lead.id], when, rules)
    uow.session.expire_all()
    return result


# --- 1. grades from current facts -------------------------------------------------------


def test_budget_cut_and_slipped_date_lower_the_opportunity_grade(uow, rules, team):
    """Rule book §7: "Grading reads the current facts: a budget cut recorded on the lead, or
    a target date that has passed without a win (the purchase slipped), lowers the grade at
    the next re-grade (A → B is the seed's own example), and the approval role follows the
    new grade." """
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    to_opportunity(uow, rules, lead, MON)
    assert lead.opportunity_grade == "A"
    svc.update_conversion(
        uow.session,
        lead.id,
        budget_confirmed=Decimal(200_000),
        target_date=(MON - dt.timedelta(days=41)).date(),
    )
    result = regrade(uow, rules, lead, MON)
    lead = uow.session.get(Lead, lead.id)
    assert lead.opportunity_grade == "C" and lead.slipped is True
    assert result.counts["opportunity_grade A->C"] == 1 and result.slipped == [lead.id]
    told = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "slipped"))
    assert "Re-assess" in told.one().body
    # and back up: a new date and budget raise it again
    svc.update_conversion(
        uow.session,
        lead.id,
        budget_confirmed=Decimal(2_000_000),
        target_date=(MON + dt.timedelta(days=10)).date(),
    )
    regrade(uow, rules, lead, MON)
    assert uow.session.get(Lead, lead.id).opportunity_grade == "A"


def test_a_raised_grade_needs_the_higher_approval(uow, rules, team):
    """Rule book §7: "the approval role follows the new grade" (director for grade A,
    sales manager for B/C, §2)."""
    from leadflow.errors import GuardRefused

    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    to_opportunity(
        uow,
        rules,
        lead,
        MON,
        OpportunityFacts(
            urgency="normal", budget=Decimal(500_000), competition="parity", decision_chain="simple"
        ),
    )
    assert lead.opportunity_grade == "B"
    submit_plan(uow.session, lead.id, PLAN, by="ann", now=MON, rules=rules, directors=DIRECTORS)
    approve_plan(uow.session, lead.id, role="manager", by="mia", now=MON, rules=rules)
    result = regrade(uow, rules, lead, MON)  # confirmed 2M, date in 20 days: A
    assert uow.session.get(Lead, lead.id).opportunity_grade == "A"
    assert "no longer suffices" in result.changes[-1].why
    with pytest.raises(GuardRefused, match="director"):
        svc.fire_trigger(uow.session, lead.id, "start_negotiation", by="ann", now=MON, rules=rules)


# --- 2. cycle from the first opportunity ------------------------------------------------


def test_cycle_counts_from_the_first_opportunity(uow, rules, team):
    """Rule book §9: "average cycle (days from the lead first becoming an opportunity to
    won)"; §2: every transition's timestamp is kept."""
    f.rep(uow.session, team.id)
    lead = intake(uow, rules, when=days(-80))
    to_opportunity(uow, rules, lead, days(-70))
    svc.fire_trigger(uow.session, lead.id, "requalify", by="ann", now=days(-60), rules=rules)
    svc.fire_trigger(uow.session, lead.id, "qualify", by="ann", now=days(-10), rules=rules)
    submit_plan(
        uow.session, lead.id, PLAN, by="ann", now=days(-10), rules=rules, directors=DIRECTORS
    )
    approve_plan(uow.session, lead.id, role="director", by="dan", now=days(-10), rules=rules)
    svc.fire_trigger(uow.session, lead.id, "start_negotiation", by="ann", now=days(-5), rules=rules)
    f.sign(uow.session, lead.id, ContractIn(value=Decimal(900_000)), by="ann", now=MON, rules=rules)
    assert lead.first_opportunity_at == days(-70) and lead.opportunity_at == days(-10)
    review = build_review(uow.session, Period.containing(MON.date()), MON)
    assert review.average_cycle_days == 70.0


# --- 3. behaviour at intake, moving SLAs ------------------------------------------------


def test_intake_events_reach_high_priority_and_the_2h_sla(uow, rules, team):
    """Rule book §4/§6: behaviour score (capped at 40) plus attributes; "First contact:
    within the response SLA by priority: high 2 h"."""
    f.rep(uow.session, team.id)
    events = [{"kind": "webinar", "at": "2026-10-20T10:00:00Z"}] * 4  # 60, capped at 40
    lead = intake(uow, rules, events=events)
    assert (lead.behaviour_score, lead.score, lead.priority) == (40, 100, "high")
    assert lead.first_contact_due == MON + dt.timedelta(hours=2)
    assert uow.session.scalars(
        select(BehaviourEvent).where(BehaviourEvent.lead_id == lead.id)
    ).all()[0].at == dt.datetime(2026, 10, 20, 10, tzinfo=dt.UTC)


def test_priority_rising_before_first_contact_tightens_the_sla(uow, rules, team):
    """Rule book §6: "First contact: within the response SLA by priority" - a lead whose
    priority rises before first contact gets the new SLA; it never loosens."""
    f.rep(uow.session, team.id)
    lead = intake(uow, rules, company_size="small", contact_role="influencer")
    assert lead.priority == "medium" and lead.first_contact_due == MON + dt.timedelta(hours=4)
    for _ in range(3):
        svc.track_event(
            uow.session, lead.id, "webinar", now=MON + dt.timedelta(hours=1), rules=rules
        )
    assert lead.priority == "high"
    assert lead.first_contact_due == MON + dt.timedelta(hours=2)


# --- 4. cadence-aware reminders ---------------------------------------------------------


def test_grade_c_lead_is_not_reminded_after_three_days(uow, rules, team):
    """Rule book §6: "a lead whose grade sets a slower cadence (B every 2 weeks, C monthly)
    is reminded when its cadence falls due, not after 3 days. No reminder or escalation
    contradicts the lead's own cadence." """
    f.rep(uow.session, team.id)
    lead = intake(uow, rules, need="了解一下产品。")  # vague need: grade C (§5)
    lead_id = lead.id
    assert lead.grade == "C"
    svc.log_activity(
        uow.session, lead_id, channel="phone", key_points="intro", now=MON, rules=rules
    )
    kinds = {i.kind for i in due_items(uow.session, days(4), rules) if i.lead_id == lead_id}
    assert kinds == set()
    monthly = {i.kind for i in due_items(uow.session, days(31), rules) if i.lead_id == lead_id}
    assert monthly == {"cadence", "reverify"}  # and the month's check of its facts (§1)


def test_nurture_cadence_reminder_names_the_content(uow, rules, team):
    """Rule book §4: nurture stage "interest" sends "success cases, testimonials, free
    trial" by "email + call every 2 weeks"."""
    f.rep(uow.session, team.id)
    lead = intake(uow, rules, company_size="small", contact_role="user", budget_max=60000)
    assert lead.nurture_stage == "awareness"
    svc.track_event(uow.session, lead.id, "webinar", now=MON, rules=rules)
    svc.track_event(uow.session, lead.id, "download", now=MON, rules=rules)
    assert lead.nurture_stage == "interest"
    svc.log_activity(
        uow.session, lead.id, channel="email", key_points="case study", now=MON, rules=rules
    )
    assert lead.next_cadence_due == days(14)
    (msg,) = [m for m in preview(uow.session, days(14), rules) if m.lead_id == lead.id]
    assert "success cases, testimonials, free trial" in msg.subject


def test_reminders_due_previews_without_sending(uow, rules, team):
    """Rule book §6: "one still untouched a day later escalates to the manager" - the
    preview shows reminders and escalations and sends nothing."""
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    shown = preview(uow.session, days(1), rules)
    # No mail server here: the owner's assignment notice is still queued, so it goes up
    # too (§5; tests/integration/test_notify_deadline.py), once.
    assert [(m.lead_id, m.kind, m.action) for m in shown] == [
        (lead.id, "notify", "escalate"),
        (lead.id, "first_contact", "remind"),
    ]
    assert (
        uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
        == []
    )
    remind(uow.session, list(due_items(uow.session, days(1), rules)), days(1), rules)
    later = preview(uow.session, days(2), rules)
    assert [(m.kind, m.action, m.recipient) for m in later] == [
        ("first_contact", "escalate", "mia@example.com")
    ]


# --- 6. every setting works -------------------------------------------------------------


def test_a_contact_logged_late_is_marked_and_counted(uow, rules, team):
    """Rule book §6: "A contact is logged with the time it happened; one logged more than
    24 hours later is marked late (and counted per rep in the review)." """
    rep = f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    svc.log_activity(
        uow.session,
        lead.id,
        channel="phone",
        key_points="on time",
        now=days(1),
        at=days(1) - dt.timedelta(hours=23),
        rules=rules,
    )
    svc.log_activity(
        uow.session,
        lead.id,
        channel="phone",
        key_points="late",
        now=days(3),
        at=days(1),
        rules=rules,
    )
    late = uow.session.scalars(select(Activity.late).order_by(Activity.id)).all()
    assert late == [False, True]
    review = build_review(uow.session, Period.containing(MON.date()), days(3))
    assert {r.id: r.late_logs for r in review.reps}[rep.id] == 1


def test_grade_a_brief_reminds_owner_then_escalates_to_directors(uow, rules, team):
    """Rule book §7: "Grade A: ... an opportunity brief is due within 24 hours." """
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    to_opportunity(uow, rules, lead, MON)
    assert lead.brief_due == days(1)
    first = [
        m for m in preview(uow.session, days(1), rules, ["dan@example.com"]) if m.kind == "brief"
    ]
    assert [m.action for m in first] == ["remind"]
    remind(
        uow.session,
        list(due_items(uow.session, days(1), rules)),
        days(1),
        rules,
        ["dan@example.com"],
    )
    up = [m for m in preview(uow.session, days(2), rules, ["dan@example.com"]) if m.kind == "brief"]
    assert [(m.action, m.recipient) for m in up] == [("escalate", "dan@example.com")]
    record_brief(uow.session, lead.id, text="scope, team, plan", by="ann", now=days(2))
    assert not [m for m in preview(uow.session, days(2), rules) if m.kind == "brief"]


# --- 7. the smaller gaps ----------------------------------------------------------------


def test_entered_by_and_individual_customers(uow, rules, team):
    """Rule book §1: "Who entered a lead and when (录入人, 录入时间) is kept on the record. A
    lead may be an individual customer rather than a company (customer_type: individual,
    company name then optional)." """
    uow.session.info["actor"] = "carol"
    lead = intake(uow, rules, company_name=None, customer_type="individual")
    assert (lead.entered_by, lead.created_at, lead.customer_type) == ("carol", MON, "individual")
    assert lead.company_name == lead.contact_name
    summary = store_leads(
        uow.session, [(1, f.lead_record(company_name=None))], "test", rules, now=MON
    )
    assert "company_name" in summary.rejections[0]["errors"]


def test_assignment_notice_carries_the_register_fields(uow, rules, team):
    """Rule book §5/§1: the owner is notified of the lead with its key fields."""
    f.rep(uow.session, team.id)
    lead = intake(uow, rules, source_detail="trade show - expo")
    body = uow.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "assignment")
    ).one()
    # The channel reads as the team's language labels it (English: "website form").
    for text in (
        lead.phone,
        lead.email,
        "website form (trade show - expo)",
        lead.need,
        f"Grade: {lead.grade}, priority {lead.priority}",
        "First contact due: ",
    ):
        assert text in body


def test_post_win_review_is_reminded_when_due_and_recordable(uow, rules, team, tmp_path):
    """Rule book §8: "A post-win review is due within 3 business days." """
    from leadflow.handoff.package import produce_handoffs
    from leadflow.lifecycle.opportunity import record_win_review
    from leadflow.settings import Settings

    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    to_opportunity(uow, rules, lead, MON)
    submit_plan(uow.session, lead.id, PLAN, by="ann", now=MON, rules=rules, directors=DIRECTORS)
    approve_plan(uow.session, lead.id, role="director", by="dan", now=MON, rules=rules)
    svc.fire_trigger(uow.session, lead.id, "start_negotiation", by="ann", now=MON, rules=rules)
    f.sign(uow.session, lead.id, ContractIn(value=Decimal(900_000)), by="ann", now=MON, rules=rules)
    produce_handoffs(uow.session, [lead.id], MON, rules, Settings(output_dir=tmp_path))

    def kinds(when: dt.datetime) -> set[str]:
        return {m.kind for m in preview(uow.session, when, rules) if m.lead_id == lead.id}

    assert "win_review" not in kinds(days(2))
    assert "win_review" in kinds(days(3))  # Thursday: three business days after Monday
    record_win_review(uow.session, lead.id, notes="went well", by="ann", now=days(3))
    assert "win_review" not in kinds(days(3))
