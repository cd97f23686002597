"""Spec §4: behaviour and attribute points, caps, budget match, priority, nurture, decay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.scoring import (
    budget_match,
    decayed_counts,
    nurture_stage_for,
    priority_for,
    score,
)
from leadflow.rules.vocab import BudgetMatch, CompanySize, ContactRole, Priority

NONE = BehaviourCounts()
NOW = dt.datetime(2024, 7, 1, 12, 0, tzinfo=dt.UTC)


# --- behaviour ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, points",
    [
        ("page_visit", 5),
        ("download", 10),
        ("webinar", 15),
        ("reply", 10),
    ],
)
def test_behaviour_points_per_event(rules, kind, points):
    one = score(LeadFacts(), BehaviourCounts(**{kind: 1}), rules)
    two = score(LeadFacts(), BehaviourCounts(**{kind: 2}), rules)
    assert one.behaviour == points
    assert one.points[f"behaviour.{kind}"] == points
    assert two.behaviour == 2 * points


def test_behaviour_points_add_up(rules):
    counts = BehaviourCounts(page_visit=1, download=1, webinar=1, reply=1)
    assert score(LeadFacts(), counts, rules).behaviour == 40  # 5 + 10 + 15 + 10
    counts = BehaviourCounts(page_visit=2, webinar=1)
    assert score(LeadFacts(), counts, rules).behaviour == 25


@pytest.mark.parametrize(
    "counts, expected",
    [
        (BehaviourCounts(page_visit=7), 35),
        (BehaviourCounts(page_visit=8), 40),
        (BehaviourCounts(page_visit=9), 40),
        (BehaviourCounts(webinar=3), 40),
        (BehaviourCounts(webinar=2, download=5, reply=5, page_visit=20), 40),
    ],
)
def test_behaviour_capped_at_40(rules, counts, expected):
    assert score(LeadFacts(), counts, rules).behaviour == expected


# --- attributes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size, points",
    [
        (CompanySize.large, 20),
        (CompanySize.medium, 15),
        (CompanySize.small, 10),
    ],
)
def test_company_size_points(rules, size, points):
    result = score(LeadFacts(company_size=size), NONE, rules)
    assert result.points["attribute.company_size"] == points
    assert result.attribute == points


@pytest.mark.parametrize(
    "role, points",
    [
        (ContactRole.decision_maker, 30),
        (ContactRole.influencer, 20),
        (ContactRole.user, 10),
    ],
)
def test_contact_role_points(rules, role, points):
    result = score(LeadFacts(contact_role=role), NONE, rules)
    assert result.points["attribute.contact_role"] == points
    assert result.attribute == points


@pytest.mark.parametrize(
    "match, points",
    [
        (BudgetMatch.full, 20),
        (BudgetMatch.partial, 10),
        (BudgetMatch.none, 0),
    ],
)
def test_stated_budget_match_points(rules, match, points):
    result = score(LeadFacts(budget_match=match), NONE, rules)
    assert result.budget_match is match
    assert result.points["attribute.budget_match"] == points
    assert result.attribute == points


@pytest.mark.parametrize(
    "budget_max, expected",
    [
        (None, BudgetMatch.none),
        (Decimal("0"), BudgetMatch.none),
        (Decimal("49999"), BudgetMatch.none),
        (Decimal("49999.99"), BudgetMatch.none),
        (Decimal("50000"), BudgetMatch.partial),  # half of the 100,000 minimum deal size
        (Decimal("99999"), BudgetMatch.partial),
        (Decimal("100000"), BudgetMatch.full),
        (Decimal("2500000"), BudgetMatch.full),
    ],
)
def test_budget_match_derived_from_budget_max(rules, budget_max, expected):
    assert rules.scoring.min_deal_size == 100000
    assert budget_match(LeadFacts(budget_max=budget_max), rules) is expected
    points = {BudgetMatch.full: 20, BudgetMatch.partial: 10, BudgetMatch.none: 0}[expected]
    assert score(LeadFacts(budget_max=budget_max), NONE, rules).attribute == points


def test_budget_min_alone_derives_a_match_as_at_least_that(rules):
    """Issue 28: "100万以上" (a minimum, no maximum) earned 0 budget points."""
    assert budget_match(LeadFacts(budget_min=Decimal("500000")), rules) is BudgetMatch.full
    assert budget_match(LeadFacts(budget_min=Decimal("10")), rules) is BudgetMatch.none


def test_stated_budget_match_wins_over_derived(rules):
    facts = LeadFacts(budget_max=Decimal("10"), budget_match=BudgetMatch.full)
    assert budget_match(facts, rules) is BudgetMatch.full
    facts = LeadFacts(budget_max=Decimal("5000000"), budget_match=BudgetMatch.none)
    assert budget_match(facts, rules) is BudgetMatch.none


@pytest.mark.parametrize(
    "size, role, match, expected",
    [
        (CompanySize.small, ContactRole.user, BudgetMatch.none, 20),
        (CompanySize.medium, ContactRole.influencer, BudgetMatch.partial, 45),
        (CompanySize.small, ContactRole.decision_maker, BudgetMatch.full, 60),
        (CompanySize.medium, ContactRole.decision_maker, BudgetMatch.full, 60),  # 65 capped
        (CompanySize.large, ContactRole.decision_maker, BudgetMatch.full, 60),  # 70 capped
        (CompanySize.large, ContactRole.influencer, BudgetMatch.full, 60),
        (CompanySize.large, ContactRole.influencer, BudgetMatch.partial, 50),
    ],
)
def test_attribute_sum_and_cap_60(rules, size, role, match, expected):
    facts = LeadFacts(company_size=size, contact_role=role, budget_match=match)
    assert score(facts, NONE, rules).attribute == expected


def test_total_is_behaviour_plus_attribute_max_100(rules):
    facts = LeadFacts(company_size="large", contact_role="decision_maker", budget_match="full")
    result = score(facts, BehaviourCounts(webinar=5, download=5), rules)
    assert (result.behaviour, result.attribute, result.total) == (40, 60, 100)
    assert result.priority is Priority.high
    assert result.nurture_stage == "consideration"


# --- priority and nurture stage ----------------------------------------------------------


@pytest.mark.parametrize(
    "total, expected",
    [
        (0, Priority.low),
        (49, Priority.low),
        (50, Priority.medium),
        (79, Priority.medium),
        (80, Priority.high),
        (100, Priority.high),
    ],
)
def test_priority_bounds(rules, total, expected):
    assert priority_for(total, rules) is expected


def test_priority_from_a_real_score(rules):
    # medium company 15 + influencer 20 + partial 10 = 45; + 1 visit = 50 -> medium
    facts = LeadFacts(company_size="medium", contact_role="influencer", budget_match="partial")
    assert score(facts, NONE, rules).priority is Priority.low
    assert score(facts, BehaviourCounts(page_visit=1), rules).total == 50
    assert score(facts, BehaviourCounts(page_visit=1), rules).priority is Priority.medium


@pytest.mark.parametrize(
    "total, stage, cadence, channels",
    [
        (0, "awareness", 30, ["email"]),
        (39, "awareness", 30, ["email"]),
        (40, "interest", 14, ["email", "phone"]),
        (69, "interest", 14, ["email", "phone"]),
        (70, "consideration", 7, ["phone", "visit"]),
        (100, "consideration", 7, ["phone", "visit"]),
    ],
)
def test_nurture_stage_and_cadence(rules, total, stage, cadence, channels):
    chosen = nurture_stage_for(total, rules)
    assert chosen.name == stage
    assert chosen.cadence_days == cadence
    assert chosen.channels == channels


def test_nurture_stage_content(rules):
    assert nurture_stage_for(0, rules).content == ["product introduction", "industry trend report"]
    assert nurture_stage_for(40, rules).content == ["success cases", "testimonials", "free trial"]
    assert nurture_stage_for(70, rules).content == [
        "tailored proposal",
        "meeting or visit invitation",
    ]


# --- decay -------------------------------------------------------------------------------


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def with_decay(rules, enabled=True, half_life=90):
    decay = rules.scoring.decay.model_copy(update={"enabled": enabled, "half_life_days": half_life})
    return rules.model_copy(update={"scoring": rules.scoring.model_copy(update={"decay": decay})})


def test_decay_off_by_default(rules):
    assert rules.scoring.decay.enabled is False
    events = [("webinar", ago(0)), ("webinar", ago(365)), ("page_visit", ago(1000))]
    counts = decayed_counts(events, NOW, rules)
    assert counts == BehaviourCounts(webinar=2, page_visit=1)


@pytest.mark.parametrize(
    "age, weight",
    [
        (0, 1.0),
        (90, 0.5),
        (180, 0.25),
        (270, 0.125),
        (45, 2**-0.5),
    ],
)
def test_decay_halves_per_half_life(rules, age, weight):
    counts = decayed_counts([("download", ago(age))], NOW, with_decay(rules))
    assert counts.download == pytest.approx(weight)


def test_decay_respects_configured_half_life(rules):
    counts = decayed_counts([("reply", ago(30))], NOW, with_decay(rules, half_life=30))
    assert counts.reply == pytest.approx(0.5)


def test_future_events_do_not_gain_weight(rules):
    counts = decayed_counts([("webinar", NOW + dt.timedelta(days=10))], NOW, with_decay(rules))
    assert counts.webinar == pytest.approx(1.0)


def test_decayed_counts_feed_the_score(rules):
    decaying = with_decay(rules)
    events = [("webinar", ago(90)), ("webinar", ago(90)), ("download", ago(0))]
    counts = decayed_counts(events, NOW, decaying)
    # 2 x 0.5 webinars x 15 + 1 download x 10 = 25
    assert score(LeadFacts(), counts, decaying).behaviour == 25
