"""No dead settings: every key of config/rules.yaml is read by the code (issue 17)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import LeadFacts
from leadflow.rules.grading import lead_grade
from leadflow.rules.scoring import budget_match
from leadflow.rules.screening import need_is_vague, screen

ROOT = Path(__file__).resolve().parents[2]
CODE = [
    p
    for folder in ("leadflow", "flows", "tasks")
    for p in (ROOT / folder).rglob("*.py")
    if p.name != "config.py" and "migrations" not in p.parts
]


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    found = []
    for name, field in model.model_fields.items():
        found.append(prefix + name)
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found.extend(_keys(kind, f"{prefix}{name}."))
    return found


def test_every_rules_yaml_key_is_read_by_the_code(rules):
    """Issue 17, "Every setting works": a test loads config/rules.yaml and fails if any key
    is never read by the code (read: its name is used as an attribute, `.name`)."""
    assert isinstance(rules, RulesConfig)
    text = "\n".join(p.read_text(encoding="utf-8") for p in CODE)
    unread = [
        key
        for key in _keys(RulesConfig)
        if not re.search(rf"\.{re.escape(key.rsplit('.', 1)[-1])}\b", text)
    ]
    assert unread == []


def test_vague_needs_fail_the_need_test(rules):
    """Rule book §3: "a concrete need: not a vague one such as "just want to learn about the
    product" / 了解一下产品"."""
    assert need_is_vague("Just want to learn about the product!", rules)
    assert need_is_vague(" 了解一下产品。", rules)
    assert not need_is_vague("了解一下产品, we need 50 CRM seats by March", rules)
    facts = LeadFacts(email="a@b.example", need="了解一下产品", contact_role="decision_maker")
    assert screen(facts, rules).need is False


@pytest.mark.parametrize(
    "need",
    ["了解下产品", "想了解一下你们的产品", "随便看看吧", "more information please", "", "  "],
)
def test_a_need_of_filler_words_is_vague_however_it_is_worded(rules, need):
    """docs/rules.md, Screening: "So 了解下产品, 想了解一下你们的产品 and "just want to learn
    about the product" are vague" (seed 002's own example of a vague need is 了解下产品)."""
    assert need_is_vague(need, rules)
    result = screen(LeadFacts(email="a@b.example", need=need), rules)
    assert not result.valid and "need (vague)" in (result.reason or "")


@pytest.mark.parametrize(
    "need", ["采购CRM系统", "CRM", "need 50 seats", "采购型号设备,预算50-80万,Q3落地"]
)
def test_a_short_need_with_substance_is_not_vague(rules, need):
    """docs/rules.md, Screening: "while 采购CRM系统 (a product) and "50 seats" (a quantity)
    are not, however short"."""
    assert not need_is_vague(need, rules)


def test_filler_words_are_whole_words_in_latin_text(rules):
    """A Latin filler word inside a longer word is not taken out: "info" is filler,
    "infosec" is a need."""
    assert need_is_vague("info", rules)
    assert not need_is_vague("infosec", rules)
    assert not need_is_vague("the products team wants an ERP", rules)


TODAY = dt.date(2026, 11, 2)


def _closing_soon(**budget: int) -> LeadFacts:
    """A decision maker with a clear need, closing within a month: grade A on its budget."""
    return LeadFacts(
        email="a@b.example",
        need="CRM",
        contact_role="decision_maker",
        timeline=TODAY + dt.timedelta(days=30),
        **budget,
    )


def test_lead_grade_reads_a_confirmed_budget(rules):
    """Rule book §5: "Grades are re-evaluated at least weekly and move both ways (A → B when
    budget is cut ...)"; the lead grade reads a confirmed budget when there is one."""
    facts = _closing_soon(budget_max=500_000)
    assert (
        lead_grade(facts, screen(facts, rules), budget_match(facts, rules), TODAY, rules).grade
        == "A"
    )
    cut = facts.model_copy(update={"budget_confirmed": 20_000})
    assert lead_grade(cut, screen(cut, rules), budget_match(cut, rules), TODAY, rules).grade == "B"


def test_vague_needs_are_the_teams_own_list(rules):
    """Issue 17: "Vague-need phrases are a configurable list (English and Chinese defaults)
    used by the Need test" - a team's own list replaces the defaults."""
    ours = rules.model_copy(
        update={
            "screening": rules.screening.model_copy(
                update={"vague_needs": ["only a price list", "报个价"]}
            )
        }
    )
    assert need_is_vague("Only a price list!", ours)
    assert need_is_vague("报个价！", ours)
    assert not need_is_vague("just looking", ours)
    assert need_is_vague("just looking", rules)


def test_how_much_substance_a_need_needs_is_the_teams_choice(rules):
    """`screening.need_min_substance`: with 4, a two-letter remainder is too little."""
    strict = rules.model_copy(
        update={"screening": rules.screening.model_copy(update={"need_min_substance": 4})}
    )
    assert not need_is_vague("CRM", rules)
    assert need_is_vague("CRM", strict)
    assert not need_is_vague("CRM 2", strict)  # a number is substance


def test_an_open_ended_budget_matches_by_its_minimum(rules):
    """docs/rules.md, Scoring: "or its bottom when the range has no top ("100万以上", one
    million or more, is at least one million)"; it earned 0 budget points and grade B."""
    facts = _closing_soon(budget_min=1_000_000)
    assert budget_match(facts, rules) == "full"
    match = budget_match(facts, rules)
    assert lead_grade(facts, screen(facts, rules), match, TODAY, rules).grade == "A"
    small = facts.model_copy(update={"budget_min": 10_000})
    assert budget_match(small, rules) == "none"
