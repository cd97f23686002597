"""Finding the lead an operation names, and reading what a caller gives: a known value of a
vocabulary, a time in the lead's past."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput, NotFound
from leadflow.phrases import N_, listed
from leadflow.rules.text import control_problem
from leadflow.schemas import MAX_ID
from leadflow.store.models import Lead


def get_lead(session: Session, lead_id: int) -> Lead:
    """The lead, or NotFound naming the id (also for an id no row can have: the CLI's
    ids reach here unchecked)."""
    lead = session.get(Lead, lead_id) if 1 <= lead_id <= MAX_ID else None
    if lead is None:
        raise NotFound(N_("lead {lead} does not exist", lead=lead_id))
    return lead


def choice(value: str, vocab: Any, field: str) -> Any:
    """The vocabulary's member for `value`, or InvalidInput naming the field and its values."""
    try:
        return vocab(value)
    except ValueError:
        raise InvalidInput(
            N_(
                "{field}: {value} is not one of {values}",
                field=field,
                value=repr(value),
                values=", ".join(v.value for v in vocab),
            ),
            {field: N_("unknown value")},
        ) from None


def plain_text(**texts: str | None) -> None:
    """Refuse, naming each field, text with a control character other than tab and line
    breaks (rules/text.py), never quoting it: the CLI's way to the rule the API's Text
    type applies (issue 30)."""
    errors = {k: p for k, v in texts.items() if v is not None and (p := control_problem(v, True))}
    if errors:
        raise InvalidInput(listed(errors), errors)


def happened_at(at: dt.datetime | None, now: dt.datetime, field: str = "at") -> dt.datetime:
    """When something happened: `at` when given (a past contact or event recorded later),
    else now. A time in the future is refused, naming `field`; a time without a zone is
    taken as UTC."""
    if at is None:
        return now
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    if at > now + dt.timedelta(minutes=5):  # a little clock skew between machines is fine
        raise InvalidInput(
            N_("{field}: {at} is in the future", field=field, at=at.isoformat()),
            {field: N_("in the future")},
        )
    return at


def lead_time(
    lead: Lead,
    at: dt.datetime | None,
    now: dt.datetime,
    trigger: str | None = None,
    field: str = "at",
) -> dt.datetime:
    """When something happened to the lead (`happened_at`), in the lead's own past: not
    before it was created, and for a move (or a step of its current state, `trigger`) not
    before it entered its current state; a qualification not before its first contact. A
    refusal names `field` and both times."""
    when = happened_at(at, now, field)
    if at is None:
        return when
    bounds: list[tuple[str, dt.datetime | None]] = [(N_("was created"), lead.created_at)]
    if trigger is not None and lead.state != "new":
        entered = N_("entered {state}", state=repr(lead.state))
        bounds.append((entered, getattr(lead, f"{lead.state}_at", None)))
    if trigger == "qualify":
        bounds.append((N_("was first contacted"), lead.first_contacted_at))
    for what, bound in reversed(bounds):  # the nearest bound first: it says the most
        if bound is not None and when < bound:
            raise InvalidInput(
                N_(
                    "{field}: {at} is before lead {lead} {what} ({bound})",
                    field=field,
                    at=when.isoformat(timespec="seconds"),
                    lead=lead.id,
                    what=what,
                    bound=bound.isoformat(timespec="seconds"),
                ),
                {field: N_("before the lead {what}", what=what)},
            )
    return when
