"""Storing leads: dedupe, merge with history, idempotency and quarantine."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from leadflow.intake.receive import store_leads
from leadflow.store.deal_models import Touch
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.uow import UnitOfWork
from tests import factories as f


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_same_person_two_channels_becomes_one_lead(uow, rules):
    first = f.lead_record(
        source="online_ads", email="Jo.Lee@Acme.com", phone="+1 (555) 010-2030", industry=None
    )
    second = f.lead_record(
        source="referral",
        email=" jo.lee@acme.com ",
        phone="555.010.2030",
        industry="retail",
        source_detail="referral - Beta Corp",
        company_name="ACME Inc.",
        contact_name="Jo Lee",
    )
    summary = store_leads(uow.session, [(1, first), (2, second)], "file.csv", rules)
    uow.commit()
    assert (summary.accepted, summary.duplicates) == (1, 1)
    lead = uow.session.get(Lead, summary.lead_ids[0])
    # Spec §1: "the channel through which a lead first arrived is its source, and it never
    # changes. Every later inquiry ... is kept as a touch"
    assert lead.source == "online_ads"
    assert lead.industry == "retail"  # the duplicate filled a blank
    touches = uow.session.scalars(select(Touch).where(Touch.lead_id == lead.id)).all()
    assert [(t.channel, t.detail) for t in touches] == [("referral", "referral - Beta Corp")]
    note = uow.session.scalar(
        select(FieldChange.new_value).where(
            FieldChange.lead_id == lead.id, FieldChange.field == "merged_duplicate"
        )
    )
    assert json.loads(note)["source"] == "referral" and json.loads(note)["row"] == 2
    changes = {
        (c.field, c.old_value, c.new_value)
        for c in uow.session.scalars(select(FieldChange).where(FieldChange.lead_id == lead.id))
    }
    assert not any(c[0] == "source" for c in changes)  # the first touch stays the source
    assert ("industry", None, "retail") in changes
    third = f.lead_record(
        source="trade_show", email="JO.LEE@ACME.COM ", phone="0015550102030", contact_name="jo  lee"
    )  # a third spelling, from a third channel
    assert store_leads(uow.session, [(1, third)], "later.csv", rules).duplicate_of == {1: lead.id}


def test_duplicate_of_a_stored_lead_is_merged_with_history(factory, rules):
    with UnitOfWork(factory) as uow:
        stored = store_leads(
            uow.session,
            [(1, f.lead_record(email="a@b.example", tags=["x"], region=None))],
            "one",
            rules,
        )
        uow.commit()
    with UnitOfWork(factory, actor="importer") as uow:
        again = store_leads(
            uow.session,
            [
                (
                    1,
                    f.lead_record(
                        email="A@B.EXAMPLE", region="west", tags=["y"], source="trade_show"
                    ),
                )
            ],
            "two",
            rules,
        )
        uow.commit()
        assert again.accepted == 0 and again.duplicate_of == {1: stored.lead_ids[0]}
        lead = uow.session.get(Lead, stored.lead_ids[0])
        assert (lead.region, lead.tags, lead.source) == ("west", ["x", "y"], "website_form")
        changes = {
            (c.field, c.old_value, c.new_value, c.actor)
            for c in uow.session.scalars(select(FieldChange).where(FieldChange.lead_id == lead.id))
        }
        assert ("region", None, "west", "importer") in changes
        assert not any(c[0] == "source" for c in changes)
        touch = uow.session.scalars(select(Touch).where(Touch.lead_id == lead.id)).one()
        assert (touch.channel, touch.outcome) == ("trade_show", "updated")
        assert _count(uow.session, Lead) == 1


def test_two_people_at_one_company_stay_two_leads(uow, rules):
    summary = store_leads(
        uow.session,
        [
            (1, f.lead_record(company_name="Acme", contact_name="Jo Lee")),
            (2, f.lead_record(company_name="Acme Ltd", contact_name="Sam Roe")),
        ],
        "file",
        rules,
    )
    assert summary.accepted == 2 and summary.duplicates == 0


def test_external_id_repeat_is_idempotent(uow, rules):
    rec = f.lead_record(external_id="form-42")
    one = store_leads(uow.session, [(1, rec)], "api", rules)
    two = store_leads(uow.session, [(1, dict(rec))], "api", rules)
    uow.commit()
    assert two.duplicate_of == {1: one.lead_ids[0]}
    assert _count(uow.session, Lead) == 1 and _count(uow.session, FieldChange) == 0


def test_rejects_are_quarantined_verbatim_with_field_errors(uow, rules):
    bad = {
        "source": "fax",
        "company_name": "X",
        "contact_name": "Y",
        "need": "Z",
        "email": None,
        "phone": None,
        "employees": "lots",
    }
    summary = store_leads(uow.session, [(7, bad), (8, f.lead_record())], "upload.csv", rules)
    uow.commit()
    assert summary.accepted == 1 and summary.rejected == 1
    rejection = summary.rejections[0]
    assert rejection["row"] == 7
    assert set(rejection["errors"]) == {"source", "employees"}
    kept = uow.session.get(QuarantinedRecord, rejection["quarantine_id"])
    assert json.loads(kept.payload) == bad and kept.origin == "upload.csv row 7"


def test_missing_contact_is_a_record_error(uow, rules):
    summary = store_leads(uow.session, [(1, f.lead_record(email=None, phone=None))], "x", rules)
    assert summary.rejections[0]["errors"] == {
        "(record)": "phone or email: at least one is required"
    }


def test_intake_merges_duplicates_that_slipped_past_store(uow, rules):
    from sqlalchemy import insert

    from leadflow.intake.process import process_new_leads

    first = store_leads(uow.session, [(1, f.lead_record(email="same@x.example"))], "a", rules)
    # A second sender's row written at the same moment, bypassing store-time dedupe.
    twin = uow.session.scalars(
        insert(Lead).returning(Lead.id),
        [
            {
                "source": "referral",
                "company_name": "Other",
                "contact_name": "Same Person",
                "need": "n",
                "email": "SAME@x.example",
                "email_key": "same@x.example",
                "region": "west",
            }
        ],
    ).one()
    result = process_new_leads(uow.session, [*first.lead_ids, twin], f.NOW, rules)
    uow.commit()
    dup = uow.session.get(Lead, twin)
    assert result.duplicates == 1
    assert (dup.state, dup.duplicate_of_id) == ("lost", first.lead_ids[0])
    assert uow.session.get(Lead, first.lead_ids[0]).source == "website_form"  # first touch


def test_each_returned_id_is_its_records_lead_after_the_newest_lead_was_deleted(factory, rules):
    """Ids are given to the rows after the first one's (SQLite: the largest id + 1), so they
    must still match their records when the newest lead is gone and ids are reused."""
    with UnitOfWork(factory, actor="test") as uow:
        before = store_leads(
            uow.session,
            list(enumerate([f.lead_record(external_id=f"old-{i}") for i in range(3)], 1)),
            "a.csv",
            rules,
        )
        uow.commit()
    with UnitOfWork(factory, actor="test") as uow:
        uow.session.execute(Lead.__table__.delete().where(Lead.id == before.lead_ids[-1]))
        records = [f.lead_record(external_id=f"new-{i}") for i in range(5)]
        summary = store_leads(uow.session, list(enumerate(records, 1)), "b.csv", rules)
        uow.commit()
        stored = dict(
            uow.session.execute(
                select(Lead.id, Lead.external_id).where(Lead.id.in_(summary.lead_ids))
            )
            .tuples()
            .all()
        )
    assert [stored[i] for i in summary.lead_ids] == [f"new-{i}" for i in range(5)]
    assert len(set(summary.lead_ids) | set(before.lead_ids[:-1])) == 7
