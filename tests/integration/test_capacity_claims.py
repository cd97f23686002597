"""Intake chunks claim reps' slots on PostgreSQL without a roster lock held for the whole
chunk: concurrent chunks never take a rep past capacity, and a chunk whose chosen rep fills
between its choice and its claim falls back to the next candidate in the rule's order."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from sqlalchemy import func, select, text

from leadflow.intake import pending
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.store.capacity import RepClaim
from leadflow.store.db import engine_for, normalise_url, session_factory
from leadflow.store.models import Lead, SalesRep, TransitionAudit
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.conftest import _truncate, needs_pg
from tests.reliability import workers

pytestmark = [needs_pg, pytest.mark.postgres]
CAPACITIES = (7, 5, 3, 1)


def _organisation(
    url: str, rules, capacities: tuple[int, ...], leads: int, away: int = 0
) -> tuple[list[int], list[int]]:
    """An emptied database with one east team of senior reps of these capacities (plus
    `away` absent ones) and `leads` new leads; returns the rep and lead ids."""
    _truncate(url)
    with UnitOfWork(session_factory(url), actor="setup") as uow:
        team = f.team(uow.session)
        reps = [f.rep(uow.session, team.id, capacity=c).id for c in capacities]
        for _ in range(away):
            f.rep(uow.session, team.id, capacity=10, away=True)
        ids = store_leads(
            uow.session, enumerate([f.lead_record() for _ in range(leads)], 1), "setup", rules
        ).lead_ids
        uow.commit()
    return reps, ids


def _owned(url: str) -> dict[int, int]:
    with UnitOfWork(session_factory(url)) as uow:
        return dict(
            uow.session.execute(
                select(Lead.owner_id, func.count())
                .where(Lead.owner_id.is_not(None))
                .group_by(Lead.owner_id)
            )
            .tuples()
            .all()
        )


def test_concurrent_chunks_never_take_a_rep_past_capacity(pg_migrated, rules):
    url = pg_migrated
    reps, ids = _organisation(url, rules, CAPACITIES, 240, away=1)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:  # four processes, chunks of 5: claims race for the last slots
        results = pool.starmap(workers.intake_in_small_chunks, [(url, 5)] * 4)
    assert sum(r["processed"] for r in results) == len(ids)
    assert sum(1 for r in results if r["processed"]) > 1, results  # they ran side by side
    owned = _owned(url)
    capacity = dict(zip(reps, CAPACITIES, strict=True))
    assert owned == capacity  # every slot filled, none past capacity, nothing to the away rep
    with UnitOfWork(session_factory(url)) as uow:
        s = uow.session
        assert s.scalar(select(func.count()).where(Lead.state == "new")) == 0
        assert (
            sum(r["assigned"] for r in results)
            == sum(CAPACITIES)
            == s.scalar(
                select(func.count())
                .select_from(TransitionAudit)
                .where(TransitionAudit.trigger == "start_nurturing")
            )
        )
        assert s.scalar(select(func.count()).select_from(RepClaim)) == 0  # all released


def _waiting_for_a_lock(url: str) -> bool:
    with engine_for(normalise_url(url)).connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE NOT l.granted AND a.datname = current_database()"
                )
            )
        )


def test_a_rep_filled_between_choice_and_claim_passes_to_the_next_candidate(pg_migrated, rules):
    url = pg_migrated
    (first, second), (early, late) = _organisation(url, rules, (1, 5), 2)
    held, errors = threading.Event(), []

    def fill_first_rep() -> None:
        """A chunk that takes the first rep's only slot and commits only once the other
        chunk, which chose that rep from a roster read meanwhile, waits at its claim."""
        try:
            with UnitOfWork(session_factory(url), actor="intake") as uow:
                process_new_leads(uow.session, [early], f.NOW, rules)
                held.set()
                deadline = time.monotonic() + 30
                while not _waiting_for_a_lock(url) and time.monotonic() < deadline:
                    time.sleep(0.05)
                uow.commit()
        except Exception as exc:  # the main thread reports it
            errors.append(exc)
            held.set()

    other = threading.Thread(target=fill_first_rep)
    other.start()
    assert held.wait(30) and not errors, errors
    result = pending.intake_chunk([late], f.NOW, url)
    other.join(30)
    assert not errors, errors
    assert result.assigned == 1
    assert _owned(url) == {first: 1, second: 1}
    with UnitOfWork(session_factory(url)) as uow:
        lead = uow.session.get(Lead, late)
        names = {r.id: r.name for r in uow.session.scalars(select(SalesRep)).unique()}
        assert lead is not None and lead.owner_id == second
        why = lead.assignment_reason or ""
        # The rule's own reason (its choice and the compared close rates) stays, and the
        # fallback says what happened at the claim.
        assert f"chose {names[first]}: best close rate" in why, why
        assert "close rates compared" in why, why
        assert why.endswith(
            f"full when claimed: {names[first]}; next candidate {names[second]} (1/5)"
        ), why
        assert uow.session.scalar(select(func.count()).select_from(RepClaim)) == 0


def test_a_chunk_that_rolls_back_leaves_no_slot_taken(pg_migrated, rules):
    url = pg_migrated
    (only,), (first, second) = _organisation(url, rules, (1,), 2)
    with UnitOfWork(session_factory(url), actor="intake") as uow:
        # Its claim commits on its own; the chunk then ends without a commit.
        assert (
            process_new_leads(uow.session, [first], f.NOW, rules, claims_apart=True).assigned == 1
        )
    with UnitOfWork(session_factory(url)) as uow:  # the claim is still there, but dead
        assert uow.session.scalar(select(func.count()).select_from(RepClaim)) == 1
    assert pending.intake_chunk([first, second], f.NOW, url).assigned == 1
    assert _owned(url) == {only: 1}
    with UnitOfWork(session_factory(url)) as uow:  # the next claim swept the dead one away
        assert uow.session.scalar(select(func.count()).select_from(RepClaim)) == 0
