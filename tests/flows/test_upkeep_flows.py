"""Reminders, re-grade and handoff flows against a real Prefect server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select, update

from leadflow.demo import generate, story
from leadflow.flows.followup import follow_up_reminders, weekly_regrade
from leadflow.flows.handoff import delivery_handoff
from leadflow.flows.intake import lead_intake
from leadflow.followup.regrade import REGRADED_STATES
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.contract import ContractIn
from leadflow.lifecycle.objections import add_objection
from leadflow.lifecycle.plans import approve_plan, submit_plan
from leadflow.lifecycle.update import update_lead
from leadflow.rules.facts import OpportunityFacts
from leadflow.settings import get_rules
from leadflow.store.db import session_factory
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import Handoff, OutboxMessage, Reminder
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.factories import DIRECTORS
from tests.flows.conftest import artifacts
from tests.integration.test_review import PLAN

NOW = f.wall_clock()


def _uow(url: str, actor: str = "test") -> UnitOfWork:
    return UnitOfWork(session_factory(url), actor=actor)


def _count(url: str, query) -> int:
    with _uow(url) as uow:
        return uow.session.scalar(query) or 0


def _win(url: str, lead_id: int, at: dt.datetime = NOW) -> None:
    """Take a nurturing lead through qualification and negotiation to won, all at `at`."""
    rules = get_rules()
    with _uow(url, "rep") as uow:
        s = uow.session
        svc.update_conversion(s, lead_id, intent_stated=True, decision_maker_engaged=True)
        svc.fire_trigger(s, lead_id, "qualify", by="rep", now=at, rules=rules)
        svc.assess_opportunity(
            s,
            lead_id,
            OpportunityFacts(
                urgency="immediate", budget=1_200_000, competition="parity", decision_chain="simple"
            ),
            by="rep",
            now=at,
            rules=rules,
        )
        submit_plan(s, lead_id, PLAN, by="rep", now=at, rules=rules, directors=DIRECTORS)
        approve_plan(s, lead_id, role="director", by="dana", now=at, rules=rules)
        svc.fire_trigger(s, lead_id, "start_negotiation", by="rep", now=at, rules=rules)
        update_lead(
            s,
            lead_id,
            {
                "decision_chain_notes": "CFO signs above 200k",
                "internal_notes": "walk away below 180k",
            },
            now=at,
            rules=rules,
        )
        add_objection(s, lead_id, kind="price", detail="too expensive", now=at)
        f.sign(
            s,
            lead_id,
            ContractIn(value=Decimal(250_000), payment_terms="net 30"),
            by="rep",
            now=at,
            rules=rules,
        )
        uow.commit()


def test_reminders_once_then_escalation_then_dormant(pipeline_url):
    lead_intake(url=pipeline_url)
    with _uow(pipeline_url) as uow:
        owned = list(
            uow.session.scalars(
                select(Lead.id).where(Lead.state == "nurturing").order_by(Lead.id).limit(30)
            )
        )
        # Ten leads missed their first-contact SLA; ten went quiet for 100 days.
        uow.session.execute(
            update(Lead)
            .where(Lead.id.in_(owned[:10]))
            .values(first_contact_due=NOW - dt.timedelta(hours=3))
        )
        uow.session.execute(
            update(Lead)
            .where(Lead.id.in_(owned[10:20]))
            .values(last_interaction_at=NOW - dt.timedelta(days=100))
        )
        uow.commit()
    first = follow_up_reminders(url=pipeline_url, force=True)
    assert first.reminded["first_contact"] == 10 and first.dormant == 10
    mails = _count(
        pipeline_url,
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "reminder"),
    )
    again = follow_up_reminders(url=pipeline_url, force=True)
    assert again.reminded.get("first_contact", 0) == 0 and not again.escalated
    assert (
        _count(
            pipeline_url,
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "reminder"),
        )
        == mails
    )  # never twice for the same due item
    with _uow(pipeline_url) as uow:  # a week passes, still untouched
        for reminder in uow.session.scalars(select(Reminder)):
            reminder.reminded_at -= dt.timedelta(days=7)
        uow.commit()
    third = follow_up_reminders(url=pipeline_url, force=True)
    assert third.escalated["first_contact"] == 10
    assert (
        _count(
            pipeline_url,
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "escalation", OutboxMessage.lead_id.in_(owned[:10])),
        )
        == 10
    )


def test_regrade_moves_grades_both_ways_and_says_why(pipeline_url):
    lead_intake(url=pipeline_url)
    with _uow(pipeline_url) as uow:
        a_leads = list(
            uow.session.scalars(
                select(Lead.id).where(Lead.grade == "A", Lead.state == "nurturing").limit(3)
            )
        )
        b_lead = uow.session.scalar(
            select(Lead.id)
            .where(
                Lead.grade == "B",
                Lead.state == "nurturing",
                Lead.contact_role == "decision_maker",
                Lead.timeline.is_not(None),
            )
            .limit(1)
        )
        uow.session.execute(update(Lead).where(Lead.id.in_(a_leads)).values(budget_max=1000))
        uow.session.execute(
            update(Lead)
            .where(Lead.id == b_lead)
            .values(budget_max=900_000, timeline=(NOW + dt.timedelta(days=20)).date())
        )
        uow.commit()
    result = weekly_regrade(url=pipeline_url, chunk_size=700)
    downs = {c.lead_id for c in result.changes if c.field == "grade" and c.old == "A"}
    ups = {c.lead_id for c in result.changes if c.field == "grade" and c.new == "A"}
    assert set(a_leads) <= downs and b_lead in ups
    change = next(c for c in result.changes if c.lead_id == b_lead and c.field == "grade")
    assert "budget match full" in change.why
    listed = artifacts("weekly-regrade-changes")[0]["data"]
    assert f'"lead_id": {b_lead}' in listed or f"'lead_id': {b_lead}" in listed
    assert (
        _count(
            pipeline_url,
            select(func.count())
            .select_from(FieldChange)
            .where(FieldChange.field == "grade", FieldChange.actor == "weekly-regrade"),
        )
        >= 4
    )


def test_handoff_is_produced_once_even_when_rerun(pipeline_url, monkeypatch):
    monkeypatch.setenv("LEADFLOW_DELIVERY_RECIPIENTS", '["delivery@example.com"]')
    from leadflow.settings import get_settings

    get_settings.cache_clear()
    lead_intake(url=pipeline_url)
    with _uow(pipeline_url) as uow:
        lead_id = uow.session.scalar(select(Lead.id).where(Lead.state == "nurturing").limit(1))
    _win(pipeline_url, lead_id)
    assert delivery_handoff(url=pipeline_url) == [lead_id]
    assert delivery_handoff(url=pipeline_url) == []
    with _uow(pipeline_url) as uow:
        handoff = uow.session.scalar(select(Handoff).where(Handoff.lead_id == lead_id))
        assert "too expensive" in handoff.markdown and "250,000" in handoff.markdown
        mails = uow.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "handoff", OutboxMessage.lead_id == lead_id
            )
        ).all()
        to_delivery = [m for m in mails if m.recipient == "delivery@example.com"]
        assert len(to_delivery) == 1 and "(restricted)" in to_delivery[0].body
        assert "CFO signs" not in to_delivery[0].body
        full = [m for m in mails if m.recipient != "delivery@example.com"]
        assert full and "CFO signs" in full[0].body  # the team manager sees everything
    assert _count(pipeline_url, select(func.count()).select_from(Handoff)) == 1
    package = artifacts(f"handoff-lead-{lead_id}")
    assert len(package) == 1 and "too expensive" in package[0]["data"]
    # Anyone with the Prefect UI reads artifacts: budgets and notes are masked there.
    assert "(restricted)" in package[0]["data"]
    assert "CFO signs" not in package[0]["data"] and "walk away" not in package[0]["data"]
    get_settings.cache_clear()


def test_rerun_after_refused_mail_sends_each_package_once(pipeline_url, mailbox, monkeypatch):
    from leadflow.settings import get_settings

    lead_intake(url=pipeline_url)
    with _uow(pipeline_url) as uow:
        lead_id = uow.session.scalar(
            select(Lead.id).where(Lead.state == "nurturing", Lead.team_id.is_not(None))
        )
        # The intake's assignment mails went out earlier; this test is about the handoff.
        uow.session.execute(update(OutboxMessage).values(sent_at=NOW))
        uow.commit()
    _win(pipeline_url, lead_id)
    monkeypatch.setenv("LEADFLOW_MAIL_URL", f"mailto://127.0.0.1:{mailbox.port}")
    monkeypatch.setenv("LEADFLOW_DELIVERY_RECIPIENTS", '["delivery@example.com"]')
    monkeypatch.setenv("LEADFLOW_OUTBOX_BACKOFF_SECONDS", "0.01")
    get_settings.cache_clear()
    try:
        mailbox.refuse.add("delivery@example.com")  # delivery's server says no, once
        assert delivery_handoff(url=pipeline_url) == [lead_id]
        assert mailbox.to("delivery@example.com") == []
        managers = [  # the plan's approval notice (to the directors) went out too
            rcpt
            for rcpts, mail in mailbox.received
            if "Handoff:" in str(mail["subject"])
            for rcpt in rcpts
        ]
        assert managers, "the team manager's copy went out"
        mailbox.refuse.clear()
        assert delivery_handoff(url=pipeline_url) == []  # rerun: no second package
        handoffs = [m for m in mailbox.received if "Handoff:" in str(m[1]["subject"])]
        assert len(mailbox.to("delivery@example.com")) == 1
        assert len(handoffs) == 1 + len(managers)  # everyone exactly once
    finally:
        get_settings.cache_clear()


def test_regrade_examines_every_open_lead_once_on_each_backend(db_url):
    """On PostgreSQL the flow runs two chunks at once: every open lead is still examined
    exactly once, and each grade change is recorded once."""
    with _uow(db_url) as uow:
        story.create_organisation(uow.session, generate.organisation(5))
        records = generate.lead_records(5, 600, f.wall_clock().date())
        store_leads(uow.session, enumerate(records, 1), "generated", get_rules())
        uow.commit()
    lead_intake(url=db_url)
    with _uow(db_url) as uow:  # budgets cut: every A lead has to come down
        open_ids = set(uow.session.scalars(select(Lead.id).where(Lead.state.in_(REGRADED_STATES))))
        graded_a = _count(
            db_url, select(func.count()).where(Lead.id.in_(open_ids), Lead.grade == "A")
        )
        uow.session.execute(update(Lead).where(Lead.id.in_(open_ids)).values(budget_max=1000))
        uow.commit()
    result = weekly_regrade(url=db_url, chunk_size=70)
    assert result.examined == len(open_ids) > 140  # more than two chunks
    grade_changes = sum(n for key, n in result.counts.items() if key.startswith("grade "))
    assert result.counts.get("grade A->B", 0) + result.counts.get("grade A->C", 0) == graded_a
    with _uow(db_url) as uow:
        recorded = uow.session.execute(
            select(FieldChange.lead_id, func.count())
            .where(FieldChange.field == "grade", FieldChange.actor == "weekly-regrade")
            .group_by(FieldChange.lead_id)
        ).all()
    assert len(recorded) == grade_changes and all(n == 1 for _, n in recorded)
