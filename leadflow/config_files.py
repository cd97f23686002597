"""Reading the YAML config files: one mapping per file, a team's file layered over the
defaults, validated into the rule book (the pure rules never touch a file).

Every model a file is read into forbids keys it does not declare, so a typo is refused at
start rather than silently leaving a default in force; `config_error` turns pydantic's
report into one ConfigError naming the file, the dotted key and the nearest known key."""

from __future__ import annotations

import logging
import types
from collections.abc import Sequence
from difflib import get_close_matches
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from leadflow.rules.config import ConfigError, RulesConfig

Loc = tuple[str | int, ...]
# Where values came from (a file, an environment variable) and the mapping it gave.
Source = tuple[str, Any]
M = TypeVar("M", bound=BaseModel)
_log = logging.getLogger(__name__)


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
    data = moved_keys(read_yaml(default), default)
    sources: list[Source] = [(str(default), data)]
    if override is not None and override.exists():
        changes = moved_keys(read_yaml(override), override)
        sources.insert(0, (str(override), changes))
        data = deep_merge(data, changes)
    return validate(RulesConfig, data, sources)


def validate(model: type[M], data: Any, sources: Sequence[Source]) -> M:
    """`data` as a `model`, or a ConfigError naming where each bad key came from (the
    first of `sources` that holds it; the last source when none does)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, model, sources) from None


def config_error(
    exc: ValidationError, model: type[BaseModel], sources: Sequence[Source]
) -> ConfigError:
    """One ConfigError for all of `exc`'s problems, grouped by the source that holds each
    key: `file: unknown key 'sla.first_contat_hours' (did you mean 'sla.first_contact_hours'?)`."""
    found: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        found.setdefault(holder(loc, sources), []).append(_problem(err, loc, model))
    return ConfigError("; ".join(f"{where}: {'; '.join(said)}" for where, said in found.items()))


def holder(loc: Loc, sources: Sequence[Source]) -> str:
    """The source whose data holds the longest part of the key `loc` (the first on a tie,
    so list sources by precedence); the last source when none holds any of it."""
    best, depth = sources[-1][0], 0
    for label, data in sources:
        held = _depth(data, loc)
        if held > depth:
            best, depth = label, held
    return best


def _depth(data: Any, loc: Loc) -> int:
    held = 0
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            break
        held += 1
    return held


def _problem(err: ErrorDetails, loc: Loc, model: type[BaseModel]) -> str:
    key = dotted(loc)
    if err["type"] != "extra_forbidden":
        return f"{key or '(top)'}: {err['msg']}"
    known = known_keys(model, loc[:-1])
    near = get_close_matches(str(loc[-1]), known, n=1)
    if near:
        return f"unknown key {key!r} (did you mean {dotted((*loc[:-1], near[0]))!r}?)"
    return f"unknown key {key!r}" + (f" (known here: {', '.join(known)})" if known else "")


def dotted(loc: Loc) -> str:
    """A key path as the files spell it: `sla.first_contact_hours.high`."""
    return ".".join(str(part) for part in loc)


def known_keys(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the section at `loc` of `model` declares ([] when it is not a section)."""
    section = _section(model, loc)
    return list(section.model_fields) if section else []


def _section(annotation: Any, loc: Loc) -> type[BaseModel] | None:
    """The model that the value at `loc` is read into, following fields, list items,
    mapping values and the arms of an optional or union type."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not loc:
            return annotation
        field = annotation.model_fields.get(str(loc[0]))
        return _section(field.annotation, loc[1:]) if field else None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        arms = (_section(arm, loc) for arm in args)
        return next((found for found in arms if found), None)
    if loc and origin in (list, tuple, set, frozenset) and args:
        return _section(args[0], loc[1:])
    if loc and origin is dict and len(args) == 2:
        return _section(args[1], loc[1:])
    return None


def moved_keys(data: dict[str, Any], source: str | Path) -> dict[str, Any]:
    """One file's rules with the keys that moved taken from their old place: a time zone is
    refused (`refuse_zones`); `screening.target_industries`, from before the target profile
    had sizes and regions, is deprecated: it is read as `screening.target_profile.industries`
    with a warning naming the file, and refused when the file also gives the new key."""
    refuse_zones(data, source)
    screening = data.get("screening")
    if not isinstance(screening, dict) or "target_industries" not in screening:
        return data
    profile = screening.get("target_profile") or {}
    if not isinstance(profile, dict):
        return data  # validation names the bad target_profile and the old key
    if "industries" in profile:
        raise ConfigError(
            f"{source}: screening.target_industries: give the target industries once, as "
            "screening.target_profile.industries (the old key is deprecated)"
        )
    _log.warning(
        "%s: screening.target_industries is deprecated and read as "
        "screening.target_profile.industries; rename it there",
        source,
    )
    rest = {key: value for key, value in screening.items() if key != "target_industries"}
    moved = {**profile, "industries": screening["target_industries"]}
    return {**data, "screening": {**rest, "target_profile": moved}}


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
