"""The what-if replay itself (pure: no I/O): leads as they were at intake run through one
rule book, in arrival order, against a copy of the roster; a rep's slot frees up when the
lead it was given actually closed."""

from __future__ import annotations

import copy
import datetime as dt
import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from leadflow.rules.assignment import LeadToAssign, Roster
from leadflow.rules.config import RulesConfig
from leadflow.rules.evaluate import evaluate
from leadflow.rules.timing import first_contact_due
from leadflow.rules.zones import TeamZones
from leadflow.simulate.history import Snapshot


@dataclass(frozen=True, slots=True)
class Decision:
    """What one rule book decides for one lead at intake."""

    valid: bool
    score: int
    priority: str
    grade: str
    owner: int | None  # None: disqualified, or a manager queue
    team: int | None
    first_contact_due: dt.datetime | None


def replay(
    leads: Iterable[Snapshot], rules: RulesConfig, roster: Roster, zones: TeamZones
) -> list[Decision]:
    """Each lead's decision under `rules`, in the order given, on a copy of `roster`; SLAs
    count on each team's local clock (`zones`)."""
    slots = copy.deepcopy(roster)
    slots.rules = rules
    by_id = {slot.id: slot for slot in slots.reps}
    releases: list[tuple[dt.datetime, int, int]] = []  # (actual close, lead id, rep id)
    # What assignment reads is a handful of distinct value tuples: one frozen object each.
    to_assign: dict[tuple[object, ...], LeadToAssign] = {}
    out = []
    for lead in leads:
        while releases and releases[0][0] <= lead.at:
            _, _, rep_id = heapq.heappop(releases)
            by_id[rep_id].open_leads = max(by_id[rep_id].open_leads - 1, 0)
        ev = evaluate(lead.facts, lead.counts, lead.at.date(), rules)
        owner = team = due = None
        if ev.bant.valid:
            key = (
                lead.values.get("region"),
                lead.values.get("industry"),
                lead.values.get("company_size"),
                ev.grade.grade,
                ev.score.priority,
                lead.values.get("customer_type"),
                lead.values.get("company_key"),
            )
            if key not in to_assign:
                # Built without validation: the values were validated as LeadFacts already.
                to_assign[key] = LeadToAssign.model_construct(
                    region=key[0],
                    industry=key[1],
                    company_size=key[2],
                    grade=key[3],
                    priority=key[4],
                    customer_type=key[5],
                    company_key=key[6],
                )
            choice = slots.assign(to_assign[key], lead.at)
            owner, team = choice.rep_id, choice.team_id
            if owner is not None:
                due = first_contact_due(lead.at, ev.score.priority, rules, zones.of(team))
                if lead.closed_at is not None:
                    heapq.heappush(releases, (lead.closed_at, lead.id, owner))
        out.append(
            Decision(
                valid=ev.bant.valid,
                score=ev.score.total,
                priority=ev.score.priority.value,
                grade=ev.grade.grade.value,
                owner=owner,
                team=team,
                first_contact_due=due,
            )
        )
    return out
