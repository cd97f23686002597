"""Spec §3, the target profile. Seed 002: "企业资质符合目标客户画像(如行业、规模、区域)" (the
company fits the target customer profile, such as industry, size and region)."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

import pytest

from leadflow.config_files import load_rules
from leadflow.rules.config import ConfigError, RulesConfig
from leadflow.rules.evaluate import evaluate
from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.profile import Fit, profile_fit
from leadflow.rules.screening import screen
from leadflow.rules.vocab import CompanySize, ContactRole
from leadflow.settings import DEFAULT_CONFIG_DIR

TODAY = dt.date(2024, 7, 1)
DEFAULT = DEFAULT_CONFIG_DIR / "rules.yaml"
# A decision maker with a budget: two of the four BANT tests hold.
WORTH_IT = {
    "email": "buyer@acme.example",
    "contact_role": ContactRole.decision_maker,
    "budget_max": Decimal("500000"),
}


def profiled(rules: RulesConfig, **parts: list) -> RulesConfig:
    """The rule book with these parts of the target profile set."""
    profile = rules.screening.target_profile.model_copy(update=parts)
    screening = rules.screening.model_copy(update={"target_profile": profile})
    return rules.model_copy(update={"screening": screening})


def test_a_lead_outside_the_target_industries_is_invalid_whatever_its_bant(rules):
    """docs/rules.md §3: "A lead whose industry, size or region is known and not on its list
    is invalid whatever its BANT count, a decision maker and a budget included, and its
    reason names the part, the value and the targets"."""
    targeted = profiled(rules, industries=["制造业", "物流"])
    result = screen(LeadFacts(industry="餐饮", **WORTH_IT), targeted)
    assert (result.budget, result.authority, result.passed) == (True, True, 2)
    assert result.valid is False
    assert result.reason == "outside target profile: industry 餐饮 (targets: 制造业, 物流)"
    assert screen(LeadFacts(industry="物流", **WORTH_IT), targeted).valid is True


@pytest.mark.parametrize(
    "facts, part, value",
    [
        ({"company_size": CompanySize.small}, "company size", "small"),
        ({"region": "华南"}, "region", "华南"),
    ],
)
def test_size_and_region_are_checked_against_the_profile(rules, facts, part, value):
    """Seed 002: the profile is 行业、规模、区域, industry, size and region."""
    targeted = profiled(rules, company_sizes=[CompanySize.large], regions=["华东"])
    result = screen(LeadFacts(**facts, **WORTH_IT), targeted)
    assert result.valid is False
    targets = "large" if part == "company size" else "华东"
    assert result.reason == f"outside target profile: {part} {value} (targets: {targets})"


def test_every_part_outside_is_named_and_bant_failures_too(rules):
    targeted = profiled(rules, industries=["制造业"], regions=["华东"])
    result = screen(LeadFacts(email="a@b.example", industry="餐饮", region="华南"), targeted)
    assert result.reason == (
        "outside target profile: industry 餐饮 (targets: 制造业), region 华南 (targets: 华东); "
        "BANT 0/4 < 2: failed budget, authority, need (vague), timeline"
    )


@pytest.mark.parametrize("industry", ["ＬＯＧＩＳＴＩＣＳ", " Logistics ", "logistics"])
def test_matching_ignores_case_width_and_outer_spaces(rules, industry):
    """docs/rules.md §3: "The lists are matched ignoring case and full- or half-width forms"."""
    targeted = profiled(rules, industries=["Logistics"])
    assert screen(LeadFacts(industry=industry, **WORTH_IT), targeted).valid is True


def test_synonyms_are_not_matched(rules):
    """docs/rules.md §3: "synonyms are not (华东 does not stand for 上海 ...)"."""
    targeted = profiled(rules, regions=["华东"])
    assert screen(LeadFacts(region="上海", **WORTH_IT), targeted).valid is False


def test_a_value_not_given_is_not_a_failure_and_the_explanation_says_so(rules):
    """docs/rules.md §3: "A value the lead does not give is not a failure ... its explanation
    says the part was not given and so not checked"."""
    targeted = profiled(rules, industries=["制造业"], company_sizes=[CompanySize.large])
    facts = LeadFacts(industry="制造业", **WORTH_IT)
    fit = profile_fit(facts, targeted.screening.target_profile)
    assert [p.fit for p in fit.parts] == [Fit.inside, Fit.unknown, Fit.any]
    summary = evaluate(facts, BehaviourCounts(), TODAY, targeted).summary()
    assert summary["valid"] is True
    assert summary["explain"]["target_profile"] == {
        "industry": "inside: 制造业 (targets: 制造业)",
        "company_size": "not given, so not checked (targets: large)",
    }


def test_an_empty_profile_accepts_any_lead_and_explains_nothing(rules):
    """docs/rules.md §3: "each list is empty by default, and an empty list accepts any value"."""
    assert rules.screening.target_profile.model_dump() == {
        "industries": [],
        "company_sizes": [],
        "regions": [],
    }
    facts = LeadFacts(industry="餐饮", region="华南", company_size=CompanySize.small, **WORTH_IT)
    assert screen(facts, rules).valid is True
    assert (
        evaluate(facts, BehaviourCounts(), TODAY, rules).summary()["explain"]["target_profile"]
        == {}
    )


# --- the profile in rules.yaml -----------------------------------------------------------


def team_rules(tmp_path: Path, text: str) -> RulesConfig:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules(DEFAULT, path)


def test_a_team_sets_its_profile_in_rules_yaml(tmp_path):
    loaded = team_rules(
        tmp_path,
        "screening:\n  target_profile:\n    industries: [制造业]\n"
        "    company_sizes: [medium, large]\n",
    )
    profile = loaded.screening.target_profile
    assert profile.industries == ["制造业"]
    assert profile.company_sizes == [CompanySize.medium, CompanySize.large]
    assert profile.regions == []


def test_a_size_that_is_not_a_size_is_refused_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"screening\.target_profile\.company_sizes\.0"):
        team_rules(tmp_path, "screening:\n  target_profile:\n    company_sizes: [huge]\n")


def test_the_old_target_industries_key_is_read_as_the_profile_with_a_warning(tmp_path, caplog):
    """docs/rules.md §3: "the older key `screening.target_industries` keep working: it is
    read as the profile's industries, with a warning naming the file"."""
    with caplog.at_level(logging.WARNING, logger="leadflow.config_files"):
        loaded = team_rules(tmp_path, "screening:\n  target_industries: [retail]\n")
    assert loaded.screening.target_profile.industries == ["retail"]
    assert str(tmp_path / "rules.yaml") in caplog.text
    assert "screening.target_industries is deprecated" in caplog.text


def test_old_and_new_industry_keys_together_are_refused(tmp_path):
    """docs/rules.md §3: "a file that gives both is refused"."""
    with pytest.raises(ConfigError, match=r"rules\.yaml: screening\.target_industries"):
        team_rules(
            tmp_path,
            "screening:\n  target_industries: [retail]\n"
            "  target_profile:\n    industries: [制造业]\n",
        )
