"""Two writers on one lead: the version column lets exactly one of them move it."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from leadflow.errors import LeadFlowError, VersionConflict
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.store.db import session_factory
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.conftest import needs_pg

pytestmark = [needs_pg, pytest.mark.postgres]


def _lead(url: str, rules) -> int:
    with UnitOfWork(session_factory(url)) as uow:
        team = f.team(uow.session)
        f.rep(uow.session, team.id)
        ids = store_leads(uow.session, [(1, f.lead_record())], "test", rules).lead_ids
        process_new_leads(uow.session, ids, f.NOW, rules)
        svc.update_conversion(
            uow.session, ids[0], intent_stated=True, budget_confirmed=Decimal(200_000)
        )
        uow.commit()
        return ids[0]


@pytest.mark.parametrize(
    "triggers", [("qualify", "lose"), ("lose", "lose"), ("qualify", "qualify")]
)
def test_conflicting_triggers_leave_one_transition(pg_migrated, rules, triggers):
    url = pg_migrated
    from tests.conftest import _truncate

    _truncate(url)
    lead_id = _lead(url, rules)
    loaded = threading.Barrier(2)
    outcomes: list[str] = []

    def worker(trigger: str) -> None:
        with UnitOfWork(session_factory(url), actor=trigger) as uow:
            lead = uow.session.get(Lead, lead_id)
            assert lead is not None and lead.state == "nurturing"
            loaded.wait(timeout=10)  # both hold version N before either writes
            try:
                svc.fire_trigger(
                    uow.session,
                    lead_id,
                    trigger,
                    by=trigger,
                    now=f.NOW,
                    rules=rules,
                    reason="price" if trigger == "lose" else None,
                )
                uow.commit()
                outcomes.append("moved")
            except VersionConflict:
                outcomes.append("conflict")
            except LeadFlowError as exc:
                outcomes.append(f"refused: {exc}")

    threads = [threading.Thread(target=worker, args=(t,)) for t in triggers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "moved"]
    with UnitOfWork(session_factory(url)) as uow:
        moves = uow.session.scalar(
            select(func.count())
            .select_from(TransitionAudit)
            .where(TransitionAudit.lead_id == lead_id, TransitionAudit.from_state == "nurturing")
        )
        assert moves == 1
        lead = uow.session.get(Lead, lead_id)
        assert lead.state in ("opportunity", "lost")
