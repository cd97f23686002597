"""Time zones (spec §6 timers, §9 periods): a team works on its own local clock.

Pure: a zone's name is checked here and each team's zone is looked up from what the caller
passes in; nothing here reads a setting or the database."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict

from leadflow.phrases import N_
from leadflow.rules.config import CalendarRules
from leadflow.rules.timing import in_business_hours

# Listed by some systems' zone folders but no IANA zone: the machine's own setting.
_NOT_ZONES = frozenset({"localtime"})


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def check_zone(name: str) -> str:
    """The IANA time zone name (Asia/Shanghai, UTC), or ValueError saying what is expected."""
    cleaned = name.strip()
    if cleaned not in _known():
        raise ValueError(
            N_("{name!r} is not an IANA time zone name such as Asia/Shanghai or UTC", name=name)
        )
    return cleaned


class AtWork(BaseModel):
    """The teams in business hours at one moment, and whether leads with no team are."""

    model_config = ConfigDict(frozen=True)

    team_ids: list[int] = []
    no_team: bool = False

    @property
    def anyone(self) -> bool:
        """Some team (or the default zone) is in business hours."""
        return bool(self.team_ids) or self.no_team


class TeamZones(BaseModel):
    """Each team's time zone by team id, and the default zone for a lead with no team."""

    model_config = ConfigDict(frozen=True)

    default: str = "UTC"
    teams: dict[int, str] = {}

    def of(self, team_id: int | None) -> ZoneInfo:
        """The zone a team's leads run on: the team's own, else the default."""
        name = self.teams.get(team_id, self.default) if team_id is not None else self.default
        return ZoneInfo(name)

    def at_work(self, now: dt.datetime, cal: CalendarRules) -> AtWork:
        """The teams whose local clock is in business hours at `now` (reminders go out
        then, spec §6), and whether the default zone is (for leads with no team)."""
        return AtWork(
            team_ids=sorted(t for t in self.teams if in_business_hours(now, cal, self.of(t))),
            no_team=in_business_hours(now, cal, self.of(None)),
        )
