"""Rule book §2: where a lead stands with screening once a manager has reviewed (or not)
its disqualification: "A reinstatement is the manager's decision and overrides
screening" and "A lead lost as invalid ... has no grade and does not count as a valid
lead until a manager reinstates it, whatever its edited facts say"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.rules.facts import LeadFacts
from leadflow.rules.screening import screen
from leadflow.rules.standing import ReviewFacts, Standing, verdict

AT = dt.datetime(2024, 7, 1, 9, tzinfo=dt.UTC)
PASSES = {"budget_max": Decimal(200_000), "timeline": dt.date(2024, 8, 1)}
FAILS = {"need": "just want to learn about the product"}
LOST_INVALID = {"state": "lost", "loss_reason": "invalid"}
REINSTATED = {
    "state": "new",
    "invalid_review": "reinstated",
    "invalid_reviewed_by": "mia",
    "invalid_reviewed_at": AT,
}


def _verdict(rules, facts: dict, review: dict):
    bant = screen(LeadFacts(email="buyer@acme.com", **facts), rules)
    return verdict(bant, ReviewFacts(**review))


@pytest.mark.parametrize(
    "facts, review, expected",
    [
        (PASSES, {"state": "screened"}, (Standing.screening, True, True)),
        (FAILS, {"state": "new"}, (Standing.screening, False, False)),  # about to be lost
        (FAILS, {"state": "nurturing"}, (Standing.screening, False, True)),
        (FAILS, LOST_INVALID, (Standing.disqualified, False, False)),
        (PASSES, LOST_INVALID, (Standing.passes_now, False, False)),
        (PASSES, {**LOST_INVALID, "duplicate_of_id": 7}, (Standing.disqualified, False, False)),
        (FAILS, REINSTATED, (Standing.reinstated, True, True)),
        (FAILS, {**REINSTATED, "state": "nurturing"}, (Standing.reinstated, True, True)),
        (
            FAILS,
            {**REINSTATED, "state": "lost", "loss_reason": "price"},
            (Standing.reinstated, True, True),
        ),
        # lost as invalid again after the reinstatement: the decision is no longer in force
        (FAILS, {**REINSTATED, **LOST_INVALID}, (Standing.disqualified, False, False)),
    ],
)
def test_standing(rules, facts, review, expected):
    result = _verdict(rules, facts, review)
    assert (result.standing, result.valid, result.graded) == expected


def test_the_notes_say_what_screening_says_and_who_decided(rules):
    reinstated = _verdict(rules, FAILS, REINSTATED).note
    assert reinstated == (
        "screening would fail: BANT 0/4 < 2: failed budget, authority, need (vague), timeline "
        "— reinstated by mia on 2024-07-01"
    )
    assert _verdict(rules, PASSES, REINSTATED).note == "reinstated by mia on 2024-07-01"
    assert _verdict(rules, PASSES, LOST_INVALID).note == "passes screening now"
    assert _verdict(rules, FAILS, LOST_INVALID).note is None
