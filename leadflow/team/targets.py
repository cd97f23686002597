"""Period targets per team or per rep (spec §9): revenue, new customers, repeat-purchase rate."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput, NotFound
from leadflow.review.period import read_period
from leadflow.store.models import SalesRep, Target, Team
from leadflow.store.uow import flush


class TargetView(BaseModel):
    """A target as shown to people and machines: whose, which period, which numbers."""

    id: int
    period: str
    team_id: int | None
    team: str | None
    rep_id: int | None
    rep: str | None
    revenue: float | None
    new_customers: int | None
    repeat_rate: float | None


def _revenue(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise InvalidInput(
            f"revenue: {value} is not an amount between 0 and 999,999,999,999",
            {"revenue": "out of range"},
        )
    return amount.quantize(Decimal("0.01"))


def _check(new_customers: int | None, repeat_rate: float | None) -> None:
    if new_customers is not None and new_customers < 0:
        raise InvalidInput(
            f"new_customers: {new_customers} is negative", {"new_customers": "must be 0 or more"}
        )
    if repeat_rate is not None and not 0 <= repeat_rate <= 1:
        raise InvalidInput(
            f"repeat_rate: {repeat_rate} is not a share between 0 and 1",
            {"repeat_rate": "must be between 0 and 1"},
        )


def find_target(
    session: Session, period: str, team_id: int | None = None, rep_id: int | None = None
) -> Target | None:
    """The target of one team or rep for a period (a label like '2026-Q3'), if set."""
    owner = Target.team_id == team_id if team_id is not None else Target.rep_id == rep_id
    return session.scalars(
        select(Target).where(Target.period == period, owner).order_by(Target.id)
    ).first()


def set_target(
    session: Session,
    period: str,
    team_id: int | None = None,
    rep_id: int | None = None,
    revenue: Decimal | float | None = None,
    new_customers: int | None = None,
    repeat_rate: float | None = None,
) -> Target:
    """Create or update the target of one team or one rep for a period; numbers left as
    None keep their stored value, so targets can be set one measure at a time."""
    label = read_period(period).label
    if (team_id is None) == (rep_id is None):
        raise InvalidInput(
            "a target belongs to exactly one team or one rep: give one of them",
            {"team_id": "team or rep", "rep_id": "team or rep"},
        )
    if team_id is not None and session.get(Team, team_id) is None:
        raise NotFound(f"team {team_id} does not exist")
    if rep_id is not None and session.get(SalesRep, rep_id) is None:
        raise NotFound(f"rep {rep_id} does not exist")
    amount = _revenue(revenue)
    _check(new_customers, repeat_rate)
    target = find_target(session, label, team_id, rep_id)
    if target is None:
        target = Target(period=label, team_id=team_id, rep_id=rep_id)
        session.add(target)
    for name, value in (
        ("revenue", amount),
        ("new_customers", new_customers),
        ("repeat_rate", repeat_rate),
    ):
        if value is not None:
            setattr(target, name, value)
    flush(session)
    return target


def target_view(session: Session, target: Target) -> TargetView:
    """The target with its team's or rep's name."""
    team = session.get(Team, target.team_id) if target.team_id is not None else None
    rep = session.get(SalesRep, target.rep_id) if target.rep_id is not None else None
    return TargetView(
        id=target.id,
        period=target.period,
        team_id=target.team_id,
        team=team.name if team else None,
        rep_id=target.rep_id,
        rep=rep.name if rep else None,
        revenue=None if target.revenue is None else float(target.revenue),
        new_customers=target.new_customers,
        repeat_rate=target.repeat_rate,
    )


def get_target(session: Session, target_id: int) -> TargetView:
    """One target by id, or NotFound."""
    target = session.get(Target, target_id)
    if target is None:
        raise NotFound(f"target {target_id} does not exist")
    return target_view(session, target)


def list_targets(session: Session, period: str | None = None) -> list[TargetView]:
    """Targets, of one period or all, ordered by period, then teams before reps."""
    query = select(Target).order_by(
        Target.period, Target.rep_id.is_not(None), Target.team_id, Target.rep_id
    )
    if period is not None:
        query = query.where(Target.period == read_period(period).label)
    return [target_view(session, t) for t in session.scalars(query)]
