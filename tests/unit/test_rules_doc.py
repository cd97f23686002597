"""docs/rules.md, the rule book users read, points every number at its key in config/; each
such key must exist, so the page cannot cite a key that was renamed or never was."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
RULE_BOOK = REPO / "docs" / "rules.md"
# `config/rules.yaml: sla.first_contact_hours.high`
REFERENCE = re.compile(r"`(config/[\w./-]+\.yaml): ([\w.-]+)`")


def references(text: str) -> list[tuple[str, str]]:
    """Every (file, dotted key) the page cites, in order."""
    return REFERENCE.findall(text)


def holds(data: Any, key: str) -> bool:
    """Whether the parsed YAML has a value at the dotted key (a number indexes a list)."""
    for part in key.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return False
    return True


CITED = references(RULE_BOOK.read_text(encoding="utf-8"))


def test_the_page_cites_its_numbers():
    assert len(CITED) >= 30
    assert len(set(CITED)) >= 30


def test_every_citation_is_in_the_checked_form():
    """A citation broken across lines, or otherwise misspelt, would escape the check."""
    text = RULE_BOOK.read_text(encoding="utf-8")
    assert len(re.findall(r"`config/[^`]*\.yaml:[^`]*`", text)) == len(CITED)


@pytest.mark.parametrize("path, key", sorted(set(CITED)), ids=lambda v: str(v))
def test_every_cited_key_exists(path, key):
    file = REPO / path
    assert file.is_file(), f"docs/rules.md cites {path}, which does not exist"
    assert holds(yaml.safe_load(file.read_text(encoding="utf-8")), key), (
        f"docs/rules.md cites {path}: {key}, which that file does not have"
    )


def test_the_checker_refuses_a_missing_key():
    text = "`config/rules.yaml: sla.first_contact_hours.urgent` `config/x.yaml: a.0.b`"
    assert references(text) == [
        ("config/rules.yaml", "sla.first_contact_hours.urgent"),
        ("config/x.yaml", "a.0.b"),
    ]
    data = {"sla": {"first_contact_hours": {"high": 2}}, "a": [{"b": 1}]}
    assert holds(data, "sla.first_contact_hours.high") and holds(data, "a.0.b")
    assert not holds(data, "sla.first_contact_hours.urgent") and not holds(data, "a.1.b")


def test_nothing_points_users_at_the_spec_outside_the_repository():
    """The rule book belongs to the project: user-facing text links docs/rules.md."""
    places = [REPO / "README.md", *(REPO / "docs").glob("*.md"), *(REPO / "config").glob("*")]
    stale = [p.name for p in places if p.is_file() and "shared/spec" in p.read_text("utf-8")]
    assert stale == []
