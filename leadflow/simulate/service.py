"""`leadflow rules simulate` and the rules-simulation flow: replay a period's leads through
the current and a candidate rule book. It reads only: nothing is written, and the caller's
unit of work is never committed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from leadflow.config_files import deep_merge, moved_keys, read_yaml, validate
from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.progress import Report, counted
from leadflow.review.period import Period
from leadflow.rules.config import RulesConfig
from leadflow.simulate.history import snapshots
from leadflow.simulate.replay import replay
from leadflow.simulate.report import SimulationReport, compare
from leadflow.team.roster import load_roster
from leadflow.team.zones import team_zones


def candidate_rules(path: Path, current: RulesConfig) -> RulesConfig:
    """The candidate file layered over the current rule book (it may hold only the keys it
    changes), validated; a bad value raises ConfigError naming the file and the key."""
    changes = moved_keys(read_yaml(path), path)
    data = deep_merge(current.model_dump(mode="json"), changes)
    return validate(RulesConfig, data, [(str(path), changes)])


def window(
    period: str | None, since: dt.date | None, now: dt.datetime
) -> tuple[str, dt.datetime, dt.datetime]:
    """The replayed window: a period (2026-Q3, 2026-09), from a date to now, or by default
    the last complete quarter."""
    if period and since:
        raise InvalidInput(N_("give --period or --since, not both"), {"period": "with --since"})
    if since is not None:
        start = dt.datetime.combine(since, dt.time(), dt.UTC)
        return f"since {since.isoformat()}", start, now
    try:
        chosen = Period.parse(period) if period else Period.containing(now.date()).previous()
    except ValueError as exc:
        raise InvalidInput(str(exc), {"period": str(exc)}) from None
    return chosen.label, chosen.start, chosen.end


def simulate(
    session: Session,
    current: RulesConfig,
    candidate: RulesConfig,
    candidate_file: str,
    label: str,
    since: dt.datetime,
    until: dt.datetime,
    samples: int = 20,
    on_progress: tuple[Report, Report] | None = None,
) -> SimulationReport:
    """Replay the leads that arrived in the window through both rule books, in arrival
    order against the current roster (each rep starting the window empty, a slot freed
    when a lead actually closed), and compare."""
    leads = snapshots(session, since, until, current)
    roster = load_roster(session, current, lock=False)
    for slot in roster.reps:
        slot.open_leads, slot.last_assigned_at = 0, None
    zones = team_zones(session, current)
    hear = on_progress or (None, None)  # (current rules, candidate rules)
    before = replay(counted(leads, hear[0], len(leads)), current, roster, zones)
    after = replay(counted(leads, hear[1], len(leads)), candidate, roster, zones)
    meta = {
        "period": label,
        "since": since,
        "until": until,
        "candidate_file": candidate_file,
        "note": "leads as they were at intake (later field changes undone, behaviour "
        "events up to intake); each rep starts the window with no open leads "
        "and a slot frees when its lead actually closed; duplicates merged at "
        "intake are left out",
    }
    return compare(leads, before, after, roster, samples, meta)
