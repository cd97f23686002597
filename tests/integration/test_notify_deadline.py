"""Issue 17, `assignment.notify_within_hours`: an owner's assignment notice still not
delivered after the deadline goes to the team's manager, once. Each test follows the rule
book (docs/rules.md §5; quotes are the original spec's words); clocks are passed in; mail
goes to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from leadflow.followup.reminders import due_items, preview, remind
from leadflow.lifecycle import operations as svc
from leadflow.notify.outbox import deliver_outbox
from leadflow.settings import Settings
from leadflow.store.db import session_factory
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.integration.test_seed_rules import MON, intake


def after(minutes: float) -> dt.datetime:
    return MON + dt.timedelta(minutes=minutes)


def notices(session, when, rules):
    """The notice escalations a reminder pass at `when` would send: (lead, action, to)."""
    return [
        (m.lead_id, m.action, m.recipient)
        for m in preview(session, when, rules)
        if m.kind == "notify"
    ]


def test_a_notice_never_sent_escalates_once_at_once(uow, rules):
    """Rule book §5: "The owner is notified within 24 hours of assignment (default: at
    once)." With the default 0 hours, a notice still queued once the sender has had its
    grace goes to the manager, once; a notice still inside the grace does not."""
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    grace = rules.assignment.notify_grace_minutes
    assert rules.assignment.notify_within_hours == 0 and grace > 1
    assert notices(uow.session, after(grace - 1), rules) == []
    assert notices(uow.session, after(grace), rules) == [(lead.id, "escalate", "mia@example.com")]
    remind(uow.session, list(due_items(uow.session, after(grace), rules)), after(grace), rules)
    up = uow.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "escalation")).all()
    assert [(m.lead_id, m.recipient) for m in up] == [(lead.id, "mia@example.com")]
    assert "assignment notice" in up[0].subject
    later = after(grace + 120)
    remind(uow.session, list(due_items(uow.session, later, rules)), later, rules)
    assert notices(uow.session, later, rules) == []  # escalated once, not every pass
    assert (
        len(
            uow.session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.kind == "escalation", OutboxMessage.lead_id == lead.id
                )
            ).all()
        )
        == 1
    )


def test_the_deadline_is_the_configured_hours(uow, rules):
    """Rule book §5: "notified within 24 hours of assignment": with notify_within_hours 24 a
    queued notice is not late after 23 hours, and is after 24."""
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    slow = rules.model_copy(
        update={"assignment": rules.assignment.model_copy(update={"notify_within_hours": 24})}
    )
    assert notices(uow.session, after(23 * 60), slow) == []
    assert [n[0] for n in notices(uow.session, after(24 * 60), slow)] == [lead.id]


def test_a_contacted_lead_or_a_queue_notice_does_not_escalate(uow, rules):
    """Rule book §5: the notice is how the owner learns of the lead; once the owner has
    logged a contact the lead is not unknown, and a manager-queue notice goes to the
    manager already (§5, "the lead goes to the team's manager queue")."""
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    f.team(uow.session, name="West", manager_email="wes@example.com", regions=["west"])
    queued = intake(uow, rules, region="west")  # a team without reps: its manager's queue
    assert queued.owner_id is None
    svc.log_activity(
        uow.session, lead.id, channel="phone", key_points="intro", now=after(5), rules=rules
    )
    assert notices(uow.session, after(60), rules) == []


def test_delivery_over_smtp_decides(db_url, rules, mailbox):
    """Rule book §5: "The owner is notified ..." - a notice the mail server took is
    delivered and never escalates; one the server refused (tried and failed) does."""
    factory = session_factory(db_url)
    with UnitOfWork(factory, actor="test") as uow:
        team = f.team(uow.session)
        f.rep(uow.session, team.id, name="Ann", email="ann@example.com")
        f.rep(uow.session, team.id, name="Bo", email="bo@example.com")
        delivered, refused = intake(uow, rules), intake(uow, rules)
        owners = {delivered.owner_id, refused.owner_id}
        ids = (delivered.id, refused.id)
        uow.commit()
    assert len(owners) == 2  # the least loaded rep takes the second lead
    with UnitOfWork(factory) as uow:
        to = {
            m.lead_id: m.recipient
            for m in uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "assignment")
            )
        }
    mailbox.refuse.add(to[ids[1]])
    settings = Settings(
        mail_url=f"mailto://127.0.0.1:{mailbox.port}",
        mail_from="leadflow@localhost",
        outbox_max_attempts=8,
        outbox_backoff_seconds=60,
    )
    result = deliver_outbox(db_url, after(1), settings=settings)
    assert (result.sent, result.failed) == (1, 1)
    assert [m["To"] for m in mailbox.to(to[ids[0]])] == [to[ids[0]]]
    with UnitOfWork(factory) as uow:
        late = after(rules.assignment.notify_grace_minutes)
        assert notices(uow.session, late, rules) == [(ids[1], "escalate", "mia@example.com")]
