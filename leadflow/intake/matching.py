"""Finding the stored lead each incoming record joins: a pending lead (a batch's record with
its in-batch repeats), its match keys, and one indexed lookup of the leads that have them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ARRAY, Executable, String, any_, bindparam, select, union
from sqlalchemy.orm import Session

from leadflow.intake.merge import Keys
from leadflow.intake.touches import preferred
from leadflow.schemas import LeadIn
from leadflow.store.models import Lead

_LOOKUP_CHUNK = 500


@dataclass
class Pending:
    """A record to store, with its repeats in the same batch and the row it becomes."""

    record: LeadIn
    keys: Keys
    row: int
    merged: list[tuple[int, LeadIn]] = field(default_factory=list)
    first: dict[str, Any] = field(default_factory=dict)  # the row as the first record has it
    values: dict[str, Any] = field(default_factory=dict)  # and with the repeats merged in
    conflicts: list[str] = field(default_factory=list)  # pairs the repeats would break

    def tokens(self) -> list[tuple[str, str]]:
        """The match keys of its records (its first and its in-batch repeats)."""
        records = [self.record, *(rec for _, rec in self.merged)]
        return [
            *(token for rec in records for token in Keys.of(rec).tokens()),
            *(("x", rec.external_id) for rec in records if rec.external_id),
        ]


_KEY_COLUMNS = (
    Lead.id,
    Lead.state,
    Lead.external_id,
    Lead.email,
    Lead.phone,
    Lead.company_name,
    Lead.contact_name,
    Lead.customer_type,
)
_KEY_LISTS = (
    (Lead.email_key, "emails"),
    (Lead.phone_key, "phones"),
    (Lead.company_key, "companies"),
    (Lead.external_id, "external_ids"),
)


def _lookup(column_in: Callable[[Any, str], Any]) -> Executable:
    """The stored leads whose key is in one of four lists, as a UNION of one select per
    key, so that each is an index lookup; leads closed as duplicates of another are no
    match (the lead they joined is)."""
    return union(
        *(
            select(*_KEY_COLUMNS).where(column_in(column, name), Lead.duplicate_of_id.is_(None))
            for column, name in _KEY_LISTS
        )
    ).order_by("id")


# One statement per backend, its lists bound at execution, built and compiled once.
# PostgreSQL takes each list as one array (`= ANY`), so the statement's text never changes:
# psycopg parses it once and the server can keep its plan. Four IN lists made a new text
# per batch, and the OR of the four a sequential scan. Without the arrays, or with one OR,
# the PostgreSQL API missed its p99 target (bench/README.md, issue 27).
_KEYS = ARRAY(String)
_LOOKUP = {
    "postgresql": _lookup(lambda column, name: column == any_(bindparam(name, type_=_KEYS))),
    "sqlite": _lookup(lambda column, name: column.in_(bindparam(name, expanding=True))),
}


def stored_matches(session: Session, pending: list[Pending]) -> dict[int, Lead]:
    """The stored lead each pending record joins (by its index in `pending`): the lead with
    its external id, else the one its contact matches that the inquiry joins (see
    touches.preferred). One lookup per 500 records reads key columns only; just the matched
    leads are loaded whole."""
    by_token: dict[tuple[str, Any], list[tuple[int, str]]] = {}
    connection = session.connection()
    lookup = _LOOKUP[connection.dialect.name]
    for start in range(0, len(pending), _LOOKUP_CHUNK):
        part = pending[start : start + _LOOKUP_CHUNK]
        wanted = {
            "emails": sorted({p.keys.email for p in part if p.keys.email}),
            "phones": sorted({p.keys.phone for p in part if p.keys.phone}),
            "companies": sorted({p.keys.person[0] for p in part if p.keys.person}),
            "external_ids": sorted({p.record.external_id for p in part if p.record.external_id}),
        }
        if not any(wanted.values()):
            continue
        for row in connection.execute(lookup, wanted):  # Core: no ORM state
            if row.external_id is not None:
                by_token.setdefault(("x", row.external_id), []).append((row.id, row.state))
            for token in Keys.of(row).tokens():
                by_token.setdefault(token, []).append((row.id, row.state))
    chosen: dict[int, int] = {}
    for index, item in enumerate(pending):
        same = by_token.get(("x", item.record.external_id)) if item.record.external_id else None
        candidates = same or [c for t in item.keys.tokens() for c in by_token.get(t, [])]
        if candidates:
            chosen[index] = preferred(candidates)
    if not chosen:
        return {}
    # Locked (on PostgreSQL) until this transaction ends, in id order: another writer's
    # change to a lead between this read and the merge would make the merge's version
    # check fail; now that writer waits, or this one waits for it and reads its change.
    joined = select(Lead).where(Lead.id.in_(set(chosen.values()))).order_by(Lead.id)
    leads = {lead.id: lead for lead in session.scalars(joined.with_for_update())}
    return {index: leads[lead_id] for index, lead_id in chosen.items()}
