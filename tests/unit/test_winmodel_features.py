"""The win model's features: only facts known before the outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leadflow.winmodel.features import (
    LEAD_COLUMNS,
    POST_OUTCOME,
    Counts,
    budget_band,
    feature_values,
)

CUTOFF = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
BANDS = [50_000, 100_000, 300_000, 1_000_000]


def _lead(**extra):
    return {"id": 1, "source": "referral", "industry": "retail", "company_size": "large",
            "region": "east", "contact_role": "decision_maker", "budget_max": Decimal(250_000),
            "timeline": dt.date(2026, 9, 1), "grade": "A", "opportunity_grade": "B",
            "priority": "high", "behaviour_score": 10, "attribute_score": 60, "score": 70,
            "assigned_at": CUTOFF - dt.timedelta(days=3),
            "first_contacted_at": CUTOFF - dt.timedelta(days=2, hours=20),
            "intent_stated": True, "decision_maker_engaged": False,
            "budget_confirmed": Decimal(300_000), **extra}


def test_no_post_outcome_column_is_read():
    """Issue 21: "Features are only those known before the outcome"."""
    assert not set(LEAD_COLUMNS) & POST_OUTCOME


def test_post_outcome_facts_do_not_change_the_features():
    """Contract terms, loss reason, close stamps and state written at the outcome leave the
    features as they were."""
    before = feature_values(_lead(), Counts(2, {"price": 1}), CUTOFF, BANDS)
    after = feature_values(_lead(state="won", won_at=CUTOFF, contract_value=Decimal(9e6),
                                 payment_terms="net 30", loss_reason="price", dormant=True),
                           Counts(2, {"price": 1}), CUTOFF, BANDS)
    assert before == after


def test_a_first_contact_after_the_outcome_does_not_count():
    cats, nums = feature_values(_lead(first_contacted_at=CUTOFF + dt.timedelta(hours=1)),
                                Counts(), CUTOFF, BANDS)
    assert nums["not_contacted"] == 1.0 and nums["hours_to_first_contact"] == 0.0
    assert cats["source"] == "referral" and cats["budget_band"] == "100000-300000"


def test_budget_bands():
    assert budget_band(None, BANDS) == "none"
    assert budget_band(10, BANDS) == "<50000"
    assert budget_band(1_000_000, BANDS) == ">=1000000"
