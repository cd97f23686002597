"""store.rows.insert_rows on SQLite and PostgreSQL (where the rows go in as one INSERT from
a JSON array): every row lands, in the order given, with its JSON and NULLs; and new leads
stored by store.rows.insert_leads land as the ORM stores them, with their ids in order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from leadflow.intake.receive import store_leads
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.rows import insert_leads, insert_rows
from leadflow.store.uow import UnitOfWork
from tests import factories as f

NOW = f.NOW


def _lead(factory, rules) -> int:
    with UnitOfWork(factory, actor="test") as uow:
        (lead_id,) = store_leads(uow.session, [(1, f.lead_record())], "test", rules).lead_ids
        uow.commit()
    return lead_id


def test_rows_land_in_order_with_json_and_nulls(factory, rules):
    lead_id = _lead(factory, rules)
    messages = [
        {
            "dedupe_key": f"k{i}",
            "kind": "assignment",
            "lead_id": lead_id,
            "recipient": "rep@example.com",
            "subject": f"lead {i}",
            "body": "ä\nb",
            "created_at": NOW,
            "attachments": attach,
        }
        for i, attach in enumerate([["/tmp/a.md", "/tmp/b.html"], None, [], ["x"]])
    ]
    with UnitOfWork(factory) as uow:
        insert_rows(uow.session.connection(), OutboxMessage.__table__, messages)
        uow.commit()
    with UnitOfWork(factory) as uow:
        stored = uow.session.execute(
            select(
                OutboxMessage.dedupe_key,
                OutboxMessage.subject,
                OutboxMessage.body,
                OutboxMessage.attachments,
                OutboxMessage.sent_at,
            ).order_by(OutboxMessage.id)
        ).all()
    assert stored == [
        (m["dedupe_key"], m["subject"], "ä\nb", m["attachments"], None) for m in messages
    ]


def test_audit_rows_land_in_order_and_nothing_is_a_no_op(factory, rules):
    lead_id = _lead(factory, rules)
    audit = [
        {
            "lead_id": lead_id,
            "from_state": source,
            "to_state": dest,
            "trigger": trigger,
            "actor": "a",
            "reason": reason,
            "at": NOW,
        }
        for source, dest, trigger, reason in [
            ("new", "screened", "screen", "BANT 3/4"),
            ("screened", "nurturing", "start_nurturing", None),
            ("nurturing", "opportunity", "qualify", "intent stated"),
        ]
    ]
    with UnitOfWork(factory) as uow:
        insert_rows(uow.session.connection(), TransitionAudit.__table__, audit)
        insert_rows(uow.session.connection(), TransitionAudit.__table__, [])
        uow.commit()
    with UnitOfWork(factory) as uow:
        stored = uow.session.execute(
            select(TransitionAudit.to_state, TransitionAudit.reason).order_by(TransitionAudit.id)
        ).all()
    assert stored == [
        ("screened", "BANT 3/4"),
        ("nurturing", None),
        ("opportunity", "intent stated"),
    ]


def test_insert_leads_stores_what_the_orm_stores_with_ids_in_order(factory):
    """New leads' values inserted set-based land exactly as the same values added through
    the ORM: JSON, money, dates, UTC stamps, the columns' defaults, and NULL for what
    neither gives; the ids returned are the rows' own, in the order given."""
    values = {
        "source": "event",
        "company_name": "Ærø Ltd",
        "contact_name": "Zoë",
        "email": "zoe@aero.example",
        "need": "a CRM",
        "budget_min": Decimal("1000.50"),
        "budget_max": Decimal("250000"),
        "timeline": NOW.date(),
        "employees": 40,
        "tags": ["expo", "ä"],
        "created_at": NOW,
        "last_interaction_at": NOW,
        "email_key": "zoe@aero.example",
        "intent_stated": True,
    }
    columns = [
        c for c in Lead.__table__.columns if c.key not in ("id", "external_id", "updated_at")
    ]
    with UnitOfWork(factory) as uow:
        uow.session.add(Lead(**values, external_id="typed"))
        uow.session.flush()
        ids = insert_leads(
            uow.session, [{**values, "external_id": name} for name in ("early", "second", "third")]
        )
        uow.commit()
    with UnitOfWork(factory) as uow:
        typed, early, *_ = uow.session.execute(select(*columns).order_by(Lead.id)).all()
        stored = dict(uow.session.execute(select(Lead.id, Lead.external_id)).tuples().all())
    assert [stored[i] for i in ids] == ["early", "second", "third"]
    assert early == typed
    assert early.tags == ["expo", "ä"] and early.budget_min == Decimal("1000.50")
    assert early.created_at == NOW and early.state == "new" and early.explanation is None


def test_a_naive_time_is_refused_as_the_orm_refuses_it(factory, rules):
    """The set-based path bypasses the columns' own conversions on PostgreSQL, so it
    checks what UtcDateTime checks: only UTC-aware times are stored."""
    lead_id = _lead(factory, rules)
    naive = {
        "lead_id": lead_id,
        "from_state": "new",
        "to_state": "screened",
        "trigger": "screen",
        "actor": "a",
        "reason": None,
        "at": NOW.replace(tzinfo=None),
    }
    with UnitOfWork(factory) as uow, pytest.raises((ValueError, StatementError), match="naive"):
        insert_rows(uow.session.connection(), TransitionAudit.__table__, [naive])
    with UnitOfWork(factory) as uow:
        assert uow.session.scalars(select(TransitionAudit.id)).all() == []
