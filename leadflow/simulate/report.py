"""Comparing two replays: what changes lead by lead, each rep's load, and how well each
rule book separates the deals actually won from those lost."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel
from sklearn.metrics import roc_auc_score

from leadflow.rules.assignment import Roster
from leadflow.simulate.history import Snapshot
from leadflow.simulate.replay import Decision


class Change(BaseModel):
    """One lead whose decision differs."""

    lead_id: int
    company: str
    current: str
    candidate: str
    score: str  # "82 -> 82"


class ChangeGroup(BaseModel):
    """All leads with the same change ("priority high -> medium"), with a sample."""

    field: str
    change: str
    count: int
    sample: list[Change]


class RepLoad(BaseModel):
    """Leads a rep is given over the period under each rule book."""

    rep_id: int | None
    name: str
    seniority: str
    current: int
    candidate: int
    change: int


class Separation(BaseModel):
    """How one rule book's decisions line up with the actual outcomes."""

    auc: float | None  # of the score, over leads won or lost after screening
    by_grade: list[dict[str, Any]]  # grade, leads, won, win_rate


class SimulationReport(BaseModel):
    """The whole what-if: counts, samples, loads and separation under both rule books."""

    period: str
    since: dt.datetime
    until: dt.datetime
    candidate_file: str
    leads: int
    with_outcome: int
    changed: dict[str, int]
    groups: list[ChangeGroup]
    loads: list[RepLoad]
    separation: dict[str, Separation]
    note: str


def _show(decision: Decision, field: str) -> str:
    value = getattr(decision, field)
    if field == "owner":
        return (
            f"rep {value}"
            if value is not None
            else (f"team {decision.team} queue" if decision.team is not None else "-")
        )
    if field == "first_contact_due":
        return f"{value:%Y-%m-%d %H:%M}" if value else "-"
    return str(value)


def _separation(leads: list[Snapshot], decisions: list[Decision]) -> Separation:
    closed = [
        (lead.outcome, d)
        for lead, d in zip(leads, decisions, strict=True)
        if lead.outcome is not None
    ]
    outcomes = {o for o, _ in closed}
    auc = (
        round(float(roc_auc_score([o for o, _ in closed], [d.score for _, d in closed])), 4)
        if len(outcomes) == 2
        else None
    )
    groups: dict[str, list[int]] = defaultdict(list)
    for outcome, d in closed:
        groups[d.grade if d.valid else "invalid"].append(outcome or 0)
    rows = [
        {"grade": g, "leads": len(v), "won": sum(v), "win_rate": round(sum(v) / len(v), 4)}
        for g, v in sorted(groups.items())
    ]
    return Separation(auc=auc, by_grade=rows)


def compare(
    leads: list[Snapshot],
    current: list[Decision],
    candidate: list[Decision],
    roster: Roster,
    samples: int,
    meta: dict[str, Any],
) -> SimulationReport:
    """The report of two replays of the same leads."""
    fields = {
        "validity": "valid",
        "priority": "priority",
        "grade": "grade",
        "owner": "owner",
        "first_contact_due": "first_contact_due",
    }
    changed: Counter[str] = Counter()
    groups: dict[tuple[str, str], ChangeGroup] = {}
    for lead, a, b in zip(leads, current, candidate, strict=True):
        if a == b:  # most leads: the same decision shows the same in every field
            continue
        for name, attr in fields.items():
            old, new = _show(a, attr), _show(b, attr)
            if old == new:
                continue
            changed[name] += 1
            key = (
                name,
                f"{old} -> {new}" if name != "owner" and name != "first_contact_due" else "changed",
            )
            group = groups.setdefault(
                key, ChangeGroup(field=name, change=key[1], count=0, sample=[])
            )
            group.count += 1
            if len(group.sample) < samples:
                group.sample.append(
                    Change(
                        lead_id=lead.id,
                        company=str(lead.values.get("company_name") or ""),
                        current=old,
                        candidate=new,
                        score=f"{a.score} -> {b.score}",
                    )
                )
    loads_a = Counter(d.owner for d in current if d.owner is not None)
    loads_b = Counter(d.owner for d in candidate if d.owner is not None)
    loads = [
        RepLoad(
            rep_id=r.id,
            name=r.name,
            seniority=r.seniority,
            current=loads_a[r.id],
            candidate=loads_b[r.id],
            change=loads_b[r.id] - loads_a[r.id],
        )
        for r in roster.reps
    ]
    queued_a = sum(1 for d in current if d.valid and d.owner is None)
    queued_b = sum(1 for d in candidate if d.valid and d.owner is None)
    loads.append(
        RepLoad(
            rep_id=None,
            name="(manager queues)",
            seniority="-",
            current=queued_a,
            candidate=queued_b,
            change=queued_b - queued_a,
        )
    )
    return SimulationReport(
        **meta,
        leads=len(leads),
        with_outcome=sum(1 for s in leads if s.outcome is not None),
        changed={name: changed[name] for name in fields},
        groups=sorted(groups.values(), key=lambda g: (g.field, -g.count)),
        loads=loads,
        separation={
            "current": _separation(leads, current),
            "candidate": _separation(leads, candidate),
        },
    )
