"""Merging a returning contact's record into a lead: the dedupe keys, and the facts a later
record brings (newer facts win, a blank never erases a value, the source never changes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadflow.rules.contact import CONTACT_FIELDS, MatchKeys, match_keys
from leadflow.schemas import LEAD_COLUMNS, NOT_COLUMNS, LeadIn
from leadflow.store.writer import AnyLead, note, write

# The first touch is the lead's source (spec §1): later records never change it; tags join,
# and the external id is kept from the first record that had one.
# Who entered the lead and when stay the first record's; what it asks to confirm too.
MERGED_FACTS = tuple(
    f
    for f in LEAD_COLUMNS
    if f
    not in {
        "source",
        "source_detail",
        "tags",
        "external_id",
        "entered_by",
        "entered_at",
        "to_confirm",
    }
)


@dataclass
class Keys:
    email: str | None
    phone: str | None
    person: tuple[str, str] | None  # company key + contact name: same person, no contact data

    @classmethod
    def of(cls, rec: Any) -> Keys:
        """Keys of a LeadIn, a Lead row, or anything with the same attribute names."""
        keys = match_keys(*(getattr(rec, name) for name in CONTACT_FIELDS))
        person = (keys.company, keys.name) if keys.company and keys.name else None
        return cls(keys.email, keys.phone, person)

    def tokens(self) -> list[tuple[str, str]]:
        """The keys as (kind, text), as `MatchKeys.tokens` gives them."""
        return MatchKeys(self.email, self.phone, *(self.person or (None, None))).tokens()


def set_keys(target: AnyLead | dict[str, Any]) -> None:
    """Recompute the dedupe keys of a row's values after a merge (the lead writer keeps a
    lead's keys in step with its fields itself)."""
    get = target.get if isinstance(target, dict) else lambda name: getattr(target, name)
    keys = match_keys(*(get(name) for name in CONTACT_FIELDS)).columns()
    if isinstance(target, dict):
        target.update(keys)
    else:
        write(target, **keys)


def row_values(rec: LeadIn) -> dict[str, Any]:
    values = rec.model_dump(exclude=set(NOT_COLUMNS))  # pydantic takes a set, not a frozenset
    values["source"] = rec.source.value
    if values["company_name"] is None:  # an individual: the person is the account
        values["company_name"] = rec.contact_name
    set_keys(values)  # of the row as stored (an individual's name is its company)
    for k in ("company_size", "contact_role", "budget_match"):
        if values[k] is not None:
            values[k] = getattr(rec, k).value
    return values


# Facts that come in pairs, the first never above the second (as LeadIn checks one record).
ORDERED_PAIRS = (("budget_min", "budget_max"),)
MERGE_CONFLICT = "merge_conflict"  # the history line of a pair a merge left as it was


def merge_into(target: Any, rec: LeadIn) -> list[str]:
    """Take the later record's facts into the target (newer facts win; a blank never erases
    a value), join tags, keep the first external id. `target` is a lead (the lead writer
    records each change) or a dict of a row's values.

    A pair the merge would break (a later budget_min above the kept budget_max, say) keeps
    its older values; returns a note of each such conflict, which a lead's history also
    records (`merge_conflict`)."""
    get = target.get if isinstance(target, dict) else lambda k: getattr(target, k)
    incoming = row_values(rec)
    changes = {
        name: incoming[name]
        for name in MERGED_FACTS
        if incoming[name] not in (None, "") and incoming[name] != get(name)
    }
    conflicts = _keep_ordered_pairs(get, changes)
    tags = list(get("tags") or [])
    extra = [t for t in rec.tags if t not in tags]
    if extra:
        changes["tags"] = tags + extra
    if get("external_id") is None and rec.external_id:
        changes["external_id"] = rec.external_id
    if isinstance(target, dict):
        target.update(changes)
        return conflicts
    if changes:
        write(target, **changes)
    for conflict in conflicts:
        note(target, MERGE_CONFLICT, conflict)
    return conflicts


def _keep_ordered_pairs(get: Any, changes: dict[str, Any]) -> list[str]:
    """Drop the changes that would put a pair out of order; describe each."""
    conflicts = []
    for low, high in ORDERED_PAIRS:
        first, second = changes.get(low, get(low)), changes.get(high, get(high))
        if first is None or second is None or first <= second:
            continue
        refused = {name: changes.pop(name) for name in (low, high) if name in changes}
        conflicts.append(
            ", ".join(f"{name} {value}" for name, value in refused.items())
            + f" not taken: {low} would be above {high}; kept {low} {get(low)}, "
            f"{high} {get(high)}"
        )
    return conflicts
