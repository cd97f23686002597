"""Seed 004's two checks on targets: approval and filing (审批与备案: a director approves a
proposed target, which is then filed) and the break-down to reps (目标拆解到人: the reps'
targets of a team add up to the team's, else a warning naming the sums; never a refusal)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput, NotFound
from leadflow.i18n import gettext as _
from leadflow.i18n import label
from leadflow.phrases import N_
from leadflow.store.models import SalesRep, Team
from leadflow.store.target_models import Target
from leadflow.store.uow import flush


def approve_target(session: Session, target_id: int, by: str, now: dt.datetime) -> Target:
    """A director approves a proposed target: it is filed, with who and when. Approving a
    filed target again changes nothing; a target with no number is refused."""
    target = session.get(Target, target_id)
    if target is None:
        raise NotFound(N_("target {target_id} does not exist", target_id=target_id))
    numbers = (target.revenue, target.new_customers, target.repeat_rate, target.follow_ups_per_day)
    if all(n is None for n in numbers) and not target.valid_leads:
        raise InvalidInput(
            N_(
                "target {target_id} has no number to approve: set one first",
                target_id=target_id,
            ),
            {"target_id": "no number set"},
        )
    if target.status != "filed":
        target.status, target.approved_by, target.approved_at = "filed", by, now
        flush(session)
    return target


def _sums(team: Target, reps: list[Target]) -> list[tuple[str, Any, Any]]:
    """(measure, the reps' sum, the team's) for each measure the team's target sets."""
    pairs: list[tuple[str, Any, Any]] = []
    if team.revenue is not None:
        total = sum((r.revenue or Decimal(0) for r in reps), Decimal(0))
        pairs.append((_("revenue"), total, team.revenue))
    if team.new_customers is not None:
        pairs.append(
            (_("new customers"), sum(r.new_customers or 0 for r in reps), team.new_customers)
        )
    for channel, weekly in sorted((team.valid_leads or {}).items()):
        total = sum((r.valid_leads or {}).get(channel, 0) for r in reps)
        name = _("valid leads a week, {channel}").format(channel=label("channel", channel))
        pairs.append((name, total, weekly))
    return pairs


def _number(value: Any) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else str(value)


def break_down(session: Session, team_id: int, period: str) -> str | None:
    """A warning when the reps' targets of the team for the period do not add up to the
    team's (revenue, new customers, valid leads per channel), naming both sums; None when
    they do, or the team has no target."""
    team_target = session.scalars(
        select(Target).where(Target.period == period, Target.team_id == team_id)
    ).first()
    if team_target is None:
        return None
    reps = list(
        session.scalars(
            select(Target)
            .join(SalesRep, SalesRep.id == Target.rep_id)
            .where(Target.period == period, SalesRep.team_id == team_id)
        )
    )
    off = [
        _("{measure}: reps {reps}, team {team}").format(
            measure=name, reps=_number(total), team=_number(goal)
        )
        for name, total, goal in _sums(team_target, reps)
        if Decimal(str(total)) != Decimal(str(goal))
    ]
    if not off:
        return None
    team = session.get(Team, team_id)
    return _("Team {team} {period}: the reps' targets do not add up to the team's ({sums})").format(
        team=team.name if team else team_id, period=period, sums="; ".join(off)
    )


def team_warnings(session: Session, target: Target) -> list[str]:
    """The break-down warning of the team a target belongs to (a rep's: the rep's team)."""
    team_id = target.team_id
    if team_id is None and target.rep_id is not None:
        rep = session.get(SalesRep, target.rep_id)
        team_id = rep.team_id if rep else None
    warning = None if team_id is None else break_down(session, team_id, target.period)
    return [] if warning is None else [warning]


def period_warnings(session: Session, period: str, team_id: int | None = None) -> list[str]:
    """Every break-down warning of the period (of one team when given), teams in id order."""
    teams = select(Target.team_id).where(Target.period == period, Target.team_id.is_not(None))
    if team_id is not None:
        teams = teams.where(Target.team_id == team_id)
    ids = [t for t in session.scalars(teams.order_by(Target.team_id)) if t is not None]
    found = (break_down(session, t, period) for t in ids)
    return [w for w in found if w is not None]
