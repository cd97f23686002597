"""Spec §5 lead grade, §6 conversion criteria and §7 opportunity grading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.rules.facts import ConversionFacts, LeadFacts, OpportunityFacts
from leadflow.rules.grading import conversion, lead_grade, opportunity_grade, urgency_for
from leadflow.rules.scoring import budget_match
from leadflow.rules.screening import screen
from leadflow.rules.vocab import Grade, Urgency

TODAY = dt.date(2024, 7, 1)


def grade_of(rules, **kw) -> Grade:
    facts = LeadFacts(email="buyer@acme.com", **kw)
    return lead_grade(facts, screen(facts, rules), budget_match(facts, rules), TODAY, rules).grade


# --- lead grade --------------------------------------------------------------------------

A_LEAD = {
    "need": "replace the ERP of 3 plants",
    "budget_max": Decimal("250000"),
    "contact_role": "decision_maker",
    "timeline": TODAY + dt.timedelta(days=45),
}


def test_grade_a_clear_need_budget_power_close_soon(rules):
    facts = LeadFacts(email="buyer@acme.com", **A_LEAD)
    result = lead_grade(facts, screen(facts, rules), budget_match(facts, rules), TODAY, rules)
    assert result.grade is Grade.A
    assert result.reasons == [
        "need clear",
        "budget match full",
        "decision power",
        "close within 60 days",
    ]


@pytest.mark.parametrize(
    "days, expected", [(-1, Grade.B), (0, Grade.A), (30, Grade.A), (60, Grade.A), (61, Grade.B)]
)
def test_grade_a_needs_close_within_two_months(rules, days, expected):
    kw = {**A_LEAD, "timeline": TODAY + dt.timedelta(days=days)}
    assert grade_of(rules, **kw) is expected


@pytest.mark.parametrize(
    "change",
    [
        {"budget_max": Decimal("60000")},  # only partial budget match
        {"budget_max": None, "budget_min": Decimal("60000")},  # at least 60k: partial
        {"contact_role": "influencer"},  # decision chain to develop
        {"contact_role": "user"},
        {"timeline": None},
    ],
)
def test_grade_b_when_one_a_condition_missing(rules, change):
    assert grade_of(rules, **{**A_LEAD, **change}) is Grade.B


def test_grade_b_reason_names_what_is_missing(rules):
    facts = LeadFacts(email="buyer@acme.com", **{**A_LEAD, "contact_role": "influencer"})
    result = lead_grade(facts, screen(facts, rules), budget_match(facts, rules), TODAY, rules)
    assert result.reasons == ["not A: decision power"]


@pytest.mark.parametrize(
    "kw",
    [
        {
            "need": None,
            "budget_max": Decimal("500000"),
            "contact_role": "decision_maker",
            "timeline": TODAY,
        },  # vague need
        {"need": "   ", "contact_role": "decision_maker"},
        {"need": "something", "contact_role": "decision_maker"},  # no budget, no timeline
        {},
    ],
)
def test_grade_c_vague_need_or_no_budget_no_timeline(rules, kw):
    assert grade_of(rules, **kw) is Grade.C


def test_grades_move_both_ways(rules):
    assert grade_of(rules, **A_LEAD) is Grade.A
    cut = {**A_LEAD, "budget_max": Decimal("20000")}  # budget cut: A -> B
    assert grade_of(rules, **cut) is Grade.B
    vague = {"need": "maybe someday", "contact_role": "user"}
    assert grade_of(rules, **vague) is Grade.C
    grown = {**vague, "timeline": TODAY + dt.timedelta(days=200)}  # intent grows: C -> B
    assert grade_of(rules, **grown) is Grade.B


# --- conversion criteria -----------------------------------------------------------------

CRITERIA = {
    "intent_stated": {"intent_stated": True},
    "budget_confirmed": {"budget_confirmed": Decimal("100000")},
    "decision_maker_engaged": {"decision_maker_engaged": True},
    "target_date": {"target_date": TODAY},
}


@pytest.mark.parametrize("held", [(), *[(name,) for name in CRITERIA]])
def test_fewer_than_two_criteria_do_not_qualify(rules, held):
    kw = {k: v for name in held for k, v in CRITERIA[name].items()}
    result = conversion(ConversionFacts(**kw), rules)
    assert result.met == len(held)
    assert result.qualifies is False


@pytest.mark.parametrize(
    "held",
    [
        ("intent_stated", "budget_confirmed"),
        ("intent_stated", "decision_maker_engaged"),
        ("intent_stated", "target_date"),
        ("budget_confirmed", "decision_maker_engaged"),
        ("budget_confirmed", "target_date"),
        ("decision_maker_engaged", "target_date"),
        tuple(CRITERIA),
    ],
)
def test_two_or_more_criteria_qualify(rules, held):
    kw = {k: v for name in held for k, v in CRITERIA[name].items()}
    result = conversion(ConversionFacts(**kw), rules)
    assert result.met == len(held)
    assert result.qualifies is True
    for name in CRITERIA:
        assert getattr(result, name) is (name in held)


@pytest.mark.parametrize(
    "amount, counts",
    [
        (Decimal("99999.99"), False),
        (Decimal("100000"), True),
        (Decimal("750000"), True),
    ],
)
def test_budget_confirmed_at_or_above_min_deal_size(rules, amount, counts):
    result = conversion(ConversionFacts(budget_confirmed=amount, intent_stated=True), rules)
    assert result.budget_confirmed is counts
    assert result.qualifies is counts


# --- opportunity grading -----------------------------------------------------------------


def opp(urgency="normal", budget="500000", competition="parity", chain="medium"):
    return OpportunityFacts(
        urgency=urgency, budget=Decimal(budget), competition=competition, decision_chain=chain
    )


@pytest.mark.parametrize("urgency, points", [("immediate", 3), ("urgent", 2), ("normal", 1)])
def test_urgency_points(rules, urgency, points):
    assert opportunity_grade(opp(urgency=urgency), rules).breakdown["urgency"] == points


@pytest.mark.parametrize(
    "budget, band, points",
    [
        ("0", "low", 5),
        ("299999", "low", 5),
        ("299999.99", "low", 5),
        ("300000", "medium", 15),
        ("999999", "medium", 15),
        ("1000000", "high", 25),
        ("8000000", "high", 25),
    ],
)
def test_budget_bands_and_points(rules, budget, band, points):
    result = opportunity_grade(opp(budget=budget), rules)
    assert result.budget_band == band
    assert result.breakdown["budget"] == points


@pytest.mark.parametrize(
    "competition, points",
    [
        ("advantage", 3),
        ("parity", 2),
        ("disadvantage", 1),
    ],
)
def test_competition_points(rules, competition, points):
    assert opportunity_grade(opp(competition=competition), rules).breakdown["competition"] == points


@pytest.mark.parametrize("chain, points", [("simple", 3), ("medium", 2), ("complex", 1)])
def test_decision_chain_points(rules, chain, points):
    assert opportunity_grade(opp(chain=chain), rules).breakdown["decision_chain"] == points


@pytest.mark.parametrize(
    "kw, total",
    [
        (
            {
                "urgency": "immediate",
                "budget": "1000000",
                "competition": "advantage",
                "chain": "simple",
            },
            34,
        ),
        (
            {
                "urgency": "normal",
                "budget": "100",
                "competition": "disadvantage",
                "chain": "complex",
            },
            8,
        ),
        ({"urgency": "urgent", "budget": "300000", "competition": "parity", "chain": "medium"}, 21),
    ],
)
def test_total_points(rules, kw, total):
    assert opportunity_grade(opp(**kw), rules).points == total


@pytest.mark.parametrize(
    "kw, grade",
    [
        # A: high budget and (immediate or advantage)
        ({"budget": "1000000", "urgency": "immediate", "competition": "parity"}, Grade.A),
        ({"budget": "1000000", "urgency": "normal", "competition": "advantage"}, Grade.A),
        ({"budget": "1000000", "urgency": "urgent", "competition": "parity"}, Grade.B),
        ({"budget": "999999", "urgency": "immediate", "competition": "advantage"}, Grade.B),
        # C: low budget and (normal or disadvantage)
        ({"budget": "299999", "urgency": "normal", "competition": "advantage"}, Grade.C),
        ({"budget": "299999", "urgency": "immediate", "competition": "disadvantage"}, Grade.C),
        ({"budget": "299999", "urgency": "urgent", "competition": "parity"}, Grade.B),
        ({"budget": "300000", "urgency": "normal", "competition": "disadvantage"}, Grade.B),
    ],
)
def test_opportunity_grade_conditions(rules, kw, grade):
    result = opportunity_grade(opp(**kw), rules)
    assert result.grade is grade
    expected_reason = {Grade.A: "high budget", Grade.B: "standard process", Grade.C: "low budget"}[
        grade
    ]
    assert result.reason.startswith(expected_reason)


@pytest.mark.parametrize(
    "days, urgency",
    [
        (0, Urgency.immediate),
        (31, Urgency.immediate),
        (32, Urgency.urgent),
        (92, Urgency.urgent),
        (93, Urgency.normal),
        (365, Urgency.normal),
    ],
)
def test_urgency_from_target_date(rules, days, urgency):
    assert urgency_for(TODAY + dt.timedelta(days=days), TODAY, rules) is urgency


# --- all rules at once (what `leadflow rules check` prints) ------------------------------


def test_evaluate_summary(rules):
    from leadflow.rules.evaluate import evaluate
    from leadflow.rules.facts import BehaviourCounts

    facts = LeadFacts(email="buyer@acme.com", company_size="large", **A_LEAD)
    result = evaluate(
        facts,
        BehaviourCounts(webinar=1, download=1),
        TODAY,
        rules,
        opportunity=opp(urgency="immediate", budget="1200000"),
    )
    summary = result.summary()
    assert summary["valid"] is True
    assert summary["bant"] == {"budget": True, "authority": True, "need": True, "timeline": True}
    assert (summary["behaviour_score"], summary["attribute_score"]) == (25, 60)
    assert (summary["score"], summary["priority"], summary["nurture_stage"]) == (
        85,
        "high",
        "consideration",
    )
    assert summary["grade"] == "A"
    assert summary["opportunity"] == {"points": 3 + 25 + 2 + 2, "grade": "A"}
    assert summary["explain"]["budget_match"] == "full"
