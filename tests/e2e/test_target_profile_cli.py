"""The target profile through the CLI, with a team's own rules.yaml (LEADFLOW_CONFIG_DIR).
Seed 002: "企业资质符合目标客户画像(如行业、规模、区域)"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories as f
from tests.e2e.cli_harness import run, run_json

OUTSIDE = "outside target profile: industry 餐饮 (targets: 制造业, 物流)"


@pytest.fixture
def team_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """A team that sells to manufacturing and logistics, with one rep to take its leads."""
    config = tmp_path / "team-config"
    config.mkdir()
    (config / "rules.yaml").write_text(
        "screening:\n  target_profile:\n    industries: [制造业, 物流]\n", encoding="utf-8"
    )
    env = {**env, "LEADFLOW_CONFIG_DIR": str(config)}
    run(["teams", "add", "--name", "East", "--manager-email", "mia@example.com"], env)
    run(["reps", "add", "--name", "Ann", "--team", "1", "--seniority", "senior", "--no-email"], env)
    return env


def add(env: dict[str, str], **overrides: str | None) -> dict:
    """`leads add` of a decision maker with a budget and a date (BANT 4/4) in an industry."""
    record = f.lead_record(**overrides)
    options = {
        "source": "--source",
        "company_name": "--company",
        "contact_name": "--contact",
        "email": "--email",
        "need": "--need",
        "industry": "--industry",
        "contact_role": "--role",
        "budget_max": "--budget-max",
        "timeline": "--timeline",
    }
    args = [arg for key, opt in options.items() if key in record for arg in (opt, str(record[key]))]
    return run_json(["leads", "add", *args], env)


def show(env: dict[str, str], lead_id: int) -> dict:
    return run_json(["leads", "show", str(lead_id), "--sensitive"], env)


def test_a_lead_outside_the_profile_is_disqualified_and_one_inside_is_worked(team_env):
    """docs/rules.md §3: "A lead whose industry, size or region is known and not on its list
    is invalid whatever its BANT count, a decision maker and a budget included"."""
    outside = show(team_env, add(team_env, industry="餐饮")["id"])
    assert (outside["state"], outside["valid"]) == ("lost", False)
    assert outside["invalid_reason"] == OUTSIDE
    assert outside["transitions"][0]["reason"] == f"invalid: {OUTSIDE}"

    inside = show(team_env, add(team_env, industry="制造业")["id"])
    assert (inside["state"], inside["valid"], inside["invalid_reason"]) == (
        "nurturing",
        True,
        None,
    )
    assert inside["explanation"]["explain"]["target_profile"] == {
        "industry": "inside: 制造业 (targets: 制造业, 物流)"
    }


def test_a_lead_that_does_not_say_its_industry_is_screened_and_told_so(team_env):
    """docs/rules.md §3: "A value the lead does not give is not a failure ... its explanation
    says the part was not given and so not checked"."""
    lead_id = add(team_env, industry=None)["id"]
    unknown = show(team_env, lead_id)
    assert (unknown["state"], unknown["valid"]) == ("nurturing", True)
    text = run(["leads", "show", str(lead_id)], team_env).stdout
    assert "target profile: industry not given, so not checked (targets: 制造业, 物流)" in text


def test_an_edit_out_of_the_profile_and_back(team_env):
    """docs/rules.md §3: "A lead already past screening that is edited out of the profile
    keeps its state and owner, but is marked invalid with the same reason ...; edited back
    inside, it is valid again and the reason is cleared"."""
    lead_id = str(add(team_env, industry="物流")["id"])
    run(["leads", "update", lead_id, "--set", "industry=餐饮"], team_env)
    moved = show(team_env, int(lead_id))
    assert (moved["state"], moved["owner_id"]) == ("nurturing", 1)
    assert (moved["valid"], moved["invalid_reason"]) == (False, OUTSIDE)
    run(["leads", "update", lead_id, "--set", "industry=logistics"], team_env)
    assert show(team_env, int(lead_id))["invalid_reason"] is not None  # 物流 only, no synonyms
    run(["leads", "update", lead_id, "--set", "industry=物流"], team_env)
    back = show(team_env, int(lead_id))
    assert (back["state"], back["valid"], back["invalid_reason"]) == ("nurturing", True, None)
