"""Who cannot be reached: reps and managers without a working address (none at all, or
one whose notices gave up in the outbox since it last took one). Their notices go to who
stands in for them (notify.reach); this list is how ops and managers see who they are."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.notify.reach import failing_addresses, recipient_of, why_unreachable
from leadflow.settings import Settings, get_settings
from leadflow.store.models import SalesRep, Team
from leadflow.team.managers import manager_names


class Unreachable(BaseModel):
    """A rep or manager notices cannot reach, and why."""

    id: int  # the rep's id; for a manager, the team's (a team may list several)
    name: str
    role: Literal["rep", "manager"]
    team: str | None
    why: str  # "no address", or "2 failed deliveries, last: <time> UTC: <error>"


def unreachable_people(
    session: Session, now: dt.datetime, settings: Settings | None = None
) -> list[Unreachable]:
    """Reps (by id), then team managers (by team id), without a working address as of
    `now`; an away rep is listed too, since their notices still go out."""
    failing = failing_addresses(session, now, (settings or get_settings()).outbox_max_attempts)
    found = []
    for rep in session.scalars(select(SalesRep).order_by(SalesRep.id)).unique():
        why = why_unreachable(recipient_of(rep, None), failing)
        if why is not None:
            of = rep.team.name if rep.team else None
            found.append(Unreachable(id=rep.id, name=rep.name, role="rep", team=of, why=why))
    for team in session.scalars(select(Team).order_by(Team.id)):
        for name, address in _managers(team):
            why = why_unreachable(address, failing)
            if why is not None:
                found.append(
                    Unreachable(id=team.id, name=name, role="manager", team=team.name, why=why)
                )
    return found


def _managers(team: Team) -> list[tuple[str, str | None]]:
    """Each manager's name and address: their email, or the team's notify URL for them
    all (one row then); a team without managers has one nameless row."""
    if team.notify_url or not team.managers:
        return [(manager_names(team) or "-", team.notify_url)]
    return [(m.name or m.email or "-", m.email) for m in team.managers]
