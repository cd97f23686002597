"""The review's results per rep and per team: open pipeline, deals won and lost in the
period and the win rate (won / (won + lost)), new customers and repeat purchases, against
the period's targets. Three grouped queries serve both reps and teams."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from leadflow.review.changes import late_logs
from leadflow.review.model import TargetLine
from leadflow.review.period import Period, within
from leadflow.rules.vocab import OPEN_STATES, State
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.target_models import Target

_OPEN = [s.value for s in OPEN_STATES]
Totals = dict[tuple[str, int], list[Any]]


def count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    """How many rows meet the condition (0 for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def lost_deals(period: Period) -> ColumnElement[bool]:
    """Deals lost in the period: leads disqualified at screening are not deals (they show
    as total minus valid leads), and reactivated leads are no longer lost."""
    return and_(
        Lead.state == State.lost.value,
        within(Lead.lost_at, period),
        Lead.screened_at.is_not(None),
    )


def money(value: Any) -> float:
    """An amount from the database, rounded to cents."""
    return round(float(value or 0), 2)


def ratio(part: float, whole: float, digits: int = 4) -> float:
    """part / whole, rounded; 0.0 over an empty base."""
    return round(part / whole, digits) if whole else 0.0


def win_rate(won: int, lost: int) -> float | None:
    """Deals won over deals won and lost; None with no deal closed."""
    return round(won / (won + lost), 4) if won + lost else None


def _progress(actual: float, target: Any) -> float | None:
    return round(100 * actual / float(target), 1) if target else None


def totals(session: Session, period: Period, kept: ColumnElement[bool]) -> Totals:
    """[open leads, open value, won, won value, repeat wins, lost] per ("rep", id) and
    ("team", id): the open pipeline as of now, the deals won and lost in the period
    (groups are rep x team pairs: a few hundred rows at most)."""
    prior = aliased(Lead)
    # Repeat business: linked to a won lead of the customer (a returning contact's new
    # inquiry), or the same company bought before.
    bought_before = or_(
        Lead.repeat_of_id.is_not(None),
        exists().where(
            prior.company_key == Lead.company_key,
            prior.won_at < Lead.won_at,
            prior.id != Lead.id,
            prior.duplicate_of_id.is_(None),
        ),
    )
    estimate = func.coalesce(Lead.budget_confirmed, Lead.budget_max)
    zero = literal(0)
    pipeline = select(func.count(), func.sum(estimate), zero, zero, zero, zero).where(
        Lead.state.in_(_OPEN), kept
    )
    wins = select(
        zero, zero, func.count(), func.sum(Lead.contract_value), count_if(bought_before), zero
    ).where(within(Lead.won_at, period), kept)
    losses = select(zero, zero, zero, zero, zero, func.count()).where(lost_deals(period), kept)
    found: Totals = {}
    for query in (pipeline, wins, losses):
        grouped = query.add_columns(Lead.owner_id, Lead.team_id).group_by(
            Lead.owner_id, Lead.team_id
        )
        for *numbers, rep, team in session.execute(grouped):
            for key in (("rep", rep), ("team", team)):
                if key[1] is not None:
                    into = found.setdefault(key, [0] * 6)
                    for i, value in enumerate(numbers):
                        into[i] += value or 0
    return found


def results(
    session: Session,
    period: Period,
    by: Literal["rep", "team"],
    found: Totals,
    owner: int | None = None,
    team: int | None = None,
) -> list[TargetLine]:
    """Per rep or per team (only the rep `owner`, only the team `team` and its reps): open
    pipeline, deals won and lost, win rate, new customers and repeat purchases among the
    wins, against the period's targets."""
    key = Target.rep_id if by == "rep" else Target.team_id
    targets = {
        getattr(t, key.key): t
        for t in session.scalars(
            select(Target).where(Target.period == period.label, key.is_not(None))
        )
    }
    people: Select[Any]
    if by == "rep":
        people = (
            select(SalesRep.id, SalesRep.name, Team.name)
            .outerjoin(Team, SalesRep.team_id == Team.id)
            .where(SalesRep.id == owner if owner is not None else true())
            .where(SalesRep.team_id == team if team is not None else true())
            .order_by(SalesRep.id)
        )
    else:
        people = (
            select(Team.id, Team.name, null())
            .where(Team.id == team if team is not None else true())
            .order_by(Team.id)
        )
    late = late_logs(session, period)
    lines = []
    for ident, name, team_name in session.execute(people):
        open_n, open_value, won_n, won_value, repeats, lost_n = found.get((by, ident), [0] * 6)
        target = targets.get(ident)
        goal_revenue = None if target is None else target.revenue
        goal_customers = None if target is None else target.new_customers
        lines.append(
            TargetLine(
                id=ident,
                name=name,
                team=team_name,
                open_leads=open_n,
                open_value=money(open_value),
                won=won_n,
                won_value=money(won_value),
                lost=lost_n,
                win_rate=win_rate(won_n, lost_n),
                new_customers=won_n - repeats,
                repeat_rate=ratio(repeats, won_n),
                target_revenue=None if goal_revenue is None else money(goal_revenue),
                target_new_customers=goal_customers,
                target_repeat_rate=None if target is None else target.repeat_rate,
                revenue_progress=_progress(money(won_value), goal_revenue),
                new_customers_progress=_progress(won_n - repeats, goal_customers),
                late_logs=late.get((by, ident), 0),
            )
        )
    return lines
