"""A misspelt key in any YAML file LeadFlow reads is refused at start, naming the file, the
key with its path and the nearest known key; it is never silently ignored."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadflow.config_files import load_rules
from leadflow.rules.config import ConfigError, RulesConfig
from leadflow.settings import DEFAULT_CONFIG_DIR, Settings, get_settings
from leadflow.sheets.mapping import load_mapping
from leadflow.simulate.service import candidate_rules

DEFAULT_RULES = DEFAULT_CONFIG_DIR / "rules.yaml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def team_settings(tmp_path, monkeypatch):
    """Read settings afresh with tmp_path as the team's config folder."""

    def read(text: str) -> Settings:
        write(tmp_path, "settings.yaml", text)
        get_settings.cache_clear()
        return get_settings()

    monkeypatch.setenv("LEADFLOW_CONFIG_DIR", str(tmp_path))
    yield read
    get_settings.cache_clear()


def refused(call, *args) -> str:
    with pytest.raises(ConfigError) as exc:
        call(*args)
    return str(exc.value)


def test_top_level_typo_in_rules_names_file_key_and_nearest(tmp_path):
    path = write(tmp_path, "rules.yaml", "scorng:\n  behaviour_cap: 30\n")
    message = refused(load_rules, DEFAULT_RULES, path)
    assert message == f"{path}: unknown key 'scorng' (did you mean 'scoring'?)"


def test_nested_typo_in_rules_names_the_dotted_path(tmp_path):
    path = write(tmp_path, "rules.yaml", "sla:\n  first_contat_hours: {high: 1}\n")
    message = refused(load_rules, DEFAULT_RULES, path)
    assert str(path) in message
    assert "unknown key 'sla.first_contat_hours'" in message
    assert "did you mean 'sla.first_contact_hours'?" in message


def test_typo_inside_a_list_item_names_its_index(tmp_path):
    text = DEFAULT_RULES.read_text(encoding="utf-8").replace("cadence_days: 30,", "cadense: 30,")
    path = write(tmp_path, "base.yaml", text)
    message = refused(load_rules, path)
    assert "unknown key 'scoring.nurture_stages.0.cadense'" in message
    assert "did you mean 'scoring.nurture_stages.0.cadence_days'?" in message


def test_typo_in_the_default_file_is_blamed_on_it_not_on_the_override(tmp_path):
    base = write(tmp_path, "base.yaml", DEFAULT_RULES.read_text(encoding="utf-8") + "handof: {}\n")
    team = write(tmp_path, "team.yaml", "screening:\n  min_passed: 3\n")
    message = refused(load_rules, base, team)
    assert message.startswith(f"{base}: unknown key 'handof' (did you mean 'handoff'?)")
    assert str(team) not in message


def test_unknown_key_with_no_near_name_lists_the_known_ones(tmp_path):
    path = write(tmp_path, "rules.yaml", "handoff:\n  zzz: 1\n")
    message = refused(load_rules, DEFAULT_RULES, path)
    assert "unknown key 'handoff.zzz' (known here: due_business_days," in message


def test_top_level_typo_in_settings_yaml(team_settings, tmp_path):
    with pytest.raises(ConfigError) as exc:
        team_settings("chunk_sise: 10\n")
    assert str(exc.value) == (
        f"{tmp_path / 'settings.yaml'}: unknown key 'chunk_sise' (did you mean 'chunk_size'?)"
    )


def test_nested_typo_in_settings_yaml(team_settings, tmp_path):
    with pytest.raises(ConfigError) as exc:
        team_settings("schedules:\n  remiders_cron: '0 * * * *'\n")
    message = str(exc.value)
    assert str(tmp_path / "settings.yaml") in message
    assert "unknown key 'schedules.remiders_cron'" in message
    assert "did you mean 'schedules.reminders_cron'?" in message


def test_a_bad_value_names_the_environment_variable_that_set_it(team_settings, monkeypatch):
    monkeypatch.setenv("LEADFLOW_CHUNK_SIZE", "0")
    with pytest.raises(ConfigError) as exc:
        team_settings("chunk_size: 5\n")
    assert str(exc.value).startswith("LEADFLOW_CHUNK_SIZE: chunk_size: Input should be greater")


def test_unrelated_leadflow_variables_are_still_ignored(team_settings, monkeypatch):
    monkeypatch.setenv("LEADFLOW_TEST_SOMETHING_ELSE", "x")
    monkeypatch.setenv("LEADFLOW_SCHEDULES__TIMEZONE", "Asia/Shanghai")
    settings = team_settings("chunk_size: 5\n")
    assert settings.chunk_size == 5 and settings.schedules.timezone == "Asia/Shanghai"


def test_a_misspelt_nested_variable_is_refused_by_name(team_settings, monkeypatch):
    monkeypatch.setenv("LEADFLOW_SCHEDULES__TIMEZNE", "UTC")
    with pytest.raises(ConfigError) as exc:
        team_settings("")
    assert str(exc.value) == (
        "LEADFLOW_SCHEDULES__TIMEZNE: unknown key 'schedules.timezne' "
        "(did you mean 'schedules.timezone'?)"
    )


def test_typo_in_an_import_mapping_file(tmp_path, monkeypatch):
    monkeypatch.delenv("LEADFLOW_CONFIG_DIR", raising=False)
    get_settings.cache_clear()
    path = write(tmp_path, "map.yaml", "header:\n  name: [Name]\n")
    message = refused(load_mapping, path)
    assert message == f"{path}: unknown key 'header' (did you mean 'headers'?)"


def test_typo_in_a_candidate_rule_book(tmp_path, rules):
    path = write(tmp_path, "candidate.yaml", "scoring:\n  priorty: {high: 70}\n")
    message = refused(candidate_rules, path, rules)
    assert message.startswith(f"{path}: unknown key 'scoring.priorty'")
    assert "did you mean 'scoring.priority'?" in message


SHIPPED = sorted(DEFAULT_CONFIG_DIR.glob("*.yaml"))
LOADERS = {
    "rules.yaml": lambda path: load_rules(path),
    "settings.yaml": lambda path: Settings(),  # reads config/settings.yaml itself
    "import_mapping.yaml": lambda path: load_mapping(),
}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_file_has_a_strict_loader_and_loads(path, monkeypatch):
    monkeypatch.delenv("LEADFLOW_CONFIG_DIR", raising=False)
    get_settings.cache_clear()
    assert path.name in LOADERS, f"{path.name} is read by nothing that refuses unknown keys"
    assert LOADERS[path.name](path) is not None


def test_the_shipped_rules_are_the_rule_book(rules):
    assert isinstance(load_rules(DEFAULT_RULES), RulesConfig)


def test_the_command_refuses_a_typo_in_one_line_without_traceback(tmp_path):
    write(tmp_path, "settings.yaml", "schedules:\n  remiders_cron: '0 * * * *'\n")
    env = {**os.environ, "LEADFLOW_CONFIG_DIR": str(tmp_path)}
    command = Path(sys.executable).with_name("leadflow")
    done = subprocess.run(
        [str(command), "diagram"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"error: {tmp_path / 'settings.yaml'}: unknown key 'schedules.remiders_cron' "
        "(did you mean 'schedules.reminders_cron'?)"
    ]
