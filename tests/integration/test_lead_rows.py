"""Set-based lead writes (the lead writer over store/rows.py) on SQLite and PostgreSQL:
the changes land, the version moves, history names the tracked fields only, and a lead
changed by another writer since it was loaded is never overwritten."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from leadflow.intake.receive import store_leads
from leadflow.store.models import FieldChange, Lead, TransitionAudit
from leadflow.store.rows import chunk_rows, load_rows
from leadflow.store.uow import UnitOfWork
from leadflow.store.writer import fire, save_rows, write
from tests import factories as f

NOW = f.NOW


def _stored(factory, rules, n: int) -> list[int]:
    records = [(i, f.lead_record(email=f"p{i}@example.com", phone=None)) for i in range(n)]
    with UnitOfWork(factory, actor="test") as uow:
        ids = store_leads(uow.session, records, "test", rules).lead_ids
        uow.commit()
    return ids


def test_changes_version_history_and_audit_land_together(factory, rules):
    ids = _stored(factory, rules, 3)
    with UnitOfWork(factory, actor="tester") as uow:
        with chunk_rows(uow.session) as chunk:
            rows = load_rows(chunk, Lead.id.in_(ids))
            assert [r.id for r in rows] == sorted(ids)
            write(rows[0], grade="A", score=88)  # grade is tracked, score is not
            fire(rows[1], "screen", by="tester", at=NOW, rules=rules, reason="BANT 3/4")
            assert save_rows(chunk, rows, NOW) == 2  # the third did not change
        uow.commit()
    with UnitOfWork(factory) as uow:
        leads = {
            lead.id: lead
            for lead in uow.session.execute(
                select(Lead.id, Lead.grade, Lead.score, Lead.version, Lead.state, Lead.screened_at)
            )
        }
        history = uow.session.execute(
            select(
                FieldChange.lead_id,
                FieldChange.field,
                FieldChange.old_value,
                FieldChange.new_value,
                FieldChange.actor,
            )
        ).all()
        audit = uow.session.execute(
            select(TransitionAudit.lead_id, TransitionAudit.to_state, TransitionAudit.reason)
        ).all()
    first, second, third = sorted(ids)
    assert (leads[first].grade, leads[first].score, leads[first].version) == ("A", 88, 2)
    assert (leads[second].state, leads[second].screened_at, leads[second].version) == (
        "screened",
        NOW,
        2,
    )
    assert leads[third].version == 1
    assert history == [(first, "grade", None, "A", "tester")]
    assert audit == [(second, "screened", "BANT 3/4")]


def test_a_lead_changed_since_it_was_loaded_is_not_overwritten(factory, rules):
    (lead_id,) = _stored(factory, rules, 1)
    with UnitOfWork(factory, actor="job") as job, chunk_rows(job.session) as chunk:
        (row,) = load_rows(chunk, Lead.id == lead_id)
        with UnitOfWork(factory, actor="rep") as other:  # someone else gets there first
            other.session.get(Lead, lead_id).grade = "B"
            other.commit()
        write(row, grade="A")
        with pytest.raises(StaleDataError, match="1 of 1 leads"):
            save_rows(chunk, [row], NOW)
    with UnitOfWork(factory) as uow:
        lead = uow.session.get(Lead, lead_id)
        assert (lead.grade, lead.version) == ("B", 2)


def test_a_column_that_was_not_loaded_is_named(factory, rules):
    (lead_id,) = _stored(factory, rules, 1)
    with UnitOfWork(factory) as uow, chunk_rows(uow.session) as chunk:
        (row,) = load_rows(chunk, Lead.id == lead_id)
        with pytest.raises(AttributeError, match="'no_such_column' was not loaded for lead"):
            _ = row.no_such_column


def test_a_column_set_without_being_loaded_is_refused(factory, rules):
    """Its old value is unknown, so writing it would record false history."""
    (lead_id,) = _stored(factory, rules, 1)
    with UnitOfWork(factory) as uow, chunk_rows(uow.session) as chunk:
        (row,) = load_rows(chunk, Lead.id == lead_id, columns=("grade",))
        write(row, grade="A", owner_id=1)
        with pytest.raises(RuntimeError, match="'owner_id' was set on lead .* but not loaded"):
            save_rows(chunk, [row], NOW)


def test_every_kind_of_column_round_trips(factory, rules):
    """Text, numbers, money, dates, times, flags, JSON and NULLs, with rows changing
    different columns in one write (PostgreSQL sends them as one array per column)."""
    first, second = _stored(factory, rules, 2)
    later = NOW.replace(microsecond=0) + dt.timedelta(days=2)
    wanted = {
        first: {
            "grade": "A",
            "score": 91,
            "budget_confirmed": Decimal("12500.50"),
            "target_date": dt.date(2027, 1, 31),
            "next_action_due": later,
            "intent_stated": True,
            "explanation": {"why": ["fit", "budget"], "n": 2},
            "next_action": None,
        },
        second: {
            "grade": "C",
            "tags": ["events", "ä"],
            "intent_stated": False,
            "next_action": "call back",
        },
    }
    with UnitOfWork(factory, actor="tester") as uow:
        with chunk_rows(uow.session) as chunk:
            rows = load_rows(chunk, Lead.id.in_([first, second]))
            for row in rows:
                for key, value in wanted[row.id].items():
                    setattr(row, key, value)
            assert save_rows(chunk, rows, NOW) == 2
        uow.commit()
    with UnitOfWork(factory) as uow:
        for lead_id, values in wanted.items():
            lead = uow.session.get(Lead, lead_id)
            assert {k: getattr(lead, k) for k in values} == values
            assert lead.version == 2
