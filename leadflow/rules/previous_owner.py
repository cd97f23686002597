"""The previous owner first (spec §5 with returning customers): a reactivated lead and a won
customer's repeat inquiry go back to the rep who knows the customer, when that rep is
present and below capacity."""

from __future__ import annotations

import datetime as dt

from leadflow.rules.assignment import Assignment, RepSlot, Roster
from leadflow.rules.explain import PREVIOUS_OWNER, load


def unavailable(slot: RepSlot) -> str | None:
    """Why a rep cannot take one more lead now, or None when they can."""
    if slot.away:
        return f"rep {slot.id} ({slot.name}) is away"
    if slot.open_leads >= slot.capacity:
        return f"rep {slot.id} ({slot.name}) is at capacity ({slot.open_leads}/{slot.capacity})"
    return None


def slot_of(roster: Roster, rep_id: int | None) -> RepSlot | None:
    """The roster's slot of this rep, or None."""
    return next((r for r in roster.reps if r.id == rep_id), None)


def previous_owner(
    roster: Roster, rep_id: int | None, now: dt.datetime, why: str, group: int | None = None
) -> Assignment | None:
    """The previous owner, taking one more lead, when eligible (and, for a key account's
    lead, in its follow-up `group`); None otherwise."""
    slot = slot_of(roster, rep_id)
    if slot is None or unavailable(slot) is not None:
        return None
    if group is not None and slot.team_id != group:
        return None
    slot.open_leads += 1
    slot.last_assigned_at = now
    return Assignment(
        rep_id=slot.id,
        team_id=slot.team_id,
        reason=PREVIOUS_OWNER.format(
            why=why, rep=slot.name or slot.id, load=load(slot.open_leads, slot.capacity)
        ),
    )
