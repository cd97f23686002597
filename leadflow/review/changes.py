"""What moved in a review's period, per rep and team: grade changes, and contacts logged
later than the logging rule allows."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from leadflow.review.model import GradeMove
from leadflow.review.period import KEPT, Period, within
from leadflow.store.models import Activity, FieldChange, Lead, SalesRep


def late_logs(session: Session, period: Period) -> dict[tuple[str, int], int]:
    """Contacts logged in the period later than the logging rule allows, per ("rep", id)
    and ("team", id) (spec §6: counted per rep in the review)."""
    rows = (
        session.execute(
            select(Activity.rep_id, SalesRep.team_id, func.count())
            .join(SalesRep, SalesRep.id == Activity.rep_id)
            .where(Activity.late.is_(True), within(Activity.logged_at, period))
            .group_by(Activity.rep_id, SalesRep.team_id)
        )
        .tuples()
        .all()
    )
    found: dict[tuple[str, int], int] = {}
    for rep, team, n in rows:
        for kind, owner in (("rep", rep), ("team", team)):
            if owner is not None:
                found[kind, owner] = found.get((kind, owner), 0) + n
    return found


def grade_changes(
    session: Session, period: Period, leads: ColumnElement[bool] = KEPT
) -> list[GradeMove]:
    """Lead grade moves recorded in the period (first grades, from nothing, and a grade
    withdrawn from a lead lost as invalid are not moves); with `leads` (kept_leads of a rep
    or a team), of those leads only."""
    query = select(FieldChange.old_value, FieldChange.new_value, func.count())
    if leads is not KEPT:
        query = query.join(Lead, Lead.id == FieldChange.lead_id).where(leads)
    rows = (
        session.execute(
            query.where(
                FieldChange.field == "grade",
                FieldChange.old_value.is_not(None),
                FieldChange.new_value.is_not(None),
                within(FieldChange.at, period),
            ).group_by(FieldChange.old_value, FieldChange.new_value)
        )
        .tuples()
        .all()
    )
    moves = [GradeMove(old=old or "-", new=new or "-", count=n) for old, new, n in rows]
    return sorted(moves, key=lambda m: (m.old, m.new))
