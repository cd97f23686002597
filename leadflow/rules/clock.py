"""The business clock of a flow run: the past time a backfill runs as of, read and checked."""

from __future__ import annotations

import datetime as dt

from leadflow.errors import InvalidInput
from leadflow.phrases import N_


def parse_as_of(text: str, field: str = "as_of") -> dt.datetime:
    """An ISO 8601 date or time ('2026-10-01T07:00Z', '2026-11-30 05:00+08:00',
    '2026-10-01'), in UTC; a time without a zone is read as UTC."""
    try:
        at = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            N_(
                "{field}: {text!r} is not an ISO 8601 date or time, e.g. 2026-10-01T07:00Z",
                field=field,
                text=text,
            ),
            {field: "not an ISO 8601 time"},
        ) from None
    return in_utc(at)


def in_utc(at: dt.datetime) -> dt.datetime:
    """`at` as an aware UTC time (a time without a zone is taken as UTC)."""
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


def checked_as_of(
    at: dt.datetime, now: dt.datetime, first_lead: dt.datetime | None, field: str = "as_of"
) -> dt.datetime:
    """`at` in UTC when a run can be made as of it: not later than `now` (the future has
    not happened), and not before the first lead was created (`first_lead`; None when there
    are no leads), when there was nothing to run on. Raises InvalidInput naming `field`."""
    at = in_utc(at)
    if at > now:
        raise InvalidInput(
            N_(
                "{field}: {at} is later than now ({now}); a run can only be made as of a past time",
                field=field,
                at=_shown(at),
                now=_shown(now),
            ),
            {field: "in the future"},
        )
    if first_lead is not None and at < in_utc(first_lead):
        raise InvalidInput(
            N_(
                "{field}: {at} is before the first lead was created ({first_lead}); "
                "there was nothing to run on then",
                field=field,
                at=_shown(at),
                first_lead=_shown(first_lead),
            ),
            {field: "before the first lead"},
        )
    return at


def _shown(at: dt.datetime) -> str:
    return in_utc(at).isoformat(timespec="seconds")
