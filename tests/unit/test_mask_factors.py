"""Issue 30: "For a system key, `GET /leads/{id}` masks `budget_confirmed`, but the
win-model factors in the same answer say 'confirmed budget 1,200,000'." The one masking
function hides the amount a factor quotes, and keeps how far it moved the odds."""

from __future__ import annotations

from leadflow.lifecycle.operations import mask_story
from leadflow.rules.access import mask, mask_factors
from leadflow.winmodel.explain import win_line

FACTORS = [
    {"factor": "confirmed budget 1,200,000", "points": 12.0, "feature": "budget_confirmed"},
    {"factor": "budget band 300k-1M", "points": 4.0, "feature": "budget_band"},
    {"factor": "source referral", "points": 8.0, "feature": "source"},
]


def test_factors_read_from_a_budget_are_named_but_not_valued():
    hidden = mask_factors(FACTORS)
    assert [f["factor"] for f in hidden] == [
        "confirmed budget (hidden)",
        "budget band (hidden)",
        "source referral",
    ]
    assert [f["points"] for f in hidden] == [12.0, 4.0, 8.0]
    assert FACTORS[0]["factor"] == "confirmed budget 1,200,000"  # the input is not changed


def test_factors_stored_before_they_carried_their_feature_are_hidden_too():
    old = [{k: v for k, v in f.items() if k != "feature"} for f in FACTORS]
    assert [f["factor"] for f in mask_factors(old)][:2] == [
        "confirmed budget (hidden)",
        "budget band (hidden)",
    ]


def test_a_lead_story_for_an_outsider_never_quotes_the_budget():
    story = {
        "id": 1,
        "budget_confirmed": 1_200_000,
        "budget_max": 1_500_000,
        "history": [],
        "win": {"probability": 0.7, "model_id": 3, "factors": FACTORS},
    }
    for shown in (mask(story), mask_story(story)):
        assert "1,200,000" not in str(shown) and "300k-1M" not in str(shown)
        assert "1200000" not in str(shown)
        assert "confirmed budget (hidden) +12 pts" in win_line(shown["win"])
    assert mask(story, names=["budget_max"])["win"]["factors"] == FACTORS  # a field list only
