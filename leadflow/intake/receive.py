"""Storing incoming leads: validate, dedupe within the batch and against the store, merge
duplicates into the existing lead (with history), bulk-insert the rest, quarantine rejects."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import (
    ARRAY,
    Executable,
    String,
    Table,
    any_,
    bindparam,
    insert,
    select,
    union,
)
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.intake.merge import MERGE_CONFLICT, Keys, merge_into, row_values, set_keys
from leadflow.intake.touches import add_touch, is_repeat_business, preferred, returning_inquiry
from leadflow.rules.config import PrivacyRules, RulesConfig
from leadflow.rules.privacy import Refused, Removed, minimum, minimum_text
from leadflow.rules.vocab import CheckState
from leadflow.schemas import ImportSummary, LeadIn, field_errors, loads_strict, read_lead
from leadflow.store.history import changes_between
from leadflow.store.models import BehaviourEvent, FieldChange, Lead, utcnow
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.rows import insert_leads

_LOOKUP_CHUNK = 500
# The entry among a quarantined record's errors that says what personal data was not kept.
NOT_STORED = "(personal data removed)"


@dataclass
class _Pending:
    record: LeadIn
    keys: Keys
    row: int
    merged: list[tuple[int, LeadIn]] = field(default_factory=list)
    first: dict[str, Any] = field(default_factory=dict)  # the row as the first record has it
    values: dict[str, Any] = field(default_factory=dict)  # and with the repeats merged in
    conflicts: list[str] = field(default_factory=list)  # pairs the repeats would break


def _merge_note(rec: LeadIn, origin: str, row: int) -> str:
    return json.dumps(
        {
            "source": rec.source.value,
            "source_detail": rec.source_detail,
            "external_id": rec.external_id,
            "origin": origin,
            "row": row,
        },
        ensure_ascii=False,
    )


_KEY_COLUMNS = (
    Lead.id,
    Lead.state,
    Lead.external_id,
    Lead.email,
    Lead.phone,
    Lead.company_name,
    Lead.contact_name,
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


def _stored_matches(session: Session, pending: list[_Pending]) -> dict[int, Lead]:
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
    leads = {
        lead.id: lead
        for lead in session.scalars(select(Lead).where(Lead.id.in_(set(chosen.values()))))
    }
    return {index: leads[lead_id] for index, lead_id in chosen.items()}


def _quarantine_values(
    origin: str, payload: Any, errors: dict[str, str], now: dt.datetime, refused: Refused
) -> dict[str, Any]:
    """The quarantine row of a rejected record: what was sent, less the personal data the
    product refuses (rule book: minimum necessary data), with a note of what was removed."""
    if isinstance(payload, str):
        text, removed = _minimum_text(payload, refused)
    else:
        removed = Removed()
        text = json.dumps(minimum(payload, refused, removed), ensure_ascii=False, default=str)
    note = removed.note()
    kept = [Removed().mask(f"{k}: {v}") for k, v in errors.items()]  # a message may quote it
    return {
        "origin": origin,
        "payload": text,
        "received_at": now,
        "errors": [*kept, f"{NOT_STORED}: {note}"] if note else kept,
    }


def _minimum_text(text: str, refused: Refused) -> tuple[str, Removed]:
    """A body as sent, or, when it held personal data, a JSON body re-written without it;
    text that is not JSON (or nested too deeply to walk) keeps every other character."""
    removed = Removed()
    try:
        kept = minimum(loads_strict(text), refused, removed)
        return (json.dumps(kept, ensure_ascii=False) if removed.note() else text), removed
    except (ValueError, RecursionError):  # malformed, duplicate keys, NaN, too deep
        removed = Removed()
        return minimum_text(text, refused, removed), removed


def quarantine(
    session: Session,
    origin: str,
    payload: Any,
    errors: dict[str, str],
    privacy: PrivacyRules,
    now: dt.datetime | None = None,
) -> int:
    """Keep a rejected record with its errors, less refused personal data; returns the
    quarantine id."""
    row = QuarantinedRecord(
        **_quarantine_values(origin, payload, errors, now or utcnow(), Refused.of(privacy))
    )
    session.add(row)
    session.flush()
    return row.id


def _quarantine_all(session: Session, rejects: list[dict[str, Any]]) -> list[int]:
    """Keep a batch's rejected records in one INSERT; returns their ids in order."""
    table = cast(Table, QuarantinedRecord.__table__)
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.connection().execute(stmt, rejects).scalars().all()) if rejects else []


@dataclass
class PreparedLeads:
    """Numbered records validated and deduped among themselves, before any database work
    (so an API worker can do it before its turn to write)."""

    received_at: dt.datetime
    pending: list[_Pending]  # the batch's distinct leads, each with its in-batch repeats
    rejects: list[tuple[int, dict[str, str], dict[str, Any]]]  # row, errors, quarantined


def store_leads(
    session: Session,
    rows: Iterable[tuple[int, Any]],
    origin: str,
    rules: RulesConfig,
    now: dt.datetime | None = None,
    by_hand: bool = False,
) -> ImportSummary:
    """Validate, dedupe and store numbered raw records in the caller's transaction
    (history names the unit of work's actor)."""
    prepared = prepare_leads(rows, origin, rules, now, by_hand)
    return store_prepared(session, prepared, origin, rules)


def prepare_leads(
    rows: Iterable[tuple[int, Any]],
    origin: str,
    rules: RulesConfig,
    now: dt.datetime | None = None,
    by_hand: bool = False,
) -> PreparedLeads:
    """Validate numbered raw records, find the repeats among them and build the rows to
    insert, repeats merged in; no I/O. Leads entered `by_hand` (a person, or a person's
    file) wait for a supervisor's check (seed 001)."""
    prepared = PreparedLeads(now or utcnow(), [], [])
    refused = Refused.of(rules.privacy)
    by_token: dict[tuple[str, Any], _Pending] = {}
    for row_no, raw in rows:
        try:
            problem = getattr(raw, "problem", None)  # a line the reader could not parse
            if problem:
                raise InvalidInput(problem, {"(record)": problem})
            rec = raw if isinstance(raw, LeadIn) else read_lead(raw, prepared.received_at)
            if rec.entered_at is not None and rec.entered_at > prepared.received_at:
                problem = (
                    f"{rec.entered_at.isoformat(timespec='minutes')} is after the lead was "
                    f"received ({prepared.received_at.isoformat(timespec='minutes')})"
                )
                raise InvalidInput(f"entered_at: {problem}", {"entered_at": problem})
        except (ValidationError, InvalidInput) as exc:
            errors = field_errors(exc) if isinstance(exc, ValidationError) else exc.errors
            kept = getattr(raw, "verbatim", raw)  # a sheet's row under its own headers
            prepared.rejects.append(
                (
                    row_no,
                    errors,
                    _quarantine_values(
                        f"{origin} row {row_no}", kept, errors, prepared.received_at, refused
                    ),
                )
            )
            continue
        keys = Keys.of(rec)
        twin = next((by_token[t] for t in keys.tokens() if t in by_token), None)
        if twin is None and rec.external_id:
            twin = by_token.get(("x", rec.external_id))
        if twin is not None:
            twin.merged.append((row_no, rec))
            continue
        item = _Pending(rec, keys, row_no)
        prepared.pending.append(item)
        for token in keys.tokens():
            by_token.setdefault(token, item)
        if rec.external_id:
            by_token[("x", rec.external_id)] = item
    stamps = {
        "created_at": prepared.received_at,
        "last_interaction_at": prepared.received_at,
        "facts_confirmed_at": prepared.received_at,
        "check_state": (
            CheckState.pending.value if by_hand and rules.data_quality.check_entries else None
        ),
    }
    for item in prepared.pending:
        item.first = row_values(item.record, item.keys) | stamps
        item.values = dict(item.first)
        for _row_no, rec in item.merged:
            item.conflicts += merge_into(item.values, rec)
        if item.merged:
            set_keys(item.values)
    return prepared


def store_prepared(
    session: Session, prepared: PreparedLeads, origin: str, rules: RulesConfig
) -> ImportSummary:
    """Store prepared records in the caller's transaction: quarantine the rejects, merge
    repeats of stored leads into them, insert the rest. It only reads `prepared`, so it
    can run again after a rollback."""
    now, pending, rejects = prepared.received_at, prepared.pending, prepared.rejects
    actor = str(session.info.get("actor", "system"))
    summary = ImportSummary()
    quarantine_ids = _quarantine_all(session, [stored for _, _, stored in rejects])
    for (row_no, errors, _), qid in zip(rejects, quarantine_ids, strict=True):
        summary.rejected += 1
        summary.rejections.append({"row": row_no, "errors": errors, "quarantine_id": qid})

    stored = _stored_matches(session, pending) if pending else {}
    fresh: list[_Pending] = []
    events: list[dict[str, Any]] = []
    repeats: dict[int, int] = {}  # index in `fresh` -> the won lead it repeats
    for index, item in enumerate(pending):
        existing = stored.get(index)
        if (
            existing is not None
            and is_repeat_business(existing)
            and not _resent(existing, item.record)
        ):
            repeats[len(fresh)] = existing.id
            existing = None  # a won customer's new inquiry: a new lead, linked to the won one
        if existing is None:
            fresh.append(item)
            continue
        for row_no, rec in [(item.row, item.record), *item.merged]:
            if not _resent(existing, rec):
                returning_inquiry(
                    session,
                    existing,
                    rec,
                    origin,
                    _merge_note(rec, origin, row_no),
                    actor,
                    rules,
                    now,
                )
            summary.duplicates += 1
            summary.duplicate_of[row_no] = existing.id
        events.extend(_event_rows(existing.id, [item.record, *(r for _, r in item.merged)]))

    if fresh:
        # A won customer's new inquiry goes in linked to the lead it repeats.
        ids = insert_leads(
            session,
            [
                {
                    **item.values,
                    "entered_by": item.values.get("entered_by") or actor,
                    "created_by_key": session.info.get("api_key_id"),
                    "repeat_of_id": repeats.get(index),
                }
                for index, item in enumerate(fresh)
            ],
        )
        for item, lead_id in zip(fresh, ids, strict=True):
            summary.lead_ids.append(lead_id)
            events.extend(_event_rows(lead_id, [item.record, *(r for _, r in item.merged)]))
            if item.merged:  # what the batch's duplicates changed: the first source, say
                session.add_all(changes_between(lead_id, item.first, item.values, actor, now))
            session.add_all(
                FieldChange(
                    lead_id=lead_id, field=MERGE_CONFLICT, new_value=text, actor=actor, at=now
                )
                for text in item.conflicts
            )
            for row_no, rec in item.merged:
                session.add(
                    FieldChange(
                        lead_id=lead_id,
                        field="merged_duplicate",
                        new_value=_merge_note(rec, origin, row_no),
                        actor=actor,
                        at=now,
                    )
                )
                add_touch(session, lead_id, rec, origin, now, "merged")
                summary.duplicates += 1
                summary.duplicate_of[row_no] = lead_id
    if events:
        session.execute(insert(BehaviourEvent), events)
    summary.accepted = len(fresh)
    session.flush()
    return summary


def _event_rows(lead_id: int, records: list[LeadIn]) -> list[dict[str, Any]]:
    """The behaviour events the records carried, as rows of the lead (spec §4: they score
    at intake, caps applied by the rules)."""
    return [
        {
            "lead_id": lead_id,
            "kind": e.kind.value,
            "at": e.at.astimezone(dt.UTC),
            "detail": e.detail,
        }
        for rec in records
        for e in rec.events
    ]


def _resent(lead: Lead, rec: LeadIn) -> bool:
    """The same record sent again (same external id): idempotent, nothing new to learn."""
    return bool(rec.external_id) and rec.external_id == lead.external_id
