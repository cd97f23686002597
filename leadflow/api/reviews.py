"""/reviews: the periodic review as JSON (the company's, a team's or a rep's own), and the
review meeting's conclusions per period and team, which managers and directors enter."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import ConfigDict

from leadflow.api.contract import LeadFlowRoute
from leadflow.api.deps import MANAGERS, STAFF, Principal, Uow, now, require
from leadflow.api.schemas import StrictIn
from leadflow.review.export import review_for
from leadflow.review.model import Review
from leadflow.review.notes import Factors, ReviewNotes, list_notes, set_notes
from leadflow.review.period import PERIOD_TEXT, PeriodText, read_period
from leadflow.rules.access import Viewer
from leadflow.schemas import RowId
from leadflow.settings import get_settings

router = APIRouter(tags=["reviews"], route_class=LeadFlowRoute)
Staff = Annotated[Principal, Depends(require(*STAFF))]
Manager = Annotated[Principal, Depends(require(*MANAGERS))]
PeriodPath = Annotated[PeriodText, Path(description=PERIOD_TEXT)]
TeamQuery = Annotated[RowId | None, Query(description="Only this team")]


class NotesIn(StrictIn):
    """The meeting's conclusions for the period and a team (none: the company's). A factor
    left out keeps what was entered for it; an empty list clears it."""

    # At least one factor, as set_notes requires: stated so that the OpenAPI tells it.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"type": "array"}}}
                for name in ("success", "failure", "improve")
            ]
        }
    )

    team_id: RowId | None = None
    success: Factors | None = None
    failure: Factors | None = None
    improve: Factors | None = None


@router.get("/reviews/{period}", response_model=Review)
def show_review(
    period: PeriodPath, uow: Uow, principal: Staff, team_id: TeamQuery = None
) -> Review:
    """The review of a period as `leadflow report review --format json` gives it: a rep
    key gets its own review; with team_id, only that team's leads, reps and result."""
    chosen = read_period(period).in_zone(get_settings().default_timezone)
    viewer = Viewer.of(principal.role.value, principal.rep_id)
    return review_for(uow.session, chosen, now(), viewer, team_id)


@router.get("/reviews/{period}/notes", response_model=list[ReviewNotes])
def show_notes(
    period: PeriodPath, uow: Uow, _principal: Manager, team_id: TeamQuery = None
) -> list[ReviewNotes]:
    """The conclusions entered for a period: every team's and the company's, or one team's."""
    return list_notes(uow.session, period, team_id, company=team_id is None)


@router.post("/reviews/{period}/notes", response_model=ReviewNotes)
def enter_notes(period: PeriodPath, body: NotesIn, uow: Uow, principal: Manager) -> ReviewNotes:
    """Enter the review meeting's success factors, failure factors and improvement
    measures for the period and a team (manager or director key)."""
    factors = body.model_dump(include={"success", "failure", "improve"})
    entered = set_notes(uow.session, period, body.team_id, factors, by=principal.actor, now=now())
    uow.commit()
    return entered
