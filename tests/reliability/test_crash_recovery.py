"""Crash recovery: a handoff run and the notification sender killed with SIGKILL at the worst
moment, then rerun. Nothing is produced twice, nothing is left behind, and a mail that may
have arrived is held, not resent blindly."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from leadflow.notify.outbox import deliver_outbox, resolve
from leadflow.settings import Settings, get_settings
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.outbound_models import Handoff, OutboxMessage
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.conftest import needs_pg
from tests.mailserver import Mailbox, free_port
from tests.reliability import workers
from tests.reliability.helpers import kill_when, pipeline

pytestmark = pytest.mark.reliability
NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
HOLD = 3600  # outbox_in_doubt_seconds, the default in config/settings.yaml


def _count(url: str, *where: object, model: type = Lead) -> int:
    with UnitOfWork(session_factory(url)) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@needs_pg
@pytest.mark.postgres
def test_handoff_killed_mid_run_resumes_without_duplicates(pg_migrated, monkeypatch, request):
    url = pg_migrated
    pipeline(url, 1200, reps_per_team=30)
    workers.run_intake(url)
    with UnitOfWork(session_factory(url), actor="setup") as uow:  # setup: many won deals
        uow.session.execute(
            update(Lead)
            .where(Lead.state == "nurturing")
            .values(state="won", won_at=f.wall_clock(), contract_value=150_000)
        )
        uow.commit()
    won = _count(url, Lead.state == "won")
    assert won > 400  # three chunks of 200 or more
    recipients = ["delivery@example.com", "cs@example.com"]
    monkeypatch.setenv("LEADFLOW_DELIVERY_RECIPIENTS", json.dumps(recipients))
    monkeypatch.setenv("LEADFLOW_DIRECTOR_RECIPIENTS", json.dumps(["dana@example.com"]))
    get_settings.cache_clear()  # this process's reruns read the recipients too
    request.addfinalizer(get_settings.cache_clear)

    kill_when("run_handoffs", url, lambda: _count(url, model=Handoff) > 0)

    partial = _count(url, model=Handoff)
    assert 0 < partial < won, "the kill should land between the first and the last chunk"
    handoff_mail = OutboxMessage.kind == "handoff"
    assert _count(url, handoff_mail, model=OutboxMessage) == partial * 4  # none half-written
    workers.run_handoffs(url)
    assert workers.run_handoffs(url) == 0  # a third run finds nothing to do
    with UnitOfWork(session_factory(url)) as uow:
        s = uow.session
        assert s.scalar(select(func.count(Handoff.lead_id.distinct()))) == won
        assert s.scalar(select(func.count()).select_from(Handoff)) == won
        per_lead = set(
            s.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "handoff")
                .group_by(OutboxMessage.lead_id)
            ).scalars()
        )
        assert per_lead == {4}  # team manager, director, two delivery: once each


def _box() -> tuple[Mailbox, Controller]:
    box = Mailbox(port=free_port(), hold_at=3)
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    return box, controller


def _add(url: str, count: int) -> list[str]:
    recipients = [f"rep{i}@example.com" for i in range(count)]
    with UnitOfWork(session_factory(url), actor="test") as uow:
        uow.session.add_all(
            [
                OutboxMessage(
                    dedupe_key=f"crash:{r}",
                    kind="test",
                    lead_id=None,
                    recipient=r,
                    subject=f"Lead for {r}",
                    body="assigned to you\n",
                    created_at=NOW,
                )
                for r in recipients
            ]
        )
        uow.commit()
    return recipients


def _statuses(url: str) -> list[str]:
    with UnitOfWork(session_factory(url)) as uow:
        rows = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return ["sent" if r.sent_at else "in doubt" if r.sending_since else "queued" for r in rows]


def test_sender_killed_between_send_and_mark_holds_the_mail_in_doubt(db_url):
    recipients = _add(db_url, 5)
    box, controller = _box()
    settings = Settings(
        mail_url=f"mailto://127.0.0.1:{box.port}",
        mail_from="leadflow@localhost",
        outbox_in_doubt_seconds=HOLD,
    )
    try:
        # The server has the third mail and withholds its "250 OK": kill the sender then.
        kill_when("deliver", db_url, box.holding.is_set, str(box.port), NOW.isoformat())
        box.release.set()
        assert [r for rcpts, _ in box.received for r in rcpts] == recipients[:3]
        assert _statuses(db_url) == ["sent", "sent", "in doubt", "queued", "queued"]

        rerun = deliver_outbox(db_url, NOW + dt.timedelta(minutes=1), settings=settings)
        assert (rerun.sent, rerun.in_doubt, rerun.resent, rerun.failed) == (2, 1, 0, 0)
        assert sorted(r for rcpts, _ in box.received for r in rcpts) == sorted(recipients)
        assert len(box.to(recipients[2])) == 1  # held: not resent blindly

        later = NOW + dt.timedelta(seconds=HOLD + 1)  # nobody resolved it: it goes again
        again = deliver_outbox(db_url, later, settings=settings)
        assert (again.sent, again.resent, again.in_doubt) == (1, 1, 0)
        first, repeat = box.to(recipients[2])
        assert first["X-LeadFlow-Outbox-Id"] == repeat["X-LeadFlow-Outbox-Id"] is not None
        assert deliver_outbox(db_url, later, settings=settings).sent == 0
        assert _statuses(db_url) == ["sent"] * 5
        assert all(len(box.to(r)) == 1 for r in recipients if r != recipients[2])
    finally:
        box.release.set()
        controller.stop()


def test_a_message_in_doubt_is_resolved_by_an_operator(db_url, mailbox):
    _add(db_url, 2)
    with UnitOfWork(session_factory(db_url), actor="test") as uow:
        uow.session.execute(update(OutboxMessage).values(sending_since=NOW))
        uow.commit()
        first, second = uow.session.scalars(
            select(OutboxMessage.id).order_by(OutboxMessage.id)
        ).all()
        assert resolve(uow.session, first, delivered=True, now=NOW)
        assert resolve(uow.session, second, delivered=False, now=NOW)
        assert not resolve(uow.session, second, delivered=True, now=NOW)  # no longer in doubt
        uow.commit()
    settings = Settings(mail_url=f"mailto://127.0.0.1:{mailbox.port}")
    result = deliver_outbox(db_url, NOW + dt.timedelta(seconds=1), settings=settings)
    assert (result.sent, result.resent, result.in_doubt) == (1, 0, 0)
    assert [r for rcpts, _ in mailbox.received for r in rcpts] == ["rep1@example.com"]
