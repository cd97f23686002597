"""Shared fixtures of the unit suite: the default rule book from config/rules.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadflow.config_files import load_rules
from leadflow.rules.config import RulesConfig
from leadflow.settings import DEFAULT_CONFIG_DIR, get_rules


@pytest.fixture
def rules() -> RulesConfig:
    """The rule book as the application loads it (config/rules.yaml, validated)."""
    return get_rules()


@pytest.fixture
def business(tmp_path: Path) -> RulesConfig:
    """The default rules with the SLA counted on business hours, via a team override file."""
    override = tmp_path / "rules.yaml"
    override.write_text("sla:\n  clock: business\n", encoding="utf-8")
    return load_rules(DEFAULT_CONFIG_DIR / "rules.yaml", override)
