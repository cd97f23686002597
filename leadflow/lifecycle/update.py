"""Editing a lead's facts after intake (spec §1): a budget cut, a new decision maker, a new
timeline. The lead writer keeps every change in the field history, and the one
reassessment policy re-scores, re-grades and recomputes its timers in the same
transaction."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from leadflow.errors import Forbidden, InvalidInput
from leadflow.intake.merge import set_keys
from leadflow.lifecycle.lookup import get_lead
from leadflow.lifecycle.operations import rescore
from leadflow.phrases import N_, listed
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import SENSITIVE
from leadflow.rules.written_record import TODAY, read_written
from leadflow.schemas import LEAD_COLUMNS, NEED_OPTIONAL, LeadIn, field_errors
from leadflow.store.models import Lead
from leadflow.store.uow import flush
from leadflow.store.writer import check_version, write

# The first touch is the lead's source and never changes (spec §1); the external id is the
# sending system's idempotency key.
FIXED = {
    "source": "the first touch is the lead's source and never changes",
    "external_id": "the sending system's id is its idempotency key",
    "entered_by": "who entered the lead is kept as entered",
    "entered_at": "when the lead was entered is kept as entered",
    "to_confirm": "a person confirms by editing the field or by the supervisor's check",
}
# "budget": the budget as written ("50-80万", "100万以上"), both ends at once.
EDITABLE = (*(f for f in LEAD_COLUMNS if f not in FIXED), "budget")
_ANSWERS = {"budget": ("budget", "budget_min", "budget_max"), "timeline": ("timeline",)}


def _budget_as_written(changes: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """ "budget": "50-80万" as both ends; one that cannot be read is refused, naming it."""
    if "budget" not in changes:
        return changes
    rest = {k: v for k, v in changes.items() if k != "budget"}
    written = changes["budget"]
    if written in (None, ""):
        return {"budget_min": None, "budget_max": None, **rest}
    try:
        ends = read_written({"budget": written}, {TODAY: now.date()})
    except ValueError as exc:
        raise InvalidInput(str(exc), {"budget": str(exc).removeprefix("budget: ")}) from None
    return {**ends, **rest}


def update_lead(
    session: Session,
    lead_id: int,
    changes: dict[str, Any],
    *,
    now: dt.datetime,
    rules: RulesConfig,
    sees_sensitive: bool = True,
    expected_version: int | None = None,
) -> Lead:
    """Change any of the lead's §1 facts (null clears an optional one), re-score, re-grade
    and recompute its timers. A stale `expected_version` is a VersionConflict; a sensitive
    field from a caller who may not see it is Forbidden."""
    lead = get_lead(session, lead_id)
    check_version(lead, expected_version)
    for name in changes:
        if name in FIXED:
            raise InvalidInput(
                N_("{name}: cannot be changed ({why})", name=name, why=FIXED[name]),
                {name: N_("cannot be changed")},
            )
        if name not in EDITABLE:
            raise InvalidInput(
                N_("{name}: not a field of a lead", name=name), {name: N_("unknown field")}
            )
    hidden = sorted(set(changes) & {*SENSITIVE, "budget"})
    if hidden and not sees_sensitive:
        raise Forbidden(
            N_(
                "{fields}: only the owner, a manager or a director may change budgets and notes",
                fields=", ".join(hidden),
            )
        )
    if not changes:
        raise InvalidInput(
            N_("nothing to change: name at least one field"), {"(record)": N_("empty")}
        )
    changes = _budget_as_written(changes, now)
    current = {f: getattr(lead, f) for f in LEAD_COLUMNS}
    try:
        # A lead kept without a need (data_quality.need_required: false) can still be
        # edited before it gets one; the need is never emptied by an edit.
        waiting = current.get("need") == "" and "need" not in changes
        context = {TODAY: now.date(), NEED_OPTIONAL: waiting}
        merged = LeadIn.model_validate({**current, **changes}, context=context)
    except ValidationError as exc:
        errors = field_errors(exc)
        raise InvalidInput(listed(errors), errors) from None
    values = {name: getattr(merged, name) for name in changes}
    write(lead, **{k: v.value if isinstance(v, Enum) else v for k, v in values.items()})
    answered = [k for k in lead.to_confirm if set(_ANSWERS.get(k, (k,))) & set(changes)]
    if answered:  # a person set the field: nothing is left to confirm of it
        write(lead, to_confirm={k: v for k, v in lead.to_confirm.items() if k not in answered})
    set_keys(lead)
    rescore(session, lead, now, rules)
    flush(session)
    return lead
