"""Issue "unattended operation", item 10, no silent rep: notices for a rep (or manager) who
cannot be reached go, marked as theirs, to the team's manager (or the ops channels) after
the rules' notify_within_hours, once; `unreachable_people` lists who they are. Mail goes
through the real outbox sender to a real SMTP server on loopback; clocks are passed in."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from leadflow.followup.reminders import due_items, remind
from leadflow.notify.forward import forward_undelivered
from leadflow.notify.outbox import deliver_outbox
from leadflow.rules.timing import notice_wait
from leadflow.settings import Settings, get_settings
from leadflow.store.db import session_factory
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.uow import UnitOfWork
from leadflow.team.reachability import unreachable_people
from tests import factories as f
from tests.integration.test_seed_rules import intake

NOW = f.NOW  # a Monday, 10:00 UTC
MIA, OPS = "mia@example.com", "ops@example.com"


def _mail(mailbox, max_attempts: int = 8) -> Settings:
    return Settings(
        mail_url=f"mailto://127.0.0.1:{mailbox.port}",
        mail_from="leadflow@localhost",
        outbox_max_attempts=max_attempts,
    )


def _subjects(mailbox, address: str) -> list[str]:
    return [m["Subject"] for m in mailbox.to(address)]


def test_a_reminder_for_a_rep_without_email_reaches_the_manager_once(db_url, rules, mailbox):
    """Item 10: "Such a rep's notices escalate to the manager after notify_within_hours";
    exactly once, however often the reminder pass and the sender run."""
    factory = session_factory(db_url)
    with UnitOfWork(factory, actor="test") as uow:
        team = f.team(uow.session, manager_email=MIA)
        f.rep(uow.session, team.id, name="Bo", email=None, no_email=True)
        lead_id = intake(uow, rules, when=NOW).id
        uow.commit()
    late = NOW + dt.timedelta(days=1)  # first contact is overdue by then
    wait = notice_wait(rules)
    for when in (late, late + dt.timedelta(minutes=5)):  # the second pass: nothing new
        with UnitOfWork(factory, actor="test") as uow:
            result = remind(uow.session, list(due_items(uow.session, when, rules)), when, rules)
            uow.commit()
        assert result.reminded == ({"first_contact": 1} if when == late else {})

    settings = _mail(mailbox)
    deliver_outbox(db_url, late + wait - dt.timedelta(minutes=1), settings=settings)
    reminder = f"For Bo, who cannot be reached: Reminder: lead #{lead_id} "
    assert not [s for s in _subjects(mailbox, MIA) if s.startswith(reminder)]  # not yet
    for _ in range(2):
        deliver_outbox(db_url, late + wait, settings=settings)
    got = [m for m in mailbox.to(MIA) if m["Subject"].startswith(reminder)]
    assert len(got) == 1 and "first contact is overdue" in got[0]["Subject"]
    body = got[0].get_body(preferencelist=("plain",)).get_content()
    assert "This notice is for Bo, who cannot be reached (no address)" in body
    assert f"Lead #{lead_id}" in body
    # The assignment notice went the same way (written at intake, sent after the wait).
    assigned = f"For Bo, who cannot be reached: Lead #{lead_id} "
    assert len([s for s in _subjects(mailbox, MIA) if s.startswith(assigned)]) == 1
    with UnitOfWork(factory) as uow:
        kinds = uow.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["unreachable", "unreachable"]


@pytest.fixture
def ops_channel(mailbox, monkeypatch):
    """An ops channel (LEADFLOW_OPS_NOTIFY_URLS) mailing ops@example.com on the test server."""
    channel = f"mailto://127.0.0.1:{mailbox.port}?from=leadflow@localhost&to={OPS}"
    monkeypatch.setenv("LEADFLOW_OPS_NOTIFY_URLS", json.dumps([channel]))
    get_settings.cache_clear()
    yield channel
    get_settings.cache_clear()


def test_without_a_manager_address_the_ops_channels_stand_in(db_url, rules, mailbox, ops_channel):
    """Item 10: "If the manager has no working address either, go to the ops channels"."""
    factory = session_factory(db_url)
    with UnitOfWork(factory, actor="test") as uow:
        team = f.team(uow.session, manager_name="Wes", manager_email=None, no_email=True)
        f.rep(uow.session, team.id, name="Bo", email=None, no_email=True)
        lead_id = intake(uow, rules, when=NOW).id
        uow.commit()
    deliver_outbox(db_url, NOW + notice_wait(rules), settings=_mail(mailbox))
    (subject,) = _subjects(mailbox, OPS)
    assert subject.startswith(f"For Bo, who cannot be reached: Lead #{lead_id} ")
    assert not mailbox.to(MIA)


def test_notices_stuck_at_a_failing_address_go_to_the_manager_once(db_url, rules, mailbox):
    """Item 10: an address "whose notices keep failing permanently" is not working: what
    still waits for it goes to the manager after the deadline, once per notice."""
    factory = session_factory(db_url)
    with UnitOfWork(factory, actor="test") as uow:
        team = f.team(uow.session, manager_email=MIA)
        f.rep(uow.session, team.id, name="Ann", email="ann@example.com")
        lead_id = intake(uow, rules, when=NOW).id
        uow.commit()
    mailbox.refuse.add("ann@example.com")
    settings = _mail(mailbox, max_attempts=1)  # the first refusal gives up
    assert deliver_outbox(db_url, NOW + dt.timedelta(minutes=1), settings=settings).gave_up == 1
    wait = notice_wait(rules)
    for when, expected in (
        (NOW + wait - dt.timedelta(minutes=1), 0),
        (NOW + wait, 1),
        (NOW + wait, 0),
    ):
        with UnitOfWork(factory, actor="test") as uow:
            assert forward_undelivered(uow.session, when, rules, settings) == expected
            uow.commit()
    deliver_outbox(db_url, NOW + wait, settings=settings)
    (mail,) = mailbox.to(MIA)
    assert mail["Subject"].startswith(f"For Ann, who cannot be reached: Lead #{lead_id} ")
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "who cannot be reached (1 failed delivery, last: " in body


def test_unreachable_people_names_who_and_why(db_url, rules, mailbox):
    """Reps and managers without a working address: none at all, or failed deliveries
    since the address last took a notice (a later delivery clears it)."""
    factory = session_factory(db_url)
    with UnitOfWork(factory, actor="test") as uow:
        east = f.team(uow.session, name="East", manager_email=MIA)
        ann = f.rep(uow.session, east.id, name="Ann", email="ann@example.com")
        west = f.team(
            uow.session,
            name="West",
            regions=["west"],
            manager_name="Wes",
            manager_email=None,
            no_email=True,
        )
        bo = f.rep(uow.session, west.id, name="Bo", email=None, no_email=True, regions=["west"])
        intake(uow, rules, when=NOW)
        intake(uow, rules, when=NOW)  # two assignment notices to Ann
        ids = (ann.id, bo.id, west.id)
        uow.commit()
    mailbox.refuse.add("ann@example.com")
    settings = _mail(mailbox, max_attempts=1)
    deliver_outbox(db_url, NOW + dt.timedelta(minutes=1), settings=settings)
    later = NOW + dt.timedelta(minutes=2)
    with UnitOfWork(factory) as uow:
        found = unreachable_people(uow.session, later, settings)
        before = unreachable_people(uow.session, NOW - dt.timedelta(minutes=1), settings)
    assert [(p.role, p.id, p.name, p.team) for p in found] == [
        ("rep", ids[0], "Ann", "East"),
        ("rep", ids[1], "Bo", "West"),
        ("manager", ids[2], "Wes", "West"),
    ]
    why = found[0].why
    assert why.startswith("2 failed deliveries, last: ") and "UTC: " in why, why
    assert [p.why for p in found[1:]] == ["no address", "no address"]
    assert [p.name for p in before] == ["Bo", "Wes"]  # the failures came after that time

    mailbox.refuse.clear()
    with UnitOfWork(factory, actor="test") as uow:
        intake(uow, rules, when=later)  # a third notice, which Ann's mailbox now takes
        uow.commit()
    deliver_outbox(db_url, later, settings=settings)
    with UnitOfWork(factory) as uow:
        names = [p.name for p in unreachable_people(uow.session, later, settings)]
    assert names == ["Bo", "Wes"]
