"""The review meeting's conclusions (seed template 4, 转化复盘分析表: 主要成功因素, 主要失败因素,
改进措施): success factors, failure factors and improvement measures per period and team,
or for the company when no team is named. The review shows them in every format."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.review.period import read_period
from leadflow.schemas import validated
from leadflow.store.models import Team
from leadflow.store.review_models import ReviewNote
from leadflow.store.uow import flush
from leadflow.team.teams import get_team

FACTORS = ("success", "failure", "improve")
# Room for a meeting's paragraph, and a bound on what one request can store.
Factor = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Factors = Annotated[list[Factor], Field(max_length=50)]


class NotesIn(BaseModel):
    """The factors to set; a factor left out (None) keeps what was entered before, an
    empty list clears it."""

    model_config = ConfigDict(extra="forbid")

    success: Factors | None = None
    failure: Factors | None = None
    improve: Factors | None = None


class ReviewNotes(BaseModel):
    """One period's conclusions for a team (team_id None: the company's)."""

    period: str
    team_id: int | None = None
    team: str | None = None
    success: list[str] = Field(default_factory=list, description="Main success factors")
    failure: list[str] = Field(default_factory=list, description="Main failure factors")
    improve: list[str] = Field(default_factory=list, description="Improvement measures")
    updated_by: str | None = None
    updated_at: dt.datetime | None = None


def _find(session: Session, period: str, team_id: int | None) -> ReviewNote | None:
    whose = ReviewNote.team_id.is_(None) if team_id is None else ReviewNote.team_id == team_id
    return session.scalars(
        select(ReviewNote).where(ReviewNote.period == period, whose).order_by(ReviewNote.id)
    ).first()


def _view(note: ReviewNote, team: str | None) -> ReviewNotes:
    return ReviewNotes(
        period=note.period,
        team_id=note.team_id,
        team=team,
        success=list(note.success),
        failure=list(note.failure),
        improve=list(note.improve),
        updated_by=note.updated_by,
        updated_at=note.updated_at,
    )


def set_notes(
    session: Session,
    period: str,
    team_id: int | None,
    factors: dict[str, list[str] | None],
    *,
    by: str,
    now: dt.datetime,
) -> ReviewNotes:
    """Enter the meeting's conclusions for a period (a quarter, month or ISO week) and a
    team (None: the company): each factor given replaces that factor's list, the others
    keep theirs. At least one factor must be given."""
    label = read_period(period).label
    team = get_team(session, team_id) if team_id is not None else None
    given = validated(NotesIn, factors).model_dump(exclude_none=True)
    if not given:
        raise InvalidInput(
            N_(
                "give at least one of success, failure or improve",
            ),
            {name: "one of them is required" for name in FACTORS},
        )
    note = _find(session, label, team_id)
    if note is None:
        note = ReviewNote(period=label, team_id=team_id, success=[], failure=[], improve=[])
        session.add(note)
    for name, texts in given.items():
        setattr(note, name, texts)
    note.updated_by, note.updated_at = by, now
    flush(session)
    return _view(note, team.name if team else None)


def list_notes(
    session: Session, period: str, team_id: int | None = None, company: bool = True
) -> list[ReviewNotes]:
    """The conclusions entered for a period: the company's first, then each team's by id;
    with `team_id`, only that team's (and the company's unless `company` is False)."""
    label = read_period(period).label
    if team_id is not None:
        get_team(session, team_id)  # NotFound names a team that does not exist
    query = (
        select(ReviewNote, Team.name)
        .outerjoin(Team, Team.id == ReviewNote.team_id)
        .where(ReviewNote.period == label)
        .order_by(ReviewNote.team_id.is_not(None), ReviewNote.team_id)
    )
    rows = session.execute(query).tuples().all()
    return [
        _view(note, name)
        for note, name in rows
        if team_id is None or note.team_id == team_id or (company and note.team_id is None)
    ]
