"""Reading the YAML config files: one mapping per file, a team's file layered over the
defaults, validated into the rule book (the pure rules never touch a file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from leadflow.rules.config import ConfigError, RulesConfig


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base`, section by section (a nested mapping merges, a value replaces)."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML mapping, or raise ConfigError naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def load_rules(default: Path, override: Path | None = None) -> RulesConfig:
    """Load the default rules, layer a team's override file over them, and validate."""
    data = read_yaml(default)
    source = str(default)
    if override is not None and override.exists():
        data = deep_merge(data, read_yaml(override))
        source = f"{override} (over {default})"
    refuse_zones(data, source)
    try:
        return RulesConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"{source}: {problems}") from None


def refuse_zones(data: dict[str, Any], source: str | Path) -> None:
    """Time zones left the rule book: each team has its own, and the default is a setting.
    A file that still sets one is refused, saying where it went, rather than ignored."""
    calendar = data.get("calendar")
    for key in ("timezone", "default_timezone"):
        if isinstance(calendar, dict) and key in calendar:
            raise ConfigError(
                f"{source}: calendar.{key}: time zones are not set in rules.yaml: each team "
                "has its own (leadflow teams set ID --timezone Asia/Shanghai), and new teams "
                "take default_timezone from settings.yaml (LEADFLOW_DEFAULT_TIMEZONE)"
            )
