"""A merge never breaks a pair of facts (issue 28): a repeat's budget_min above the kept
budget_max keeps the older budget and records the conflict, on SQLite and PostgreSQL,
whether the repeat comes in a later batch or in the same one."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from leadflow.intake.receive import store_leads
from leadflow.lifecycle.update import update_lead
from leadflow.store.models import FieldChange, Lead
from tests import factories as f
from tests.integration.test_operations import NOW


def _conflicts(uow, lead_id: int) -> list[str]:
    return list(
        uow.session.scalars(
            select(FieldChange.new_value).where(
                FieldChange.lead_id == lead_id, FieldChange.field == "merge_conflict"
            )
        )
    )


def test_a_repeat_that_would_put_the_budget_out_of_order_keeps_the_older_one(uow, rules):
    """docs/rules.md, Merging a repeat: "a later fact that would put a pair out of order
    (a minimum budget above the kept maximum) is not taken: the older pair is kept and the
    conflict is recorded in the lead's history"."""
    first = f.lead_record(budget_min=100_000, budget_max=300_000)
    lead_id = store_leads(uow.session, [(1, first)], "test", rules, now=NOW).lead_ids[0]
    repeat = {**first, "budget_min": 500_000, "budget_max": None, "need": "CRM for 90 reps"}
    repeat = {k: v for k, v in repeat.items() if v is not None}
    summary = store_leads(uow.session, [(1, repeat)], "test", rules, now=NOW)
    assert summary.duplicate_of == {1: lead_id}
    lead = uow.session.get(Lead, lead_id)
    assert (lead.budget_min, lead.budget_max) == (Decimal(100_000), Decimal(300_000))
    assert lead.need == "CRM for 90 reps"  # the rest of the repeat is taken
    [conflict] = _conflicts(uow, lead_id)
    assert "budget_min 500000 not taken" in conflict and "kept budget_min 100000" in conflict
    # and the lead stays editable (a broken pair made every later edit a 422)
    edited = update_lead(uow.session, lead_id, {"industry": "logistics"}, now=NOW, rules=rules)
    assert edited.industry == "logistics"


def test_a_repeat_in_the_same_batch_is_held_to_the_same_order(uow, rules):
    first = f.lead_record(budget_min=100_000, budget_max=300_000)
    repeat = {k: v for k, v in {**first, "budget_max": None, "budget_min": 900_000}.items() if v}
    summary = store_leads(uow.session, [(1, first), (2, repeat)], "test", rules, now=NOW)
    [lead_id] = summary.lead_ids
    lead = uow.session.get(Lead, lead_id)
    assert (lead.budget_min, lead.budget_max) == (Decimal(100_000), Decimal(300_000))
    assert len(_conflicts(uow, lead_id)) == 1


def test_a_consistent_later_budget_is_taken_whole(uow, rules):
    first = f.lead_record(budget_min=100_000, budget_max=300_000)
    lead_id = store_leads(uow.session, [(1, first)], "test", rules, now=NOW).lead_ids[0]
    store_leads(
        uow.session,
        [(1, {**first, "budget_min": 500_000, "budget_max": 800_000})],
        "test",
        rules,
        now=NOW,
    )
    lead = uow.session.get(Lead, lead_id)
    assert (lead.budget_min, lead.budget_max) == (Decimal(500_000), Decimal(800_000))
    assert _conflicts(uow, lead_id) == []
