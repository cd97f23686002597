"""config/rules.yaml: the spec's defaults, team overrides, and errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from leadflow.config_files import load_rules, read_yaml
from leadflow.rules.config import ConfigError, RulesConfig
from leadflow.rules.vocab import Grade, Priority, Role
from leadflow.settings import DEFAULT_CONFIG_DIR

DEFAULT = DEFAULT_CONFIG_DIR / "rules.yaml"


def override(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_are_the_spec_numbers(rules):
    assert isinstance(rules, RulesConfig)
    assert rules.channels.priority == ["referral", "trade_show", "online_ads"]
    assert rules.screening.min_passed == 2
    s = rules.scoring
    assert (s.behaviour_cap, s.attribute_cap) == (40, 60)
    assert s.behaviour_points == {"page_visit": 5, "download": 10, "webinar": 15, "reply": 10}
    assert (s.priority.high, s.priority.medium) == (80, 50)
    assert (s.min_deal_size, s.partial_ratio) == (100000, 0.5)
    assert [st.min_score for st in s.nurture_stages] == [0, 40, 70]
    assert rules.conversion.min_criteria == 2 and rules.conversion.min_deal_size == 100000
    assert rules.opportunity.budget_bands.high == 1000000
    assert rules.opportunity.budget_bands.medium == 300000
    assert rules.opportunity.approval_roles == {
        Grade.A: Role.director,
        Grade.B: Role.manager,
        Grade.C: Role.manager,
    }
    assert rules.sla.first_contact_hours == {Priority.high: 2, Priority.medium: 4, Priority.low: 24}
    assert rules.sla.max_hours_after_assignment == 48
    assert rules.sla.clock == "wall"


def test_load_rules_without_override_equals_get_rules(rules):
    assert load_rules(DEFAULT) == rules


def test_missing_override_file_is_ignored(tmp_path, rules):
    assert load_rules(DEFAULT, tmp_path / "absent.yaml") == rules


def test_override_changes_only_its_keys(tmp_path, rules):
    path = override(
        tmp_path,
        "scoring:\n  priority:\n    high: 85\n"
        "screening:\n  target_profile:\n    industries: [retail]\n",
    )
    loaded = load_rules(DEFAULT, path)
    assert loaded.scoring.priority.high == 85
    assert loaded.scoring.priority.medium == 50  # deep merge keeps the sibling
    assert loaded.scoring.behaviour_cap == 40
    assert loaded.screening.target_profile.industries == ["retail"]
    assert loaded.screening.target_profile.regions == []
    assert loaded.screening.min_passed == 2


def test_empty_override_is_no_change(tmp_path, rules):
    assert load_rules(DEFAULT, override(tmp_path, "")) == rules


@pytest.mark.parametrize(
    "text, key",
    [
        ("scoring:\n  priority:\n    high: 120\n", "scoring.priority.high"),
        ("scoring:\n  priority:\n    high: lots\n", "scoring.priority.high"),
        ("screening:\n  min_passed: 5\n", "screening.min_passed"),
        ("sla:\n  clock: sundial\n", "sla.clock"),
        ("sla:\n  first_contact_hours: {high: soon}\n", "sla.first_contact_hours.high"),
        ("scoring:\n  decay:\n    half_life_days: 0\n", "scoring.decay.half_life_days"),
        ("conversion:\n  min_deal_size: -1\n", "conversion.min_deal_size"),
        ("calendar:\n  holidays: [not-a-date]\n", "calendar.holidays.0"),
        ("channels:\n  priority: [carrier_pigeon]\n", "channels.priority.0"),
    ],
)
def test_bad_value_names_file_and_dotted_key(tmp_path, text, key):
    path = override(tmp_path, text, name="team-rules.yaml")
    with pytest.raises(ConfigError) as exc:
        load_rules(DEFAULT, path)
    message = str(exc.value)
    assert str(path) in message
    assert f"{key}:" in message


def test_cross_field_check_names_its_section(tmp_path):
    path = override(tmp_path, "scoring:\n  priority:\n    high: 40\n")  # medium 50 > high 40
    with pytest.raises(ConfigError, match=r"scoring\.priority: .*medium must not be above high"):
        load_rules(DEFAULT, path)


def test_nurture_stages_must_start_at_zero(tmp_path):
    path = override(
        tmp_path,
        "scoring:\n  nurture_stages:\n"
        "    - {name: x, min_score: 10, cadence_days: 7, content: [],"
        " channels: []}\n",
    )
    with pytest.raises(ConfigError, match="nurture_stages must start at min_score 0"):
        load_rules(DEFAULT, path)


@pytest.mark.parametrize(
    "text, key",
    [
        ("scoring:\n  behavior_cap: 30\n", "scoring.behavior_cap"),  # typo of behaviour_cap
        ("bogus_section:\n  a: 1\n", "bogus_section"),
        ("sla:\n  first_contact_hours: {urgent: 1}\n", "sla.first_contact_hours.urgent"),
    ],
)
def test_unknown_keys_rejected(tmp_path, text, key):
    path = override(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_rules(DEFAULT, path)
    assert str(path) in str(exc.value)
    assert key in str(exc.value)


def test_invalid_yaml_names_file(tmp_path):
    path = override(tmp_path, "scoring:\n  priority: [high: 80\n")
    with pytest.raises(ConfigError, match="not valid YAML") as exc:
        load_rules(DEFAULT, path)
    assert str(path) in str(exc.value)


@pytest.mark.parametrize("text", ["- a\n- b\n", "just a string\n", "42\n"])
def test_non_mapping_file_rejected(tmp_path, text):
    path = override(tmp_path, text)
    with pytest.raises(ConfigError, match="top level must be a mapping") as exc:
        load_rules(DEFAULT, path)
    assert str(path) in str(exc.value)


def test_unreadable_default_names_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="cannot read") as exc:
        read_yaml(missing)
    assert str(missing) in str(exc.value)


def test_bad_default_file_names_it(tmp_path):
    bad = override(
        tmp_path,
        DEFAULT.read_text(encoding="utf-8").replace("behaviour_cap: 40", "behaviour_cap: -1"),
        name="base.yaml",
    )
    with pytest.raises(ConfigError) as exc:
        load_rules(bad)
    assert str(bad) in str(exc.value) and "scoring.behaviour_cap:" in str(exc.value)


def test_rules_are_frozen(rules):
    with pytest.raises(ValidationError, match="frozen"):
        rules.scoring.behaviour_cap = 10


def test_serve_poll_comes_from_settings_yaml_and_refuses_zero(monkeypatch):
    from pydantic import ValidationError

    from leadflow.settings import Settings

    assert Settings().schedules.serve_poll_seconds == 0.25  # config/settings.yaml
    monkeypatch.setenv("LEADFLOW_SCHEDULES__SERVE_POLL_SECONDS", "0")
    with pytest.raises(ValidationError, match="serve_poll_seconds"):
        Settings()
