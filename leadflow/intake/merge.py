"""Merging a returning contact's record into a lead: the dedupe keys, and the facts a later
record brings (newer facts win, a blank never erases a value, the source never changes)."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from leadflow.rules.contact import company_key, email_key, phone_key
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
        ck = company_key(rec.company_name)
        person = (ck, rec.contact_name.strip().casefold()) if ck and rec.contact_name else None
        return cls(email_key(rec.email), phone_key(rec.phone), person)

    def tokens(self) -> list[tuple[str, Any]]:
        return [
            (k, v)
            for k, v in (("e", self.email), ("p", self.phone), ("c", self.person))
            if v is not None
        ]


def set_keys(target: AnyLead | dict[str, Any]) -> None:
    """Recompute the dedupe keys of a lead row or a row's values after a merge."""
    if isinstance(target, dict):
        keys = Keys.of(SimpleNamespace(**target))
        target.update(
            email_key=keys.email,
            phone_key=keys.phone,
            company_key=keys.person[0] if keys.person else None,
        )
        return
    keys = Keys.of(target)
    write(
        target,
        email_key=keys.email,
        phone_key=keys.phone,
        company_key=keys.person[0] if keys.person else None,
    )


def row_values(rec: LeadIn, keys: Keys) -> dict[str, Any]:
    values = rec.model_dump(exclude=set(NOT_COLUMNS))  # pydantic takes a set, not a frozenset
    values["source"] = rec.source.value
    if values["company_name"] is None:  # an individual: the person is the account
        values["company_name"] = rec.contact_name
    values["email_key"], values["phone_key"] = keys.email, keys.phone
    values["company_key"] = keys.person[0] if keys.person else None
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
    incoming = row_values(rec, Keys.of(rec))
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
