"""Minimum necessary data (seed 001 最小必要; spec §1 "Collect the minimum: no ID numbers,
no home addresses"): what of a rejected record may be kept. Refused fields go, resident ID
numbers anywhere in it are masked, and a note says what was taken out."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from leadflow.rules.config import PrivacyRules
from leadflow.rules.names import normal

ID_NUMBER = "ID number"
# GB 11643: an 18-character resident ID number, the last a check character (0-9 or X).
# The 15-digit first-generation form has no check digit (so any 15-digit order or device
# number with a date inside would match) and those cards stopped being valid in 2013: it is
# removed under a refused field's name only.
_ID = re.compile(r"(?<!\d)(\d{17}[\dXx])(?!\d)")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# A "key": value pair of JSON text that did not parse; only scalar values are found.
_PAIR = re.compile(
    r'"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)'
)


@dataclass(frozen=True)
class Refused:
    """The refused names of a rule book, in the form sheet headers are matched in."""

    kinds: dict[str, str]  # normal(name) -> what it holds

    @classmethod
    def of(cls, privacy: PrivacyRules) -> Refused:
        """The names of `privacy.refused_fields`, each with its kind."""
        return cls(
            {normal(n): kind for kind, names in privacy.refused_fields.items() for n in names}
        )

    def kind(self, name: str) -> str | None:
        """What a refused field or column holds ("ID number"), or None when it is allowed."""
        return self.kinds.get(normal(name))


def removed_mark(kind: str) -> str:
    """What stands where a value of personal data was: "[removed: ID number]"."""
    return f"[removed: {kind}]"


def is_id_number(text: str) -> bool:
    """An 18-character resident ID number: a real birth date and the right check character."""
    if not _ID.fullmatch(text):
        return False
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    total = sum(int(c) * w for c, w in zip(text[:17], _WEIGHTS, strict=True))
    return born.year >= 1800 and _CHECK[total % 11] == text[17].upper()


@dataclass
class Removed:
    """What was taken out of a record: refused fields by name, and masked ID numbers."""

    fields: dict[str, str] = field(default_factory=dict)  # name as sent -> what it holds
    masked: int = 0

    def mask(self, text: str) -> str:
        """`text` with each resident ID number in it masked (and counted)."""

        def hide(found: re.Match[str]) -> str:
            if not is_id_number(found.group(1)):
                return found.group(0)
            self.masked += 1
            return removed_mark(ID_NUMBER)

        return _ID.sub(hide, text)

    def note(self) -> str | None:
        """One line saying what was removed, or None when nothing was."""
        parts = [f"{name} ({kind})" for name, kind in self.fields.items()]
        if self.masked:
            parts.append(f"{self.masked} {ID_NUMBER}{'s' if self.masked > 1 else ''} masked")
        return ", ".join(parts) or None


def minimum(value: Any, refused: Refused, removed: Removed) -> Any:
    """A parsed record (objects, lists, text, numbers) without refused fields, at any depth,
    and with resident ID numbers masked; `removed` is told what went."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            kind = refused.kind(str(key))
            if kind is None:
                kept[key] = minimum(item, refused, removed)
            elif item not in (None, "", [], {}):
                removed.fields[str(key)] = kind
        return kept
    if isinstance(value, list | tuple):
        return [minimum(item, refused, removed) for item in value]
    if isinstance(value, str):
        return removed.mask(value)
    if isinstance(value, int) and not isinstance(value, bool) and is_id_number(str(value)):
        removed.masked += 1
        return removed_mark(ID_NUMBER)
    return value


def minimum_text(text: str, refused: Refused, removed: Removed) -> str:
    """Text that is not a JSON value (it could not be parsed) with the values of refused
    "key": value pairs and resident ID numbers masked; the rest kept character for character."""

    def drop(found: re.Match[str]) -> str:
        try:
            key = json.loads(f'"{found.group(1)}"')
        except ValueError:
            key = found.group(1)
        kind = refused.kind(key)
        if kind is None:
            return found.group(0)
        removed.fields[key] = kind
        return f'"{found.group(1)}"{found.group(2)}"{removed_mark(kind)}"'

    return removed.mask(_PAIR.sub(drop, text))
