"""The win model's features: only facts known before the outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from leadflow.winmodel.features import (
    COUNTED,
    LEAD_COLUMNS,
    POST_OUTCOME,
    Counts,
    budget_band,
    feature_columns,
    feature_values,
    micros,
)

CUTOFF = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
BANDS = [50_000, 100_000, 300_000, 1_000_000]


def _lead(**extra):
    return {
        "id": 1,
        "source": "referral",
        "industry": "retail",
        "company_size": "large",
        "region": "east",
        "contact_role": "decision_maker",
        "budget_max": Decimal(250_000),
        "timeline": dt.date(2026, 9, 1),
        "grade": "A",
        "opportunity_grade": "B",
        "priority": "high",
        "owner_id": 3,
        "assigned_at": CUTOFF - dt.timedelta(days=3),
        "first_contacted_at": CUTOFF - dt.timedelta(days=2, hours=20),
        "intent_stated": True,
        "decision_maker_engaged": False,
        "budget_confirmed": Decimal(300_000),
        **extra,
    }


def test_no_post_outcome_column_is_read():
    """Issue 21: "Features are only those known before the outcome"."""
    assert not set(LEAD_COLUMNS) & POST_OUTCOME


def test_post_outcome_facts_do_not_change_the_features():
    """Contract terms, loss reason, close stamps and state written at the outcome leave the
    features as they were."""
    before = feature_values(_lead(), Counts(2, {"price": 1}), CUTOFF, BANDS)
    after = feature_values(
        _lead(
            state="won",
            won_at=CUTOFF,
            contract_value=Decimal(9e6),
            payment_terms="net 30",
            loss_reason="price",
            dormant=True,
        ),
        Counts(2, {"price": 1}),
        CUTOFF,
        BANDS,
    )
    assert before == after


def test_a_first_contact_after_the_outcome_does_not_count():
    cats, nums = feature_values(
        _lead(first_contacted_at=CUTOFF + dt.timedelta(hours=1)), Counts(), CUTOFF, BANDS
    )
    assert nums["not_contacted"] == 1.0 and nums["hours_to_first_contact"] == 0.0
    assert cats["source"] == "referral" and cats["budget_band"] == "100000-300000"


def test_budget_bands():
    assert budget_band(None, BANDS) == "none"
    assert budget_band(10, BANDS) == "<50000"
    assert budget_band(1_000_000, BANDS) == ">=1000000"


def test_many_leads_at_once_are_each_as_alone():
    """Features are built a chunk of leads at a time: each lead's row is what it gets alone,
    whatever its neighbours (nothing missing, unknown values, a later first contact)."""
    leads = [
        _lead(),
        _lead(
            source=None,
            budget_max=None,
            budget_confirmed=None,
            intent_stated=None,
            timeline=None,
            assigned_at=None,
        ),
        _lead(
            industry="energy",
            budget_max=Decimal(10),
            first_contacted_at=CUTOFF + dt.timedelta(hours=1),
        ),
        _lead(source="trade_show", budget_max=Decimal(5_000_000)),
    ]
    counts = [Counts(2, {"price": 1}), Counts(), Counts(0, {"terms": 3}), Counts(7)]
    cutoffs = [CUTOFF, CUTOFF - dt.timedelta(days=1), CUTOFF, CUTOFF + dt.timedelta(days=9)]
    counted = {
        name: np.array(
            [
                c.contacts
                if name == "contacts"
                else c.objections.get(name.removeprefix("objections_"), 0)
                for c in counts
            ]
        )
        for name in COUNTED
    }
    cats, nums = feature_columns(
        {k: [lead[k] for lead in leads] for k in leads[0]}, counted, micros(cutoffs)[0], BANDS
    )
    for row, (lead, count, cutoff) in enumerate(zip(leads, counts, cutoffs, strict=True)):
        alone_cats, alone_nums = feature_values(lead, count, cutoff, BANDS)
        assert {k: f.labels[f.codes[row]] for k, f in cats.items()} == alone_cats
        assert {k: float(v[row]) for k, v in nums.items()} == alone_nums
