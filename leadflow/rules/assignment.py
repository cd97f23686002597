"""Assignment (spec §5): territory, skill by value, capacity, least loaded, round-robin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from leadflow.rules.config import RulesConfig
from leadflow.rules.explain import (
    ALL_TEAMS,
    AT_CAPACITY,
    AWAY,
    BEST_RATE,
    COVERED,
    FULL_WHEN_CLAIMED,
    KEY_ACCOUNT,
    LEAST_LOADED,
    NEXT_CANDIDATE,
    NO_CLOSED_DEALS,
    NO_TEAM,
    QUEUE,
    RATE,
    RATES,
    SENIOR,
    STEP,
    TEAM_AVERAGE,
    TERRITORY,
    WON_OF_CLOSED,
    load,
)
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
    customer_types: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KeyAccount:
    """A key account (重点客户) and the team that is its dedicated follow-up group."""

    name: str
    team_id: int


class LeadToAssign(BaseModel):
    """The lead facts assignment reads."""

    model_config = ConfigDict(from_attributes=True, frozen=True, extra="ignore")

    region: str | None = None
    industry: str | None = None
    company_size: str | None = None
    customer_type: str | None = None  # None (a lead stored before the field): company
    company_key: str | None = None  # the account the lead belongs to
    grade: Grade | None = None
    priority: Priority | None = None


class Assignment(BaseModel):
    """Who gets the lead (a rep, or a team's manager queue) and why; `fallbacks` are the
    next candidates in the rule's order and `queue_team_id` the queue, for when the store's
    claim finds the chosen rep full (another writer filled the last slot meanwhile)."""

    model_config = ConfigDict(frozen=True)

    rep_id: int | None
    team_id: int | None
    reason: str
    fallbacks: tuple[int, ...] = ()
    queue_team_id: int | None = None

    @property
    def candidates(self) -> tuple[int, ...]:
        """The reps to claim a slot from, in order: the choice, then the fallbacks."""
        return (self.rep_id, *self.fallbacks) if self.rep_id is not None else ()


def _covers(allowed: list[str], value: str | None) -> bool:
    if not allowed:
        return True
    return value is not None and value.casefold() in {a.casefold() for a in allowed}


def close_rates(
    reps: list[RepSlot], closed: dict[int, tuple[int, int]], rules: RulesConfig
) -> None:
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
            rep.close_rate = won / (won + lost)
            rep.close_basis = WON_OF_CLOSED.format(won=won, closed=won + lost)
        elif team_won + team_lost:
            rep.close_rate = team_won / (team_won + team_lost)
            rep.close_basis = TEAM_AVERAGE.format(closed=won + lost, need=need)
        else:
            rep.close_basis = NO_CLOSED_DEALS


class Roster:
    """The reps and teams of one assignment round; assigning updates loads in memory."""

    def __init__(
        self,
        teams: list[TeamTerritory],
        reps: list[RepSlot],
        rules: RulesConfig,
        key_accounts: dict[str, KeyAccount] | None = None,
    ):
        self.teams = teams
        self.reps = reps
        self.rules = rules
        self.key_accounts = key_accounts or {}

    def group_of(self, lead: LeadToAssign) -> TeamTerritory | None:
        """The follow-up group of the lead's key account, when it is one and the team exists."""
        key = self.key_accounts.get(lead.company_key or "")
        return next((t for t in self.teams if key and t.id == key.team_id), None)

    def _territory(self, lead: LeadToAssign) -> tuple[list[TeamTerritory], str]:
        group = self.group_of(lead)
        if group is not None:
            account = self.key_accounts[lead.company_key or ""]
            return [group], KEY_ACCOUNT.format(account=account.name, group=group.name or group.id)
        kind = lead.customer_type or "company"
        covering = [
            t
            for t in self.teams
            if _covers(t.regions, lead.region)
            and _covers(t.industries, lead.industry)
            and _covers(t.company_sizes, lead.company_size)
            and _covers(t.customer_types, kind)
        ]
        if covering:
            names = ", ".join(t.name or str(t.id) for t in covering)
            return covering, TERRITORY.format(
                region=lead.region or "-", industry=lead.industry or "-", kind=kind, teams=names
            )
        return self.teams, STEP.join((NO_TEAM, ALL_TEAMS))

    def _rank(self, lead: LeadToAssign) -> tuple[list[RepSlot], list[str], int | None, bool]:
        """The eligible reps best first, the steps that found them, the queue's team, and
        whether the lead needs a senior; reads the roster, changes nothing."""
        cfg = self.rules.assignment
        teams, why = self._territory(lead)
        team_ids = {t.id for t in teams}
        # A key account's group follows the account wherever it buys: no rep territory.
        anywhere = self.group_of(lead) is not None
        reps = [
            r
            for r in self.reps
            if r.team_id in team_ids
            and (anywhere or _covers(r.regions, lead.region))
            and (anywhere or _covers(r.industries, lead.industry))
        ]
        steps = [why, COVERED.format(count=len(reps))]
        senior_only = lead.grade in cfg.senior_grades or lead.priority in cfg.senior_priorities
        if senior_only:
            reps = [r for r in reps if r.seniority in cfg.senior_seniority]
            steps.append(SENIOR.format(grade=lead.grade, priority=lead.priority, count=len(reps)))
        present = [r for r in reps if not r.away]
        if len(present) < len(reps):
            steps.append(AWAY.format(count=len(reps) - len(present)))
        free = [r for r in present if r.open_leads < r.capacity]
        if len(free) < len(present):
            steps.append(AT_CAPACITY.format(count=len(present) - len(free)))
        # Grade A / high priority: the best close rate first; load, then round-robin,
        # break ties. Other leads: the least loaded, then round-robin.
        ranked = sorted(
            free,
            key=lambda r: (
                -r.close_rate if senior_only else 0.0,
                r.open_leads,
                r.last_assigned_at or _NEVER,
                r.id,
            ),
        )
        return ranked, steps, teams[0].id if teams else None, senior_only

    def with_fallbacks(self, choice: Assignment, lead: LeadToAssign) -> Assignment:
        """A choice made by another rule (the previous owner), with this roster's ranking
        of the lead as the fallbacks for when its rep is full at the claim."""
        ranked, _steps, queue, _senior = self._rank(lead)
        return choice.model_copy(
            update={
                "fallbacks": tuple(r.id for r in ranked if r.id != choice.rep_id),
                "queue_team_id": queue,
            }
        )

    def assign(self, lead: LeadToAssign, now: dt.datetime) -> Assignment:
        """Choose a rep for the lead, or its team's manager queue when none is eligible."""
        ranked, steps, queue, senior_only = self._rank(lead)
        if not ranked:
            steps.append(QUEUE)
            return Assignment(
                rep_id=None, team_id=queue, reason=STEP.join(steps), queue_team_id=queue
            )
        chosen = ranked[0]
        if senior_only:
            rates = ", ".join(
                RATE.format(rep=r.name or r.id, rate=f"{r.close_rate:.0%}", basis=r.close_basis)
                for r in sorted(ranked, key=lambda r: (-r.close_rate, self.reps.index(r)))
            )
            steps.append(RATES.format(rates=rates))
            steps.append(
                BEST_RATE.format(
                    rep=chosen.name or chosen.id,
                    rate=f"{chosen.close_rate:.0%}",
                    load=load(chosen.open_leads, chosen.capacity),
                )
            )
        else:
            steps.append(
                LEAST_LOADED.format(
                    rep=chosen.name or chosen.id, load=load(chosen.open_leads, chosen.capacity)
                )
            )
        chosen.open_leads += 1
        chosen.last_assigned_at = now
        return Assignment(
            rep_id=chosen.id,
            team_id=chosen.team_id,
            reason=STEP.join(steps),
            fallbacks=tuple(r.id for r in ranked[1:]),
            queue_team_id=queue,
        )

    def settle(self, choice: Assignment, granted: int | None, now: dt.datetime) -> Assignment:
        """The assignment a claim allowed: the choice itself when its rep had room; else the
        candidate that had room, or the queue, with the in-memory loads moved to match (the
        candidates passed over were full when claimed)."""
        if granted == choice.rep_id:
            return choice
        slots = {r.id: r for r in self.reps}
        passed = (
            choice.candidates[: choice.candidates.index(granted)]
            if granted is not None
            else choice.candidates
        )
        for rep_id in passed:
            slots[rep_id].open_leads = max(slots[rep_id].open_leads, slots[rep_id].capacity)
        full = ", ".join(slots[rep_id].name or str(rep_id) for rep_id in passed)
        if granted is None:
            return Assignment(
                rep_id=None,
                team_id=choice.queue_team_id,
                reason=STEP.join((choice.reason, FULL_WHEN_CLAIMED.format(reps=full), QUEUE)),
                queue_team_id=choice.queue_team_id,
            )
        rep = slots[granted]
        rep.open_leads += 1
        rep.last_assigned_at = now
        return Assignment(
            rep_id=rep.id,
            team_id=rep.team_id,
            reason=STEP.join(
                (
                    choice.reason,
                    FULL_WHEN_CLAIMED.format(reps=full),
                    NEXT_CANDIDATE.format(
                        rep=rep.name or rep.id, load=load(rep.open_leads, rep.capacity)
                    ),
                )
            ),
            queue_team_id=choice.queue_team_id,
        )
