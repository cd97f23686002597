"""Period targets per team or per rep (spec §9): revenue, new customers, repeat-purchase rate,
and the activity targets of seed 004 (valid leads a week per channel, follow-ups a working
day). A target is proposed until a director approves it (filed); changing it proposes it
again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput, NotFound
from leadflow.phrases import N_
from leadflow.review.period import read_period, scoped
from leadflow.rules.config import CalendarRules
from leadflow.rules.vocab import Channel
from leadflow.store.models import SalesRep, Team
from leadflow.store.target_models import Target
from leadflow.store.uow import flush
from leadflow.team.target_checks import team_warnings
from leadflow.team.target_measure import Credits, Measured, measure


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
    valid_leads: dict[str, int] = {}
    follow_ups_per_day: int | None = None
    status: str = "proposed"
    proposed_by: str | None = None
    proposed_at: dt.datetime | None = None
    approved_by: str | None = None
    approved_at: dt.datetime | None = None
    warnings: list[str] = []
    measured: Measured | None = None


# The view's fields shown as the target stores them.
_AS_STORED = (
    "new_customers",
    "repeat_rate",
    "follow_ups_per_day",
    "status",
    "proposed_by",
    "proposed_at",
    "approved_by",
    "approved_at",
)


def _revenue(value: Decimal | float | None) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise InvalidInput(
            N_(
                "revenue: {value} is not an amount between 0 and 999,999,999,999",
                value=value,
            ),
            {"revenue": "out of range"},
        )
    return amount.quantize(Decimal("0.01"))


def _check(new_customers: int | None, repeat_rate: float | None) -> None:
    if new_customers is not None and new_customers < 0:
        raise InvalidInput(
            N_(
                "new_customers: {new_customers} is negative",
                new_customers=new_customers,
            ),
            {"new_customers": "must be 0 or more"},
        )
    if repeat_rate is not None and not 0 <= repeat_rate <= 1:
        raise InvalidInput(
            N_(
                "repeat_rate: {repeat_rate} is not a share between 0 and 1",
                repeat_rate=repeat_rate,
            ),
            {"repeat_rate": "must be between 0 and 1"},
        )


def _quotas(valid_leads: dict[str, int] | None, per_day: int | None) -> dict[str, int] | None:
    """Channels checked against the vocabulary, numbers 0 or more (0 drops the channel)."""
    if per_day is not None and per_day < 0:
        raise InvalidInput(
            N_(
                "follow_ups_per_day: {per_day} is negative",
                per_day=per_day,
            ),
            {"follow_ups_per_day": "0 or more"},
        )
    if valid_leads is None:
        return None
    known = {c.value for c in Channel}
    for channel, weekly in valid_leads.items():
        if channel not in known:
            raise InvalidInput(
                N_(
                    "valid_leads: {channel!r} is not a channel (one of {known})",
                    channel=channel,
                    known=", ".join(sorted(known)),
                ),
                {"valid_leads": f"unknown channel {channel}"},
            )
        if not isinstance(weekly, int) or weekly < 0:
            raise InvalidInput(
                N_(
                    "valid_leads: {channel}={weekly} is not a whole number of 0 or more",
                    channel=channel,
                    weekly=weekly,
                ),
                {"valid_leads": f"{channel}: 0 or more"},
            )
    return valid_leads


def parse_quotas(items: list[str]) -> dict[str, int]:
    """CLI words like 'trade_show=3' as {channel: valid leads a week}; InvalidInput names
    a word that is not CHANNEL=NUMBER."""
    found: dict[str, int] = {}
    for item in items:
        channel, sep, number = item.partition("=")
        if not sep or not number.strip().isdigit():
            raise InvalidInput(
                N_(
                    "valid_leads: {item!r} is not CHANNEL=NUMBER (e.g. trade_show=3)",
                    item=item,
                ),
                {"valid_leads": "CHANNEL=NUMBER"},
            )
        found[channel.strip()] = int(number)
    return found


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
    valid_leads: dict[str, int] | None = None,
    follow_ups_per_day: int | None = None,
    by: str = "system",
    now: dt.datetime | None = None,
) -> Target:
    """Create or update the target of one team or one rep for a period; numbers left as
    None keep their stored value, so targets can be set one measure at a time. A channel
    given replaces its weekly number (0 removes it). A new or changed target is proposed
    by `by` at `now`, and waits for a director's approval."""
    label = read_period(period).label
    if (team_id is None) == (rep_id is None):
        raise InvalidInput(
            N_(
                "a target belongs to exactly one team or one rep: give one of them",
            ),
            {"team_id": "team or rep", "rep_id": "team or rep"},
        )
    if team_id is not None and session.get(Team, team_id) is None:
        raise NotFound(N_("team {team} does not exist", team=team_id))
    if rep_id is not None and session.get(SalesRep, rep_id) is None:
        raise NotFound(N_("rep {rep} does not exist", rep=rep_id))
    amount = _revenue(revenue)
    _check(new_customers, repeat_rate)
    quotas = _quotas(valid_leads, follow_ups_per_day)
    target = find_target(session, label, team_id, rep_id)
    if target is None:
        target = Target(period=label, team_id=team_id, rep_id=rep_id, valid_leads={})
        session.add(target)
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("revenue", amount),
            ("new_customers", new_customers),
            ("repeat_rate", repeat_rate),
            ("follow_ups_per_day", follow_ups_per_day),
        )
        if value is not None and getattr(target, name) != value
    }
    if quotas is not None:
        merged = {**(target.valid_leads or {}), **quotas}
        merged = {channel: n for channel, n in merged.items() if n > 0}
        if merged != (target.valid_leads or {}):
            changes["valid_leads"] = merged
    if changes or target.id is None:
        # Seed 004, 审批与备案: whatever a target says, it is proposed until approved.
        changes.update(
            status="proposed",
            proposed_by=by,
            proposed_at=now,
            approved_by=None,
            approved_at=None,
        )
    for name, value in changes.items():
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
        valid_leads=dict(target.valid_leads or {}),
        **{name: getattr(target, name) for name in _AS_STORED},
    )


def measured(
    session: Session,
    target: Target,
    now: dt.datetime,
    calendar: CalendarRules,
    credits: Credits | None = None,
) -> Measured | None:
    """The target's activity numbers against what its rep (or its team's reps) recorded,
    on the team's clock; None when it has no activity target."""
    if not target.valid_leads and target.follow_ups_per_day is None:
        return None
    period = scoped(session, read_period(target.period), target.rep_id, target.team_id)
    reps = (
        [target.rep_id]
        if target.rep_id is not None
        else list(session.scalars(select(SalesRep.id).where(SalesRep.team_id == target.team_id)))
    )
    return measure(
        session,
        period,
        reps,
        dict(target.valid_leads or {}),
        target.follow_ups_per_day,
        now,
        calendar,
        credits,
    )


def full_view(
    session: Session,
    target: Target,
    now: dt.datetime | None,
    calendar: CalendarRules | None,
    credits: Credits | None = None,
) -> TargetView:
    """The target, the warnings about its team's targets adding up, and (given a clock
    and a calendar) its activity numbers as measured."""
    view = target_view(session, target)
    view.warnings = team_warnings(session, target)
    if now is not None and calendar is not None:
        view.measured = measured(session, target, now, calendar, credits)
    return view


def get_target(
    session: Session,
    target_id: int,
    now: dt.datetime | None = None,
    calendar: CalendarRules | None = None,
) -> TargetView:
    """One target by id, or NotFound."""
    target = session.get(Target, target_id)
    if target is None:
        raise NotFound(N_("target {target_id} does not exist", target_id=target_id))
    return full_view(session, target, now, calendar)


def list_targets(
    session: Session,
    period: str | None = None,
    now: dt.datetime | None = None,
    calendar: CalendarRules | None = None,
) -> list[TargetView]:
    """Targets, of one period or all, ordered by period, then teams before reps."""
    query = select(Target).order_by(
        Target.period, Target.rep_id.is_not(None), Target.team_id, Target.rep_id
    )
    if period is not None:
        query = query.where(Target.period == read_period(period).label)
    credits: Credits = {}
    return [full_view(session, t, now, calendar, credits) for t in session.scalars(query)]
