"""Storing incoming leads: validate, dedupe within the batch and against the store, merge
duplicates into the existing lead (with history), bulk-insert the rest, quarantine rejects."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from pydantic import ValidationError
from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.intake.matching import Pending, stored_matches
from leadflow.intake.merge import MERGE_CONFLICT, Keys, merge_into, row_values, set_keys
from leadflow.intake.touches import add_touch, is_repeat_business, returning_inquiry
from leadflow.phrases import listed
from leadflow.rules.config import PrivacyRules, RulesConfig
from leadflow.rules.privacy import Refused, Removed, minimum, minimum_text
from leadflow.rules.vocab import CheckState
from leadflow.schemas import ImportSummary, LeadIn, field_errors, loads_strict, read_lead
from leadflow.store.history import changes_between
from leadflow.store.match_claims import claim_match_keys
from leadflow.store.models import BehaviourEvent, FieldChange, Lead, utcnow
from leadflow.store.outbound_models import QuarantinedRecord
from leadflow.store.rows import insert_leads

# The entry among a quarantined record's errors that says what personal data was not kept.
NOT_STORED = "(personal data removed)"


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
    pending: list[Pending]  # the batch's distinct leads, each with its in-batch repeats
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
    typed: bool = False,
) -> PreparedLeads:
    """Validate numbered raw records, find the repeats among them and build the rows to
    insert, repeats merged in; no I/O. Leads entered `by_hand` (a person, or a person's
    file) wait for a supervisor's check (seed 001); `typed` records are JSON bodies."""
    prepared = PreparedLeads(now or utcnow(), [], [])
    refused = Refused.of(rules.privacy)
    by_token: dict[tuple[str, Any], Pending] = {}
    for row_no, raw in rows:
        try:
            problem = getattr(raw, "problem", None)  # a line the reader could not parse
            if problem:
                raise InvalidInput(problem, {"(record)": problem})
            rec = (
                raw
                if isinstance(raw, LeadIn)
                else read_lead(raw, prepared.received_at, typed, rules.data_quality.need_required)
            )
            if rec.entered_at is not None and rec.entered_at > prepared.received_at:
                problem = (
                    f"{rec.entered_at.isoformat(timespec='minutes')} is after the lead was "
                    f"received ({prepared.received_at.isoformat(timespec='minutes')})"
                )
                raise InvalidInput(listed({"entered_at": problem}), {"entered_at": problem})
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
        item = Pending(rec, keys, row_no)
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
        item.first = row_values(item.record) | stamps
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

    # Claim the batch's keys before looking: a writer storing one of these people at the
    # same moment waits here until this transaction ends (or this one waits for it), so the
    # later of two finds the other's lead instead of storing the person twice.
    claim_match_keys(session, (token for item in pending for token in item.tokens()))
    stored = stored_matches(session, pending) if pending else {}
    fresh: list[Pending] = []
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
                outcome = returning_inquiry(
                    session,
                    existing,
                    rec,
                    origin,
                    _merge_note(rec, origin, row_no),
                    actor,
                    rules,
                    now,
                )
                if outcome == "reactivated":  # the lost lead is open again, maybe owned
                    summary.reactivated += 1
                    summary.assigned += int(existing.owner_id is not None)
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
