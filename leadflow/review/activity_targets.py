"""The review's section on targets from seed 004: each target of the period with its
approval (proposed targets are marked), its activity targets against what was recorded
(valid leads a week per channel, intent customers followed up a working day), and the
warnings where a team's reps' targets do not add up to the team's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from leadflow.i18n import N_, label
from leadflow.i18n import gettext as _
from leadflow.review.period import Period
from leadflow.rules.config import CalendarRules
from leadflow.store.models import SalesRep, Team
from leadflow.store.target_models import Target
from leadflow.team.target_checks import period_warnings
from leadflow.team.target_measure import Credits, FollowUpCount, LeadCount
from leadflow.team.targets import measured

ACTIVITY_SHEET = N_("Activity targets")


class ActivityTargetLine(BaseModel):
    """One target of the period: whose, its approval, and its activity numbers measured."""

    target_id: int
    rep_id: int | None
    team_id: int | None
    name: str
    status: str  # proposed (not yet approved) or filed
    approved_by: str | None
    approved_at: dt.datetime | None
    valid_leads: list[LeadCount]
    follow_ups: FollowUpCount | None


def activity_lines(
    session: Session,
    period: Period,
    now: dt.datetime,
    calendar: CalendarRules,
    owner: int | None = None,
    team: int | None = None,
) -> list[ActivityTargetLine]:
    """Every target of the period (only the rep `owner`'s; only the team `team`'s and its
    reps'), teams first, with its activity numbers as of `now`."""
    query = (
        select(Target, Team.name, SalesRep.name)
        .outerjoin(Team, Team.id == Target.team_id)
        .outerjoin(SalesRep, SalesRep.id == Target.rep_id)
        .where(Target.period == period.label)
        .order_by(Target.rep_id.is_not(None), Target.team_id, Target.rep_id)
    )
    if owner is not None:
        query = query.where(Target.rep_id == owner)
    if team is not None:
        query = query.where(or_(Target.team_id == team, SalesRep.team_id == team))
    lines = []
    credits: Credits = {}
    for target, team_name, rep_name in session.execute(query).tuples():
        found = measured(session, target, now, calendar, credits)
        lines.append(
            ActivityTargetLine(
                target_id=target.id,
                rep_id=target.rep_id,
                team_id=target.team_id,
                name=rep_name or team_name or "",
                status=target.status,
                approved_by=target.approved_by,
                approved_at=target.approved_at,
                valid_leads=found.valid_leads if found else [],
                follow_ups=found.follow_ups if found else None,
            )
        )
    return lines


def review_warnings(
    session: Session, period: Period, owner: int | None, team: int | None
) -> list[str]:
    """The period's break-down warnings (a team's review: its own; a rep's: none)."""
    return [] if owner is not None else period_warnings(session, period.label, team)


def proposed_label() -> str:
    """How a target not yet approved is marked."""
    return _("Proposed, not approved")


def _status(line: ActivityTargetLine) -> str:
    if line.status == "filed":
        return _("Filed, approved by {who}").format(who=line.approved_by)
    return proposed_label()


def _met(value: bool | None) -> str:
    return {True: _("met"), False: _("not met"), None: _("in progress")}[value]


def activity_rows(lines: Sequence[ActivityTargetLine]) -> list[list[Any]]:
    """One row per measure of each target (a target with none: one row for its approval):
    name, approval, measure, target, expected, actual, met."""
    rows: list[list[Any]] = []
    for line in lines:
        measures: list[list[Any]] = [
            [
                _("Valid leads, {channel}").format(channel=label("channel", c.channel)),
                _("{n} a week").format(n=c.per_week),
                c.expected,
                c.actual,
                _met(c.met),
            ]
            for c in line.valid_leads
        ]
        f = line.follow_ups
        if f is not None:
            measures.append(
                [
                    _("Intent customers followed up"),
                    _("{n} a working day").format(n=f.per_day),
                    _("{days} working days").format(days=f.working_days),
                    _("{met} of {days} days met, {total} in all").format(
                        met=f.days_met, days=f.working_days_so_far, total=f.actual
                    ),
                    _met(f.met),
                ]
            )
        for measure in measures or [[None] * 5]:
            rows.append([line.name, _status(line), *measure])
    return rows


# The section's columns, in English (the report and the sheet show them translated).
ACTIVITY_HEADERS = [
    N_("Name"),
    N_("Approval"),
    N_("Measure"),
    N_("Target"),
    N_("Expected"),
    N_("Actual"),
    N_("Met"),
]


def activity_note() -> str:
    """How the activity numbers are counted."""
    return _(
        "Valid leads count for the rep who entered them, else their owner at intake; "
        "follow-ups are contacts logged on nurturing, opportunity or negotiation leads, "
        "a customer once a day, against the team's working days."
    )


def activity_markdown(
    lines: Sequence[ActivityTargetLine],
    warnings: Sequence[str],
    table: Callable[..., list[str]],
    section: Callable[..., list[str]],
) -> list[str]:
    """The section in Markdown: the table, then each warning."""
    body = table([_(h) for h in ACTIVITY_HEADERS], activity_rows(lines), "lllrrrl")
    body += [f"- **{_('Warning')}:** {w}" for w in warnings] + ([""] if warnings else [])
    return section(_("Targets: approval and activity"), body, activity_note())


def activity_sheet(lines: Sequence[ActivityTargetLine], warnings: Sequence[str]) -> list[list[Any]]:
    """The workbook's rows of the section (ACTIVITY_HEADERS): the table's, then one row
    per warning."""
    rows = activity_rows(lines)
    return rows + [[_("Warning"), w, *[None] * 5] for w in warnings]
