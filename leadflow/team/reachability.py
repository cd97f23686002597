"""Who cannot be notified: reps and team managers without an address a notice can go to.

A minimal stand-in, written for `leadflow status`: "without a working address" here means
no address at all (no email and no notify URL), which is where `recipient_of` finds
nothing. To be merged with the fuller version being written alongside (same name and
signature), which may judge an address's form or its delivery history too."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from leadflow.store.models import SalesRep, Team


class Unreachable(BaseModel):
    """A rep or a team's manager whom no notice can reach, and why."""

    kind: Literal["rep", "manager"]
    id: int  # the rep's id, or the manager's team's id
    name: str
    team: str | None
    reason: str


def _blank(column: InstrumentedAttribute[str | None]) -> ColumnElement[bool]:
    return or_(column.is_(None), column == "")


def unreachable_people(session: Session, now: dt.datetime) -> list[Unreachable]:
    """Reps with neither an email nor a notify URL, and teams whose manager has neither;
    `now` is for judgements that depend on time (recent bounces); unused here."""
    reps = session.scalars(
        select(SalesRep)
        .where(_blank(SalesRep.email), _blank(SalesRep.notify_url))
        .order_by(SalesRep.id)
    ).unique()
    teams = session.scalars(
        select(Team).where(_blank(Team.manager_email), _blank(Team.notify_url)).order_by(Team.id)
    )
    return [
        *(
            Unreachable(
                kind="rep",
                id=rep.id,
                name=rep.name,
                team=rep.team.name if rep.team else None,
                reason="no email and no notify URL",
            )
            for rep in reps
        ),
        *(
            Unreachable(
                kind="manager",
                id=team.id,
                name=team.manager_name or f"manager of {team.name}",
                team=team.name,
                reason="the team has no manager email and no notify URL",
            )
            for team in teams
        ),
    ]
