"""Each team's local clock, read from the store for the rules (which take the zone as an
input): business hours, SLAs, reminders and review periods run on the team's own zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from leadflow.rules.config import RulesConfig
from leadflow.rules.zones import AtWork, TeamZones
from leadflow.store.models import Lead, Team


def team_zones(session: Session, rules: RulesConfig) -> TeamZones:
    """Every team's time zone, and the default (settings' default_timezone) for no team."""
    return TeamZones(
        default=rules.calendar.default_timezone,
        teams=dict(session.execute(select(Team.id, Team.timezone)).tuples().all()),
    )


def team_zone(team: Team | None, rules: RulesConfig) -> ZoneInfo:
    """The local clock of a team's leads (the default for a lead with no team)."""
    return ZoneInfo(team.timezone if team is not None else rules.calendar.default_timezone)


def zone_of(session: Session, team_id: int | None, rules: RulesConfig) -> ZoneInfo:
    """The local clock of the leads of the team with this id (or of no team)."""
    # A lookup in the middle of a lead's change: the change is flushed once, at its end, where
    # a concurrent writer's change becomes a VersionConflict (store.uow.flush), not here.
    with session.no_autoflush:
        team = session.get(Team, team_id) if team_id is not None else None
    return team_zone(team, rules)


def at_work_leads(working: AtWork | None) -> ColumnElement[bool]:
    """The leads whose team is at work; every lead when `working` is None (a forced pass)."""
    if working is None:
        return true()
    ours = Lead.team_id.in_(working.team_ids)
    return or_(ours, Lead.team_id.is_(None)) if working.no_team else ours
