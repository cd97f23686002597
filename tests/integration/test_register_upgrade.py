"""Migration 0014 on a database with leads in it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from leadflow.intake.receive import store_leads
from leadflow.store.db import engine_for, session_factory
from leadflow.store.migrate import alembic_config, upgrade
from leadflow.store.uow import UnitOfWork
from tests import factories as f


def test_a_lead_disqualified_before_keeps_no_grade_and_asks_no_check(tmp_path, rules):
    """Rule book §2: "A lead lost as invalid (at screening, as a duplicate, or by `lose`
    with the reason invalid) has no grade and does not count as a valid lead until a
    manager reinstates it": leads disqualified before the rule lose the grade they kept."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    with UnitOfWork(session_factory(url)) as uow:
        ids = store_leads(uow.session, [(1, f.lead_record()), (2, f.lead_record())], "t", rules)
        uow.commit()
    command.downgrade(alembic_config(url), "0013_team_timezones")
    engine = engine_for(url)
    with engine.begin() as conn:  # as 0013 left them: one disqualified lead still graded A
        conn.execute(text("UPDATE leads SET grade = 'A', valid = 1"))
        conn.execute(
            text("UPDATE leads SET state = 'lost', loss_reason = 'invalid' WHERE id = :id"),
            {"id": ids.lead_ids[0]},
        )
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT grade, valid, check_state, facts_confirmed_at = created_at FROM leads"
                " ORDER BY id"
            )
        ).all()
    assert [tuple(r) for r in rows] == [(None, 0, None, 1), ("A", 1, None, 1)]
    engine.dispose()
