"""store.bulk.insert_rows on SQLite and PostgreSQL (where the rows go in as one INSERT from
arrays): every row lands, in the order given, with its JSON and NULLs."""

from __future__ import annotations

from sqlalchemy import select

from leadflow.services.intake import store_leads
from leadflow.store.bulk import insert_rows
from leadflow.store.models import TransitionAudit
from leadflow.store.outbound_models import OutboxMessage
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
    messages = [{"dedupe_key": f"k{i}", "kind": "assignment", "lead_id": lead_id,
                 "recipient": "rep@example.com", "subject": f"lead {i}", "body": "ä\nb",
                 "created_at": NOW, "attachments": attach}
                for i, attach in enumerate([["/tmp/a.md", "/tmp/b.html"], None, [], ["x"]])]
    with UnitOfWork(factory) as uow:
        insert_rows(uow.session.connection(), OutboxMessage.__table__, messages)
        uow.commit()
    with UnitOfWork(factory) as uow:
        stored = uow.session.execute(select(
            OutboxMessage.dedupe_key, OutboxMessage.subject, OutboxMessage.body,
            OutboxMessage.attachments, OutboxMessage.sent_at).order_by(OutboxMessage.id)).all()
    assert stored == [(m["dedupe_key"], m["subject"], "ä\nb", m["attachments"], None)
                      for m in messages]


def test_audit_rows_land_in_order_and_nothing_is_a_no_op(factory, rules):
    lead_id = _lead(factory, rules)
    audit = [{"lead_id": lead_id, "from_state": source, "to_state": dest, "trigger": trigger,
              "actor": "a", "reason": reason, "at": NOW}
             for source, dest, trigger, reason in [
                 ("new", "screened", "screen", "BANT 3/4"),
                 ("screened", "nurturing", "start_nurturing", None),
                 ("nurturing", "opportunity", "qualify", "intent stated")]]
    with UnitOfWork(factory) as uow:
        insert_rows(uow.session.connection(), TransitionAudit.__table__, audit)
        insert_rows(uow.session.connection(), TransitionAudit.__table__, [])
        uow.commit()
    with UnitOfWork(factory) as uow:
        stored = uow.session.execute(select(TransitionAudit.to_state, TransitionAudit.reason)
                                     .order_by(TransitionAudit.id)).all()
    assert stored == [("screened", "BANT 3/4"), ("nurturing", None),
                      ("opportunity", "intent stated")]
