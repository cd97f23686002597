"""Issue 31 item 2, the past sends nothing: after a CRM history is imported, the real
reminder, escalation and handoff flows put nothing in the outbox for its closed deals, and
its open deals' clocks run from the import (--clock-from), not from their old dates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from leadflow.flows.followup import follow_up_reminders, weekly_regrade
from leadflow.flows.handoff import delivery_handoff
from leadflow.intake.history import import_history
from leadflow.intake.history_log import import_activities
from leadflow.settings import get_rules
from leadflow.sheets.files import open_leads
from leadflow.sheets.mapping import for_activities, for_history, load_mapping
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.outbound_models import Handoff, OutboxMessage
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.conftest import migrated_sqlite
from tests.crm_history import write_export

CLOCK_FROM = f.NOW - dt.timedelta(days=3)


def _uow(url: str) -> UnitOfWork:
    return UnitOfWork(session_factory(url), actor="import")


def test_reminders_escalations_and_handoffs_send_nothing_for_the_past(sqlite_template, tmp_path):
    url = migrated_sqlite(sqlite_template, tmp_path / "history.db")
    with _uow(url) as uow:
        team = f.team(uow.session, timezone="UTC")
        names = [f.rep(uow.session, team.id, name=n, capacity=500).name for n in ("Ann", "Bob")]
        uow.commit()
    since = CLOCK_FROM - dt.timedelta(days=3 * 365)
    export, log = write_export(tmp_path, 300, names, since, CLOCK_FROM, seed=7)
    now = f.NOW
    with _uow(url) as uow:
        rows = open_leads(export, for_history(load_mapping())).rows
        report = import_history(
            uow.session, rows, "test", get_rules(), now=now, clock_from=CLOCK_FROM
        )
        logged = open_leads(log, for_activities(load_mapping())).rows
        import_activities(uow.session, logged, "test", get_rules(), now=now)
        uow.commit()
    assert report.rejected == 0 and report.closed > 150 and report.open > 50
    valid = select(func.count()).where(Lead.valid.is_(True))
    with _uow(url) as uow:
        before = uow.session.scalar(valid)

    # An hour after the clocks start nothing is due: no old date fired anything.
    early = follow_up_reminders(url=url, force=True, as_of=CLOCK_FROM + dt.timedelta(hours=1))
    assert not early.reminded and not early.escalated and early.dormant == 0
    assert delivery_handoff(url=url, as_of=CLOCK_FROM + dt.timedelta(hours=1)) == []
    with _uow(url) as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert uow.session.scalar(select(func.count()).select_from(Handoff)) == 0

    # Days later the open deals are due on their clocks from the import, never the closed.
    later = follow_up_reminders(url=url, force=True, as_of=CLOCK_FROM + dt.timedelta(days=2))
    assert later.reminded.get("first_contact", 0) > 0
    with _uow(url) as uow:
        told = select(OutboxMessage.lead_id).where(OutboxMessage.lead_id.is_not(None))
        states = set(
            uow.session.scalars(select(Lead.state).where(Lead.id.in_(told.scalar_subquery())))
        )
        assert states and states.isdisjoint({"won", "lost"})

    # The weekly re-grade keeps the old CRM's screening: past reviews never change.
    weekly_regrade(url=url, as_of=CLOCK_FROM + dt.timedelta(days=2))
    with _uow(url) as uow:
        assert uow.session.scalar(valid) == before
