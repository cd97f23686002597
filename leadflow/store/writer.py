"""The one lead writer: every change to a lead row goes through this module.

- `write(lead, **values)` sets a loaded lead's columns. On a stored ORM `Lead` it adds one
  history row per tracked field whose value changes, from the old and new values it holds
  here (no session internals); the mapper's version column guards the UPDATE. On a chunk's
  `LeadRow` it sets the values, and `save_rows` writes them back.
- `fire(lead, trigger, ...)` moves a lead through the one lifecycle machine: the machine
  says whether the move is legal, and the new state, its time stamp and the audit row are
  written here, in the lead's own transaction.
- `save_rows(rows, leads, now)` writes a chunk's changed rows back in one version-checked
  executemany UPDATE, with their history; `write_where` changes a set of stored leads the
  same way.

What follows from changed facts (score, grade, timers) is decided in one other place,
`leadflow.lifecycle.reassess`; this module only writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from leadflow.errors import VersionConflict
from leadflow.rules.config import SUB_STAGED, RulesConfig
from leadflow.rules.contact import CONTACT_FIELDS, match_keys
from leadflow.rules.vocab import State
from leadflow.statemachines.lead import fire as machine_fire
from leadflow.store.history import history_values
from leadflow.store.match_claims import claim_match_keys
from leadflow.store.models import FieldChange, Lead, TransitionAudit, utcnow
from leadflow.store.rows import LEADS, ChunkRows, LeadRow, chunk_rows, load_rows

AnyLead = Lead | LeadRow
CONTACT_FIELDS_SET = frozenset(CONTACT_FIELDS)


@contextmanager
def changes_at(session: Session, when: dt.datetime) -> Iterator[None]:
    """Within the block, the history of the changes written is stamped `when` (the time a
    step happened, given with --at or "at", or the service's `now`), not the wall clock:
    the win model reads each lead as it stood at a past time from these stamps."""
    before = session.info.get("at")
    session.info["at"] = when
    try:
        yield
    finally:
        session.info["at"] = before


def _stamp(session: Session) -> dt.datetime:
    """When the changes being written happened: `changes_at`'s time, else now."""
    return session.info.get("at") or utcnow()


def write(lead: AnyLead, **values: Any) -> None:
    """Set the lead's columns to `values`; a stored lead's tracked fields that change get a
    history row (who, from `session.info["actor"]`, and when: `changes_at`'s time, else
    now) in the same transaction. A
    change of a contact field changes the match keys with it (`email_key`, ...); a stored
    lead's new keys are claimed first (store.match_claims)."""
    if CONTACT_FIELDS_SET & values.keys():
        values = {**values, **_keys_after(lead, values)}
    if isinstance(lead, LeadRow):
        for key, value in values.items():
            setattr(lead, key, value)
        return
    session = object_session(lead)
    if session is not None and lead.id is not None:
        before = {key: getattr(lead, key) for key in values}
        actor = str(session.info.get("actor", "system"))
        session.add_all(
            FieldChange(**row)
            for row in history_values(lead.id, before, values, actor, _stamp(session))
        )
    for key, value in values.items():
        setattr(lead, key, value)


def _keys_after(lead: AnyLead, values: dict[str, Any]) -> dict[str, Any]:
    """The match key columns of the lead with `values` set; on a stored lead whose keys
    change, held by this transaction from now on, as a new record's are."""
    fields = [values[name] if name in values else getattr(lead, name) for name in CONTACT_FIELDS]
    keys = match_keys(*fields)
    session = object_session(lead) if isinstance(lead, Lead) else None
    if session is not None and keys.columns() != {k: getattr(lead, k) for k in keys.columns()}:
        claim_match_keys(session, keys.tokens())
    return keys.columns()


def note(lead: AnyLead, field: str, text: str) -> None:
    """Keep a line in the lead's history that no column change makes (a merge's conflict,
    say): `field` names what it is about, `text` says what happened."""
    session = lead.rows.session if isinstance(lead, LeadRow) else object_session(lead)
    if session is None or lead.id is None:
        raise RuntimeError("a lead must be stored in a unit of work to keep a note")
    row = {
        "lead_id": lead.id,
        "field": field,
        "old_value": None,
        "new_value": text,
        "actor": str(session.info.get("actor", "system")),
        "at": _stamp(session),
    }
    if isinstance(lead, LeadRow):
        lead.keep(FieldChange, row)
    else:
        session.add(FieldChange(**row))


def check_version(lead: Lead, expected: int | None) -> None:
    """A change made against an older version of the lead is a VersionConflict."""
    if expected is not None and expected != lead.version:
        raise VersionConflict(
            f"lead {lead.id} is at version {lead.version}, the change was "
            f"made against version {expected}",
            lead_id=lead.id,
        )


class _Moving:
    """A lead as the lifecycle machine sees it: it reads the lead's facts, and what the
    machine sets (the state) and records (the transition) goes through this writer."""

    __slots__ = ("lead",)

    def __init__(self, lead: AnyLead) -> None:
        object.__setattr__(self, "lead", lead)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.lead, name)

    def __setattr__(self, name: str, value: Any) -> None:
        write(self.lead, **{name: value})

    def record_transition(self, *args: Any, **audit: Any) -> None:
        """The machine's record of a move (statemachines.lead.Stateful), written here."""
        record_transition(self.lead, *args, **audit)


def fire(
    lead: AnyLead,
    trigger: str,
    *,
    by: str,
    at: dt.datetime,
    rules: RulesConfig,
    reason: str | None = None,
) -> str:
    """Move one loaded lead by `trigger` (IllegalTransition or GuardRefused change nothing);
    returns the new state. A lead entering opportunity or negotiation starts at the state's
    first sub-stage (none when it has none); leaving it clears the sub-stage."""
    before = lead.state
    after = machine_fire(_Moving(lead), trigger, by=by, at=at, rules=rules, reason=reason)
    if after != before and (before in SUB_STAGED or after in SUB_STAGED):
        first = rules.stages.of(after)[:1]
        write(lead, sub_stage=first[0] if first else None, sub_stage_at=at if first else None)
    return after


def record_transition(
    lead: AnyLead,
    from_state: str,
    to_state: str,
    trigger: str,
    actor: str,
    reason: str | None,
    at: dt.datetime,
) -> None:
    """Stamp when the lead entered the state (the first opportunity's time is kept for
    good) and keep the audit row beside the lead's change."""
    stamp = f"{to_state}_at"  # every state but `new` has its column
    stamps: dict[str, Any] = {stamp: at} if stamp in LEADS.c else {}
    if to_state == State.opportunity.value and lead.first_opportunity_at is None:
        stamps["first_opportunity_at"] = at
    if stamps:
        write(lead, **stamps)
    audit = {
        "from_state": from_state,
        "to_state": to_state,
        "trigger": trigger,
        "actor": actor,
        "reason": reason,
        "at": at,
    }
    if isinstance(lead, LeadRow):
        lead.keep(TransitionAudit, {"lead_id": lead.id, **audit})
        return
    session = object_session(lead)
    if session is None:
        raise RuntimeError("a lead must belong to a unit of work to change state")
    if lead.id is None:  # not flushed yet: let the relationship fill in the id
        lead.transitions.add(TransitionAudit(**audit))
    else:  # the common case, and much cheaper than building the collection
        session.add(TransitionAudit(lead_id=lead.id, **audit))


def save_rows(rows: ChunkRows, leads: list[LeadRow], now: dt.datetime | None = None) -> int:
    """Write the leads' changes back in one executemany UPDATE, each guarded by the version
    it was loaded at (raises StaleDataError, so the transaction rolls back, when another
    writer got there first), and keep their field history in the chunk's rows; returns how
    many leads changed."""
    changed = [(lead, lead.changes()) for lead in leads]
    changed = [(lead, diff) for lead, diff in changed if diff]
    if not changed:
        return 0
    session = rows.session
    stamp = now or utcnow()
    actor = str(session.info.get("actor", "system"))
    keys = sorted({k for _lead, diff in changed for k in diff})
    params = []
    for lead, diff in changed:
        params.append(
            {
                **{k: getattr(lead, k) for k in keys},
                "version": lead.version + 1,
                "updated_at": stamp,
                "b_id": lead.id,
                "b_version": lead.version,
            }
        )
        for values in history_values(lead.id, lead.loaded(), diff, actor, stamp):
            rows.add(FieldChange, values)
    statement = update(LEADS).where(
        LEADS.c.id == bindparam("b_id"), LEADS.c.version == bindparam("b_version")
    )
    result = session.connection().execute(statement, params)
    if session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
        raise StaleDataError(
            f"{len(params) - result.rowcount} of {len(params)} leads were "
            "changed by another writer since they were loaded"
        )
    for lead, diff in changed:
        lead.version += 1
        lead.loaded().update(diff)
    return len(changed)


def write_where(session: Session, lead_ids: Iterable[int], now: dt.datetime, **values: Any) -> int:
    """Set the same values on a set of stored leads, version-checked, with their history;
    returns how many changed."""
    ids = list(lead_ids)
    if not ids:
        return 0
    with chunk_rows(session) as rows:
        leads = load_rows(rows, Lead.id.in_(ids), columns=values)
        for lead in leads:
            write(lead, **values)
        changed = save_rows(rows, leads, now)
    return changed
