"""Field history comes from the lead writer, so every session records it, whatever
factory made it.

It used to come from a flush listener registered on each session factory:
test_update_regrades_and_keeps_history[sqlite] once found no history at all, because a
factory made at the address of one that session_factory's cache had dropped was taken as
listening already."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from leadflow.intake.receive import store_leads
from leadflow.lifecycle.update import update_lead
from leadflow.store.db import engine_for
from leadflow.store.models import FieldChange
from leadflow.store.uow import UnitOfWork
from tests import factories as f

FACTORIES = 50  # before the fix, most of 50 such factories recorded nothing


def test_a_factory_made_where_a_dropped_one_was_records_history(sqlite_url: str, rules):
    engine = engine_for(sqlite_url)
    with UnitOfWork(sessionmaker(bind=engine), actor="test") as uow:
        stored = store_leads(uow.session, [(1, f.lead_record())], "test", rules, now=f.NOW)
        uow.commit()
    (lead_id,) = stored.lead_ids
    silent, kept = [], 0
    for n in range(FACTORIES):
        # A new factory, dropped after use as session_factory's cache drops one: the next
        # is often made at the same address.
        with UnitOfWork(sessionmaker(bind=engine), actor="test") as uow:
            update_lead(uow.session, lead_id, {"need": f"need {n}"}, now=f.NOW, rules=rules)
            uow.commit()
            count = uow.session.scalar(select(func.count()).where(FieldChange.field == "need"))
        if count != kept + 1:
            silent.append(n)
        kept = count
    assert silent == [], "the sessions of these factories recorded no field history"
