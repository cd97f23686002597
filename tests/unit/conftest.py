"""Shared fixtures of the unit suite: the default rule book from config/rules.yaml."""

from __future__ import annotations

import pytest

from leadflow.rules.config import RulesConfig
from leadflow.settings import get_rules


@pytest.fixture
def rules() -> RulesConfig:
    """The rule book as the application loads it (config/rules.yaml, validated)."""
    return get_rules()
