"""Negotiation minutes (seed 003: 形成《谈判纪要》…由客户方联系人签字确认): after each
negotiation the rep records the points agreed, the issues still open, and the customer
contact who confirmed them and when. The product records who confirmed and when; the
signature itself stays on paper. A negotiation contact left without minutes reminds the
owner (followup.due); the handoff package lists the minutes for delivery."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.lifecycle.lookup import get_lead, lead_time
from leadflow.phrases import N_
from leadflow.rules.vocab import State
from leadflow.store.deal_models import NegotiationMinutes
from leadflow.store.uow import flush
from leadflow.store.writer import note, write

# What one entry answers with (the CLI's --json, the API's MinutesOut).
MINUTES = (
    "id",
    "lead_id",
    "held_at",
    "agreed",
    "open_issues",
    "confirmed_by",
    "confirmed_title",
    "confirmed_at",
    "recorded_by",
    "recorded_at",
)
_NAME_LENGTH = 120  # the columns' width
_POINT_LENGTH = 2000  # a point is a sentence or a paragraph, not a document


def _points(values: Iterable[str], field: str) -> list[str]:
    """The non-empty points given, stripped; one too long is refused naming the field."""
    points = [v.strip() for v in values if v and v.strip()]
    for point in points:
        if len(point) > _POINT_LENGTH:
            raise InvalidInput(
                N_(
                    "{field}: a point is longer than {point_length} characters",
                    field=field,
                    point_length=_POINT_LENGTH,
                ),
                {field: "too long"},
            )
    return points


def _name(value: str | None, field: str) -> str | None:
    """A stripped name or title (None when blank); one too long is refused."""
    text = (value or "").strip()
    if len(text) > _NAME_LENGTH:
        raise InvalidInput(
            N_("{field}: longer than {most} characters", field=field, most=_NAME_LENGTH),
            {field: "too long"},
        )
    return text or None


def record_minutes(
    session: Session,
    lead_id: int,
    *,
    held_at: dt.datetime | None,
    agreed: Iterable[str],
    confirmed_by: str | None,
    by: str,
    now: dt.datetime,
    open_issues: Iterable[str] = (),
    confirmed_title: str | None = None,
    confirmed_at: dt.datetime | None = None,
) -> NegotiationMinutes:
    """Record the minutes of a negotiation held at `held_at` (None: now, recorded right
    after it) on a lead in negotiation: the points agreed (at least one), the issues still
    open, and the customer contact who confirmed them (`confirmed_at`: when, default now;
    not before the negotiation). Each refusal names the field or the precondition; the
    entry is kept in the lead's history."""
    lead = get_lead(session, lead_id)
    if lead.state != State.negotiation.value:
        raise GuardRefused(
            lead.id,
            "minutes",
            N_(
                "negotiation minutes are recorded while the lead is in negotiation (state {state})",
                state=lead.state,
            ),
        )
    # In the lead's past, and not before its negotiation started (the "minutes" step of
    # its current state), like any time given (docs/rules.md §2).
    held = lead_time(lead, held_at, now, "minutes", field="held_at")
    points = _points(agreed, "agreed")
    if not points:
        raise InvalidInput(
            N_("agreed: no point agreed is given; the minutes record what was agreed"),
            {"agreed": N_("required")},
        )
    issues = _points(open_issues, "open_issues")
    contact = _name(confirmed_by, "confirmed_by")
    if contact is None:
        raise InvalidInput(
            N_(
                "confirmed_by: no customer contact confirmed the minutes; name the customer's "
                "contact who confirmed them"
            ),
            {"confirmed_by": N_("required")},
        )
    title = _name(confirmed_title, "confirmed_title")
    confirmed = lead_time(lead, confirmed_at, now, field="confirmed_at")
    if confirmed < held:
        raise InvalidInput(
            N_(
                "confirmed_at: {confirmed} is before the negotiation was held ({held})",
                confirmed=confirmed.isoformat(timespec="seconds"),
                held=held.isoformat(timespec="seconds"),
            ),
            {"confirmed_at": "before the negotiation"},
        )
    row = NegotiationMinutes(
        lead_id=lead.id,
        held_at=held,
        agreed=points,
        open_issues=issues,
        confirmed_by=contact,
        confirmed_title=title,
        confirmed_at=confirmed,
        recorded_by=by,
        recorded_at=now,
    )
    session.add(row)
    note(lead, "negotiation_minutes", _history_text(row))
    write(lead, last_interaction_at=max(lead.last_interaction_at or held, held))
    flush(session)
    return row


def confirmer(row: NegotiationMinutes | dict[str, Any]) -> str:
    """Who confirmed the minutes: the contact's name, with the title when given."""
    name, title = (
        (row["confirmed_by"], row["confirmed_title"])
        if isinstance(row, dict)
        else (row.confirmed_by, row.confirmed_title)
    )
    return f"{name} ({title})" if title else name


def _history_text(row: NegotiationMinutes) -> str:
    """The entry as the lead's history keeps it."""
    issues = "; ".join(row.open_issues) or "-"
    return (
        f"held {row.held_at:%Y-%m-%d %H:%M} UTC; agreed: {'; '.join(row.agreed)}; "
        f"open: {issues}; confirmed by {confirmer(row)} on {row.confirmed_at:%Y-%m-%d %H:%M} UTC"
    )


def minutes_of(row: NegotiationMinutes) -> dict[str, Any]:
    """One entry as plain data."""
    return {name: getattr(row, name) for name in MINUTES}


def minutes_rows(session: Session, lead_id: int) -> list[dict[str, Any]]:
    """A lead's minutes, in the order the negotiations were held."""
    return [
        minutes_of(row)
        for row in session.scalars(
            select(NegotiationMinutes)
            .where(NegotiationMinutes.lead_id == lead_id)
            .order_by(NegotiationMinutes.held_at, NegotiationMinutes.id)
        )
    ]


def list_minutes(session: Session, lead_id: int) -> list[dict[str, Any]]:
    """A lead's minutes (NotFound for an unknown lead), for `leads minutes --list` and GET."""
    return minutes_rows(session, get_lead(session, lead_id).id)


def package_minutes(session: Session, lead_id: int) -> list[dict[str, Any]]:
    """The minutes as the handoff package stores them (JSON: times as ISO text): what was
    agreed and is still open, and who confirmed it, so delivery knows what was agreed."""
    return [
        {
            "held_at": m["held_at"].isoformat(),
            "agreed": m["agreed"],
            "open_issues": m["open_issues"],
            "confirmed_by": confirmer(m),
            "confirmed_at": m["confirmed_at"].isoformat(),
        }
        for m in minutes_rows(session, lead_id)
    ]
