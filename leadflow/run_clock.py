"""The runs' business clock, checked against the database: the one place that decides
whether a run can be made as of a past time (`leadflow run --at` and the flows share it;
the flows reach it through leadflow.tasks.config)."""

from __future__ import annotations

import datetime as dt

from leadflow.bootstrap import unit_of_work
from leadflow.rules.clock import checked_as_of
from leadflow.store.queries import first_lead_created


def wall_clock() -> dt.datetime:
    """Now, in UTC: what a run works at unless it is given a past time."""
    return dt.datetime.now(dt.UTC)


def as_of_time(
    at: dt.datetime, now: dt.datetime, url: str | None = None, field: str = "as_of"
) -> dt.datetime:
    """`at` in UTC when a run can be made as of it: not later than `now`, nor before the
    first lead of the database (`url`, default the configured one) was created; else
    InvalidInput naming `field`."""
    with unit_of_work(url=url) as uow:
        first = first_lead_created(uow.session)
    return checked_as_of(at, now, first, field)
