"""Spec §3: BANT screening, the 2-of-4 rule and the unverifiable-contact veto."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.rules.facts import LeadFacts
from leadflow.rules.screening import screen
from leadflow.rules.vocab import BudgetMatch, ContactRole

GOOD_CONTACT = {"email": "buyer@acme.com"}
TODAY = dt.date(2024, 7, 1)


def facts(**kw) -> LeadFacts:
    return LeadFacts(**{**GOOD_CONTACT, **kw})


# --- each test on its own ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({"budget_min": Decimal("50000")}, True),
        ({"budget_max": Decimal("200000")}, True),
        ({"budget_min": Decimal("0")}, True),  # a stated budget of 0 is still a known budget
        ({"budget_match": BudgetMatch.full}, True),
        ({"budget_match": BudgetMatch.partial}, True),
        ({"budget_match": BudgetMatch.none}, False),
        ({}, False),
    ],
)
def test_budget_known(rules, kw, expected):
    assert screen(facts(**kw), rules).budget is expected


@pytest.mark.parametrize(
    "role, expected",
    [
        (ContactRole.decision_maker, True),
        (ContactRole.influencer, True),
        (ContactRole.user, False),
        (None, False),
    ],
)
def test_authority(rules, role, expected):
    assert screen(facts(contact_role=role), rules).authority is expected


@pytest.mark.parametrize(
    "need, expected",
    [
        ("replace our CRM", True),
        ("", False),
        ("   ", False),
        (None, False),
    ],
)
def test_need_present(rules, need, expected):
    assert screen(facts(need=need, industry="anything"), rules).need is expected


@pytest.mark.parametrize("industry", ["manufacturing", "retail", None])
def test_need_is_judged_on_its_words_not_the_industry(rules, industry):
    """docs/rules.md §3: "The industry is no longer part of the need test: a need is judged
    on its words alone" (the target profile decides the industry)."""
    profile = rules.screening.target_profile.model_copy(
        update={"industries": ["manufacturing", "logistics"]}
    )
    targeted = rules.model_copy(
        update={"screening": rules.screening.model_copy(update={"target_profile": profile})}
    )
    assert screen(facts(need="automation", industry=industry), targeted).need is True


@pytest.mark.parametrize("timeline, expected", [(TODAY, True), (None, False)])
def test_timeline(rules, timeline, expected):
    assert screen(facts(timeline=timeline), rules).timeline is expected


# --- the 2-of-4 rule ---------------------------------------------------------------------

ALL_FOUR = {
    "budget": {"budget_max": Decimal("150000")},
    "authority": {"contact_role": ContactRole.decision_maker},
    "need": {"need": "a CRM for 40 sales reps"},
    "timeline": {"timeline": TODAY},
}


@pytest.mark.parametrize(
    "held",
    [
        (),
        ("budget",),
        ("authority",),
        ("need",),
        ("timeline",),
    ],
)
def test_fewer_than_two_tests_is_invalid_and_names_failures(rules, held):
    kw = {k: v for name in held for k, v in ALL_FOUR[name].items()}
    result = screen(facts(**kw), rules)
    assert result.passed == len(held)
    assert result.valid is False
    assert f"BANT {len(held)}/4 < 2" in result.reason
    for name in ALL_FOUR:
        assert (name in result.reason.split("failed ")[1]) is (name not in held)


@pytest.mark.parametrize(
    "held",
    [
        ("budget", "authority"),
        ("budget", "need"),
        ("budget", "timeline"),
        ("authority", "need"),
        ("authority", "timeline"),
        ("need", "timeline"),
        ("budget", "authority", "need"),
        ("budget", "authority", "need", "timeline"),
    ],
)
def test_two_or_more_tests_is_valid(rules, held):
    kw = {k: v for name in held for k, v in ALL_FOUR[name].items()}
    result = screen(facts(**kw), rules)
    assert result.passed == len(held)
    assert result.valid is True
    assert result.reason is None


def test_min_passed_is_configurable(rules):
    strict = rules.model_copy(
        update={"screening": rules.screening.model_copy(update={"min_passed": 3})}
    )
    kw = {**ALL_FOUR["budget"], **ALL_FOUR["need"]}
    assert screen(facts(**kw), rules).valid is True
    assert screen(facts(**kw), strict).valid is False


# --- unverifiable contact ----------------------------------------------------------------


def all_four() -> dict:
    return {k: v for part in ALL_FOUR.values() for k, v in part.items()}


def test_unverifiable_contact_is_invalid_whatever_else(rules):
    result = screen(LeadFacts(phone="12-34", email="not-an-email", **all_four()), rules)
    assert result.passed == 4
    assert result.contact_verifiable is False
    assert result.valid is False
    assert "contact cannot be verified" in result.reason
    assert "BANT" not in result.reason


def test_no_contact_at_all_is_unverifiable(rules):
    result = screen(LeadFacts(**all_four()), rules)
    assert result.contact_verifiable is False
    assert result.valid is False


@pytest.mark.parametrize(
    "phone, email",
    [
        ("+1 (555) 123-4567", "not-an-email"),
        ("12", "buyer@acme.com"),
        (None, "buyer@acme.com"),
        ("555.123.4567", None),
    ],
)
def test_one_well_formed_channel_is_enough(rules, phone, email):
    result = screen(LeadFacts(phone=phone, email=email, **all_four()), rules)
    assert result.contact_verifiable is True
    assert result.valid is True


def test_unverifiable_and_too_few_tests_gives_both_reasons(rules):
    result = screen(LeadFacts(phone="x", email="y"), rules)
    assert result.valid is False
    assert "contact cannot be verified" in result.reason
    assert "BANT 0/4 < 2: failed budget, authority, need (vague), timeline" in result.reason
