"""Assignment (spec §5): territory, skill by value, capacity, least loaded, round-robin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Grade, Priority

_NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


@dataclass
class RepSlot:
    """A rep as assignment sees them; open_leads and last_assigned_at move as leads land."""

    id: int
    team_id: int | None
    name: str = ""
    regions: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    seniority: str = "junior"
    capacity: int = 50
    open_leads: int = 0
    away: bool = False
    close_rate: float = 0.0
    close_basis: str = "recorded"  # how close_rate was found (close_rates explains)
    last_assigned_at: dt.datetime | None = None


@dataclass(frozen=True)
class TeamTerritory:
    """What a team covers; an empty list covers everything."""

    id: int
    name: str = ""
    regions: list[str] = field(default_factory=list)
    industries: list[str] = field(default_factory=list)
    company_sizes: list[str] = field(default_factory=list)


class LeadToAssign(BaseModel):
    """The lead facts assignment reads."""

    model_config = ConfigDict(from_attributes=True, frozen=True, extra="ignore")

    region: str | None = None
    industry: str | None = None
    company_size: str | None = None
    grade: Grade | None = None
    priority: Priority | None = None


class Assignment(BaseModel):
    """Who gets the lead (a rep, or a team's manager queue) and why."""

    model_config = ConfigDict(frozen=True)

    rep_id: int | None
    team_id: int | None
    reason: str


def _covers(allowed: list[str], value: str | None) -> bool:
    if not allowed:
        return True
    return value is not None and value.casefold() in {a.casefold() for a in allowed}


def close_rates(reps: list[RepSlot], closed: dict[int, tuple[int, int]],
                rules: RulesConfig) -> None:
    """Set each rep's close rate: won / (won + lost) over the window's closed deals
    (`closed`: rep id -> (won, lost)); below the minimum of closed deals, the team's rate;
    a team with no closed deals at all leaves the rep's recorded rate."""
    need = rules.assignment.close_rate.min_closed
    teams: dict[int | None, list[int]] = {}
    for rep in reps:
        won, lost = closed.get(rep.id, (0, 0))
        totals = teams.setdefault(rep.team_id, [0, 0])
        totals[0] += won
        totals[1] += lost
    for rep in reps:
        won, lost = closed.get(rep.id, (0, 0))
        team_won, team_lost = teams[rep.team_id]
        if won + lost and won + lost >= need:
            rep.close_rate, rep.close_basis = won / (won + lost), f"{won}/{won + lost} won"
        elif team_won + team_lost:
            rep.close_rate = team_won / (team_won + team_lost)
            rep.close_basis = f"team average, {won + lost} < {need} closed"
        else:
            rep.close_basis = "recorded, no closed deals yet"


class Roster:
    """The reps and teams of one assignment round; assigning updates loads in memory."""

    def __init__(self, teams: list[TeamTerritory], reps: list[RepSlot], rules: RulesConfig):
        self.teams = teams
        self.reps = reps
        self.rules = rules

    def _territory(self, lead: LeadToAssign) -> tuple[list[TeamTerritory], str]:
        covering = [
            t for t in self.teams
            if _covers(t.regions, lead.region) and _covers(t.industries, lead.industry)
            and _covers(t.company_sizes, lead.company_size)
        ]
        if covering:
            names = ", ".join(t.name or str(t.id) for t in covering)
            return covering, f"territory {lead.region or '-'}/{lead.industry or '-'} -> {names}"
        return self.teams, "no team covers the territory; all teams considered"

    def assign(self, lead: LeadToAssign, now: dt.datetime) -> Assignment:
        """Choose a rep for the lead, or its team's manager queue when none is eligible."""
        cfg = self.rules.assignment
        teams, why = self._territory(lead)
        team_ids = {t.id for t in teams}
        reps = [
            r for r in self.reps
            if r.team_id in team_ids and _covers(r.regions, lead.region)
            and _covers(r.industries, lead.industry)
        ]
        steps = [why, f"{len(reps)} reps cover it"]
        senior_only = lead.grade in cfg.senior_grades or lead.priority in cfg.senior_priorities
        if senior_only:
            reps = [r for r in reps if r.seniority in cfg.senior_seniority]
            steps.append(f"grade {lead.grade}/priority {lead.priority}: {len(reps)} senior")
        present = [r for r in reps if not r.away]
        if len(present) < len(reps):
            steps.append(f"{len(reps) - len(present)} away skipped")
        free = [r for r in present if r.open_leads < r.capacity]
        if len(free) < len(present):
            steps.append(f"{len(present) - len(free)} at capacity")
        if not free:
            queue = teams[0].id if teams else None
            steps.append("no eligible rep: manager queue")
            return Assignment(rep_id=None, team_id=queue, reason="; ".join(steps))
        # Grade A / high priority: the best close rate first; load, then round-robin,
        # break ties. Other leads: the least loaded, then round-robin.
        chosen = min(free, key=lambda r: (
            -r.close_rate if senior_only else 0.0,
            r.open_leads,
            r.last_assigned_at or _NEVER,
            r.id,
        ))
        if senior_only:
            rates = ", ".join(f"{r.name or r.id} {r.close_rate:.0%} ({r.close_basis})"
                              for r in sorted(free, key=lambda r: -r.close_rate))
            steps.append(f"close rates compared: {rates}")
            steps.append(f"chose {chosen.name or chosen.id}: best close rate "
                         f"{chosen.close_rate:.0%}, load {chosen.open_leads}/{chosen.capacity}"
                         ", then least loaded and round-robin on ties")
        else:
            steps.append(f"chose {chosen.name or chosen.id}: least loaded ({chosen.open_leads}/"
                         f"{chosen.capacity}), round-robin on ties")
        chosen.open_leads += 1
        chosen.last_assigned_at = now
        return Assignment(rep_id=chosen.id, team_id=chosen.team_id, reason="; ".join(steps))
