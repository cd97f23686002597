"""Bringing a team's history from its old CRM (`leads import --history`, POST
/leads/history): each row is a lead with its past, stored with its own times through the
lead writer, without the guards a live lead must meet, and marked migrated (`migrated_at`:
when its clocks start, the import or --clock-from).

The past sends nothing: a closed deal gets no timers (and no handoff, followup/due.py and
handoff/package.py skip migrated won deals); an open one is reassessed and its owner's
clocks (first contact, cadence, silence, dormancy, re-verification) start at `clock_from`
(the import, or --clock-from), never at its old dates. Rejected rows go to the quarantine
with their errors, as an import's always do. A row whose external id is stored already is
skipped (importing a file again stores nothing twice)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.intake.history_rows import HistoryReport, PastIn, read_past
from leadflow.intake.merge import Keys, row_values
from leadflow.intake.receive import quarantine
from leadflow.intake.row_keys import record_keys, row_key, stored_keys
from leadflow.lifecycle.reassess import give_owner, reassess
from leadflow.phrases import N_
from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import BehaviourCounts
from leadflow.rules.vocab import State
from leadflow.schemas import LeadIn
from leadflow.store.match_claims import claim_match_keys
from leadflow.store.models import Lead, SalesRep
from leadflow.store.writer import record_transition, write
from leadflow.team.zones import zone_of


def check_clock(clock_from: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When open deals' clocks start: `clock_from`, never in the future (default: now)."""
    if clock_from is None:
        return now
    if clock_from.tzinfo is None:
        raise InvalidInput(N_("--clock-from: give a time zone (2026-01-05T09:00+00:00)"))
    if clock_from > now:
        raise InvalidInput(
            N_(
                "--clock-from {clock_from}: in the future (now {now})",
                clock_from=clock_from.isoformat(),
                now=now.isoformat(),
            ),
            {"clock_from": "in the future"},
        )
    return clock_from


class Owners:
    """The reps a history names, by name or email (ignoring case)."""

    def __init__(self, session: Session) -> None:
        self.by_key: dict[str, list[tuple[int, int | None]]] = {}
        for rep_id, name, email, team_id in session.execute(
            select(SalesRep.id, SalesRep.name, SalesRep.email, SalesRep.team_id)
        ):
            for key in {name.casefold(), (email or "").casefold()} - {""}:
                self.by_key.setdefault(key, []).append((rep_id, team_id))

    def find(self, owner: str) -> tuple[int, int | None] | str:
        """The rep and their team, or why the owner cannot be told."""
        found = self.by_key.get(owner.casefold(), [])
        if len(found) == 1:
            return found[0]
        if not found:
            return f"{owner!r} is no rep's name or email; add the rep first (`leadflow reps add`)"
        return f"{owner!r} names {len(found)} reps; give the rep's email"


CHUNK = 500  # rows checked, claimed and flushed together


def import_history(
    session: Session,
    rows: Iterable[tuple[int, Any]],
    origin: str,
    rules: RulesConfig,
    *,
    now: dt.datetime,
    clock_from: dt.datetime | None = None,
    shown: int = 20,
    file_digest: str | None = None,
) -> HistoryReport:
    """Store a CRM's history rows in the caller's transaction (see the module's note), a
    chunk at a time: one look for stored external ids, one claim of match keys and one
    flush per chunk. A row is known again by its external id; from a file (its
    `file_digest`), a row without one is known by the file's bytes and the row, as
    `leads import` knows it (intake/row_keys.py), so importing the file again stores
    nothing twice."""
    start = check_clock(clock_from, now)
    report = HistoryReport(clock_from=start)
    owners = Owners(session)
    actor = str(session.info.get("actor", "system"))
    seen: dict[str, int] = {}
    run = uuid.uuid4().hex
    source = iter(rows)
    while batch := list(islice(source, CHUNK)):
        read = [(row_no, raw, *read_past(raw, rules, now)) for row_no, raw in batch]
        stored = _stored(session, {r[2].external_id for r in read if r[2] and r[2].external_id})
        keys = _row_keys(file_digest, read)
        known = stored_keys(session, keys.values())
        good: list[tuple[LeadIn, PastIn, tuple[int | None, int | None]]] = []
        stored_rows: list[str] = []
        for row_no, raw, lead, past, errors in read:
            if row_no in keys and keys[row_no] in known:  # by an earlier import of the file
                report.replayed += 1
                continue
            owner: tuple[int | None, int | None] | str = (None, None)
            if lead is not None and past is not None:
                errors = _in_time(past, start, now)
                owner = owners.find(past.owner) if past.owner else owner
                if isinstance(owner, str):
                    errors["owner"] = owner
                if lead.external_id in seen:
                    errors["external_id"] = f"also on row {seen[lead.external_id]}"
                elif lead.external_id in stored:  # by an earlier import
                    report.replayed += 1
                    continue
                elif lead.external_id is not None:
                    seen[lead.external_id] = row_no
            if errors or lead is None or past is None or isinstance(owner, str):
                kept = getattr(raw, "verbatim", raw)
                where = f"{origin} row {row_no}"
                qid = quarantine(session, where, kept, errors, rules.privacy, now)
                report.reject(row_no, errors, qid, shown)
                continue
            good.append((lead, past, owner))
            stored_rows += [keys[row_no]] if row_no in keys else []
        _store_chunk(session, good, origin, actor, rules, now, start)
        record_keys(session, stored_rows, run, origin, now)
        report.accepted += len(good)
        report.closed += sum(int(past.closed) for _, past, _ in good)
        report.open += sum(int(not past.closed) for _, past, _ in good)
    return report


def _row_keys(digest: str | None, read: list[Any]) -> dict[int, str]:
    """The row keys of a file's rows that have no external id (none without the file)."""
    if digest is None:
        return {}
    return {
        row_no: row_key(digest, row_no, raw)
        for row_no, raw, lead, _, _ in read
        if lead is None or lead.external_id is None
    }


def _in_time(past: PastIn, start: dt.datetime, now: dt.datetime) -> dict[str, str]:
    """A row's times against the import: none in the future, and an open deal's clocks
    cannot start before it was created."""
    if past.latest > now:
        return {"(record)": f"{past.latest.isoformat(timespec='minutes')} is in the future"}
    if not past.closed and past.latest > start:
        return {
            "(record)": f"{past.latest.isoformat(timespec='minutes')} is after the clocks' "
            f"start ({start.isoformat(timespec='minutes')}, --clock-from): an open deal's "
            "clocks cannot start before its recorded past"
        }
    return {}


def _stored(session: Session, external_ids: set[str]) -> set[str]:
    """The external ids a lead has already."""
    if not external_ids:
        return set()
    with session.no_autoflush:
        query = select(Lead.external_id).where(Lead.external_id.in_(external_ids))
        return {x for x in session.scalars(query) if x is not None}


def _steps(past: PastIn) -> list[tuple[str, str, dt.datetime]]:
    """The moves the history records, in time order: (trigger, state, when)."""
    steps = []
    if past.screened_at is not None:
        steps.append(("screen", State.screened.value, past.screened_at))
    if past.opportunity_at is not None:
        steps.append(("qualify", State.opportunity.value, past.opportunity_at))
    if past.negotiation_at is not None:
        steps.append(("start_negotiation", State.negotiation.value, past.negotiation_at))
    if past.state is State.nurturing:  # no time of its own: as of the latest one recorded
        steps.append(("start_nurturing", State.nurturing.value, past.latest))
    if past.state is State.won and past.closed_at is not None:
        steps.append(("win", State.won.value, past.closed_at))
    if past.state is State.lost and past.closed_at is not None:
        steps.append(("lose" if steps else "disqualify", State.lost.value, past.closed_at))
    return steps


def _store_chunk(
    session: Session,
    good: list[tuple[LeadIn, PastIn, tuple[int | None, int | None]]],
    origin: str,
    actor: str,
    rules: RulesConfig,
    now: dt.datetime,
    start: dt.datetime,
) -> None:
    """A chunk's migrated leads, each with its moves in time order; then (open ones) its
    reassessment and its owner's clocks from `start`."""
    claim_match_keys(session, (token for lead, _, _ in good for token in Keys.of(lead).tokens()))
    stored = [
        (_lead(session, rec, past, owner, origin, actor, start), past) for rec, past, owner in good
    ]
    session.flush()  # the leads' stored defaults, for the rules to read
    zones: dict[int | None, ZoneInfo] = {}
    for lead, past in stored:
        if past.closed:
            continue
        zone = zones.get(lead.team_id) or zones.setdefault(
            lead.team_id, zone_of(session, lead.team_id, rules)
        )
        reassess(lead, BehaviourCounts(), start, rules, zone)  # keeps the history's verdict
        if lead.owner_id is not None:
            give_owner(lead, lead.owner_id, start, rules, zone)
        write(lead, facts_confirmed_at=start)
    session.flush()


def _lead(
    session: Session,
    rec: LeadIn,
    past: PastIn,
    owner: tuple[int | None, int | None],
    origin: str,
    actor: str,
    start: dt.datetime,
) -> Lead:
    """One migrated lead, added to the session with its moves (not flushed)."""
    owner_id, team_id = owner
    closed_at = past.closed_at if past.closed else None
    lead = Lead()
    # Its values are set before it joins the session: the chunk claimed its match keys.
    values = row_values(rec) | {
        "entered_by": rec.entered_by or actor,
        "entered_at": rec.entered_at or past.created_at,
        "created_at": past.created_at,
        "owner_id": owner_id,
        "team_id": team_id,
        "contract_value": past.contract_value,
        "loss_reason": past.loss_reason,
        "valid": past.screened,
        "invalid_reason": past.loss_reason if past.screened is False else None,
        "migrated_at": start,
        "last_interaction_at": closed_at or start,
        "state": past.state.value,
    }
    write(lead, **values)
    session.add(lead)
    with session.no_autoflush:  # the lead goes in whole, with its moves, at the flush
        before = State.new.value
        for trigger, state, at in _steps(past):
            why = past.loss_reason if state == State.lost.value else f"migrated: {origin}"
            record_transition(lead, before, state, trigger, actor, why, at)
            before = state
    return lead
