"""Activity targets measured from what was recorded (seed 004): valid leads of a channel a
week, and intent customers followed up a working day. Nothing here is ever set by hand.

- A valid lead counts for the rep its 录入人 (`entered_by`) names (the rep's name, email or
  one of the rep's API keys as `rep:<key name>`), else for its owner at intake (the first
  owner its history records, else its owner); it counts in the period it was entered
  (`entered_at`, else when it was stored).
- A follow-up is a contact the rep logged on a lead that was nurturing, an opportunity or
  in negotiation when the contact happened; each customer counts once a day (跟进2家: two
  customers), days are the team's local dates, and the working days are the calendar's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from leadflow.review.period import KEPT, Period, within
from leadflow.rules.config import CalendarRules
from leadflow.rules.timing import is_business_day
from leadflow.rules.vocab import Channel, State
from leadflow.store.auth_models import ApiKey
from leadflow.store.models import Activity, FieldChange, Lead, SalesRep, TransitionAudit

# Valid leads per (rep, channel), by the period's bounds.
Credits = dict[tuple[dt.datetime, dt.datetime], Counter[tuple[int, str]]]
INTENT = (State.nurturing.value, State.opportunity.value, State.negotiation.value)


class LeadCount(BaseModel):
    """One channel's valid leads: the weekly number, what it comes to over the period,
    what was recorded, and whether it was met (None while the period runs and it is not)."""

    channel: str
    per_week: int
    expected: int
    actual: int
    met: bool | None


class FollowUpCount(BaseModel):
    """Intent customers followed up: the daily number, the period's working days (so far),
    how many of them reached it, the customers followed up in all, and whether every
    working day of the period reached it (None while the period runs and none missed)."""

    per_day: int
    working_days: int
    working_days_so_far: int
    days_met: int
    actual: int
    met: bool | None


class Measured(BaseModel):
    """A target's activity numbers against what was recorded in its period."""

    complete: bool  # the period is over
    valid_leads: list[LeadCount]
    follow_ups: FollowUpCount | None


def _days(period: Period) -> list[dt.date]:
    first, last = period.start.date(), period.end.date()
    return [first + dt.timedelta(days=i) for i in range((last - first).days)]


def _rep_names(session: Session) -> dict[str, int | None]:
    """Lower-cased name, email and `rep:<key>` -> rep id; a word two reps share names none."""
    found: dict[str, set[int]] = defaultdict(set)
    for rep_id, name, email in session.execute(select(SalesRep.id, SalesRep.name, SalesRep.email)):
        for word in (name, email):
            if word:
                found[word.strip().lower()].add(rep_id)
    keys = select(ApiKey.rep_id, ApiKey.name).where(ApiKey.rep_id.is_not(None))
    for rep_id, key_name in session.execute(keys):
        found[f"rep:{key_name}".lower()].add(rep_id)
    return {word: ids.pop() if len(ids) == 1 else None for word, ids in found.items()}


def lead_credit(
    session: Session, period: Period, channels: Iterable[str]
) -> Counter[tuple[int, str]]:
    """Valid leads entered in the period through these channels, per (rep, channel)."""
    first_owner = (
        select(func.coalesce(FieldChange.old_value, FieldChange.new_value))
        .where(FieldChange.lead_id == Lead.id, FieldChange.field == "owner_id")
        .order_by(FieldChange.id)
        .limit(1)
        .scalar_subquery()
    )
    intake_owner = func.coalesce(first_owner, cast(Lead.owner_id, String))
    rows = session.execute(
        select(Lead.entered_by, intake_owner, Lead.source, func.count())
        .where(
            KEPT,
            Lead.valid.is_(True),
            Lead.source.in_(list(channels)),
            within(func.coalesce(Lead.entered_at, Lead.created_at), period),
        )
        .group_by(Lead.entered_by, intake_owner, Lead.source)
    )
    names = _rep_names(session)
    credit: Counter[tuple[int, str]] = Counter()
    for entered_by, owner, source, n in rows:
        rep = names.get((entered_by or "").strip().lower())
        if rep is None and owner is not None and str(owner).isdigit():
            rep = int(owner)
        if rep is not None:
            credit[(rep, source)] += n
    return credit


def follow_up_days(session: Session, period: Period, reps: list[int]) -> dict[dt.date, int]:
    """Per local date of the period: the intent customers the reps followed up (a customer
    once a day per rep)."""
    state_then = (
        select(TransitionAudit.to_state)
        .where(TransitionAudit.lead_id == Activity.lead_id, TransitionAudit.at <= Activity.at)
        .order_by(TransitionAudit.at.desc(), TransitionAudit.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Activity.rep_id, Activity.lead_id, Activity.at)
        .join(Lead, Lead.id == Activity.lead_id)
        .where(
            KEPT,
            Activity.rep_id.in_(reps),
            within(Activity.at, period),
            state_then.in_(INTENT),
        )
    )
    zone = period.start.tzinfo
    seen = {(rep, lead, at.astimezone(zone).date()) for rep, lead, at in rows}
    return dict(Counter(day for _rep, _lead, day in seen))


def measure(
    session: Session,
    period: Period,
    reps: list[int],
    valid_leads: dict[str, int],
    per_day: int | None,
    now: dt.datetime,
    calendar: CalendarRules,
    credits: Credits | None = None,
) -> Measured:
    """The activity targets of one rep (or a team: its reps together) over the period, on
    the period's clock (the team's), as of `now`. `credits` keeps the valid leads counted
    per period, so that the targets of one period read the leads once."""
    days = _days(period)
    complete = now >= period.end
    today = now.astimezone(period.start.tzinfo).date()
    credit: Counter[tuple[int, str]] = Counter()
    if valid_leads:
        cache = {} if credits is None else credits
        key = (period.start, period.end)
        if key not in cache:
            cache[key] = lead_credit(session, period, [c.value for c in Channel])
        credit = cache[key]
    counts = []
    for channel, weekly in sorted(valid_leads.items()):
        expected = math.ceil(weekly * len(days) / 7)
        actual = sum(n for (rep, source), n in credit.items() if rep in reps and source == channel)
        met = True if actual >= expected else (False if complete else None)
        counts.append(
            LeadCount(channel=channel, per_week=weekly, expected=expected, actual=actual, met=met)
        )
    follow_ups = None
    if per_day is not None:
        daily = follow_up_days(session, period, reps)
        working = [d for d in days if is_business_day(d, calendar)]
        so_far = [d for d in working if complete or d < today]
        days_met = sum(1 for d in so_far if daily.get(d, 0) >= per_day)
        missed = days_met < len(so_far)
        follow_ups = FollowUpCount(
            per_day=per_day,
            working_days=len(working),
            working_days_so_far=len(so_far),
            days_met=days_met,
            actual=sum(daily.values()),
            met=False if missed else (True if complete else None),
        )
    return Measured(complete=complete, valid_leads=counts, follow_ups=follow_ups)
