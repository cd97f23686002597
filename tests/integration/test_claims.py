"""Claiming new leads in the database: a claim holds its leads until its transaction ends,
so concurrent claimers never get the same lead; SQLite simply hands out the oldest."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from leadflow.followup.regrade import REGRADED_STATES
from leadflow.intake import pending
from leadflow.intake.claims import claim_new_lead_ids
from leadflow.intake.receive import store_leads
from leadflow.store.db import session_factory
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.queries import lead_id_ranges
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.conftest import needs_pg


def _store(url: str, rules, count: int) -> list[int]:
    with UnitOfWork(session_factory(url), actor="test") as uow:
        team = f.team(uow.session)
        f.rep(uow.session, team.id, capacity=1000)
        ids = store_leads(
            uow.session, enumerate([f.lead_record() for _ in range(count)], 1), "test", rules
        ).lead_ids
        uow.commit()
    return ids


def test_claim_takes_the_oldest_new_leads(db_url, rules):
    ids = _store(db_url, rules, 5)
    with UnitOfWork(session_factory(db_url)) as uow:
        assert claim_new_lead_ids(uow.session, 3) == ids[:3]
        assert claim_new_lead_ids(uow.session, 10) == ids


def test_claiming_until_empty_processes_every_lead_once(db_url, rules):
    ids = _store(db_url, rules, 7)
    sizes = []
    while done := pending.claim_intake_chunk(3, f.NOW, db_url).processed:
        sizes.append(done)
    assert sizes == [3, 3, 1]
    with UnitOfWork(session_factory(db_url)) as uow:
        s = uow.session
        assert s.scalar(select(func.count()).where(Lead.state == "new")) == 0
        assert s.scalar(
            select(func.count())
            .select_from(TransitionAudit)
            .where(TransitionAudit.from_state == "new")
        ) == len(ids)


@needs_pg
@pytest.mark.postgres
def test_concurrent_claims_skip_each_others_leads(pg_migrated, rules):
    from tests.conftest import _truncate

    _truncate(pg_migrated)
    ids = _store(pg_migrated, rules, 10)
    factory = session_factory(pg_migrated)
    with UnitOfWork(factory) as first, UnitOfWork(factory) as second:
        mine = claim_new_lead_ids(first.session, 4)
        theirs = claim_new_lead_ids(second.session, 4)  # does not wait: skips locked rows
        assert mine == ids[:4] and theirs == ids[4:8]
        first.session.rollback()  # a claimer that dies gives its leads back
        assert claim_new_lead_ids(first.session, 10) == ids[:4] + ids[8:]


def test_open_lead_ranges_cover_every_open_lead_once(db_url, rules):
    _store(db_url, rules, 9)
    while pending.claim_intake_chunk(100, f.NOW, db_url).processed:
        pass
    with UnitOfWork(session_factory(db_url)) as uow:
        open_ids = list(
            uow.session.scalars(select(Lead.id).where(Lead.state != "lost").order_by(Lead.id))
        )
        ranges = lead_id_ranges(uow.session, REGRADED_STATES, 4)
    assert 1 < len(ranges) <= 4
    covered = [i for lo, hi in ranges for i in open_ids if lo <= i <= hi]
    assert covered == open_ids
    assert ranges[0][0] == open_ids[0]
