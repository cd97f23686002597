"""Due dates: first-contact SLA, follow-up cadence and business days (spec §5, §6, §8).

The clock and the team's time zone are always passed in; nothing here reads either."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from leadflow.phrases import N_
from leadflow.rules.config import CalendarRules, NurtureStage, RulesConfig
from leadflow.rules.vocab import Grade, Priority, State

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_business_day(day: dt.date, cal: CalendarRules) -> bool:
    """A configured workday that is not a holiday."""
    return _WEEKDAYS[day.weekday()] in cal.workdays and day not in cal.holidays


def add_business_days(start: dt.date, days: int, cal: CalendarRules) -> dt.date:
    """The date `days` business days after `start`."""
    current = start
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if is_business_day(current, cal):
            remaining -= 1
    return current


def in_business_hours(now: dt.datetime, cal: CalendarRules, zone: ZoneInfo) -> bool:
    """`now` falls on a business day within business hours, on the team's local clock."""
    local = now.astimezone(zone)
    return is_business_day(local.date(), cal) and cal.day_start <= local.time() < cal.day_end


def local_date(when: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The team's calendar date at that moment."""
    return when.astimezone(zone).date()


def business_days_passed(
    since: dt.datetime, now: dt.datetime, days: int, cal: CalendarRules, zone: ZoneInfo
) -> bool:
    """`days` business days have passed from `since` to `now`, counted in the team's dates."""
    return local_date(now, zone) >= add_business_days(local_date(since, zone), days, cal)


def handoff_due(won_at: dt.datetime, rules: RulesConfig, zone: ZoneInfo) -> dt.datetime:
    """When a won deal's handoff is due (spec §8): handoff.due_business_days of the team's
    business days after the win's local date, at the win's local time of day."""
    won = won_at.astimezone(zone)
    day = add_business_days(won.date(), rules.handoff.due_business_days, rules.calendar)
    return dt.datetime.combine(day, won.timetz())


def add_business_hours(
    start: dt.datetime, hours: float, cal: CalendarRules, zone: ZoneInfo
) -> dt.datetime:
    """The moment `hours` working hours after `start`, skipping nights, weekends, holidays.

    Working hours are read on the team's local clock (`zone`); the result is in start's zone."""
    remaining = dt.timedelta(hours=hours)
    current = start.astimezone(zone)
    for _ in range(3660):  # bounded: ten years of days
        day = current.date()
        open_at = dt.datetime.combine(day, cal.day_start, tzinfo=current.tzinfo)
        close_at = dt.datetime.combine(day, cal.day_end, tzinfo=current.tzinfo)
        if is_business_day(day, cal) and current < close_at:
            current = max(current, open_at)
            if current + remaining <= close_at:
                return (current + remaining).astimezone(start.tzinfo)
            remaining -= close_at - current
        current = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), current.tzinfo)
    raise ValueError(N_("calendar has no business hours"))


def first_contact_due(
    assigned_at: dt.datetime, priority: Priority, rules: RulesConfig, zone: ZoneInfo
) -> dt.datetime:
    """SLA by priority, counted on the configured clock (business hours on the team's local
    clock, `zone`), never past the hard cap."""
    sla = rules.sla
    hours = sla.first_contact_hours[priority]
    if sla.clock == "business":
        due = add_business_hours(assigned_at, hours, rules.calendar, zone)
    else:
        due = assigned_at + dt.timedelta(hours=hours)
    return min(due, assigned_at + dt.timedelta(hours=sla.max_hours_after_assignment))


def tightened_first_contact_due(
    assigned_at: dt.datetime,
    current: dt.datetime | None,
    priority: Priority,
    rules: RulesConfig,
    zone: ZoneInfo,
) -> dt.datetime:
    """A lead whose priority rose before first contact gets the new, shorter SLA; a due
    time never loosens."""
    due = first_contact_due(assigned_at, priority, rules, zone)
    return due if current is None else min(current, due)


def cadence_days(
    state: State,
    grade: Grade | None,
    opportunity_grade: Grade | None,
    rules: RulesConfig,
    nurture_stage: str | None = None,
) -> int:
    """Days between contacts: by opportunity grade once an opportunity, else by lead grade;
    a nurturing lead's stage may ask for more often (its own cadence)."""
    if state in (State.opportunity, State.negotiation) and opportunity_grade is not None:
        return rules.opportunity.cadence_days[opportunity_grade]
    days = rules.grading.cadence_days[grade or Grade.C]
    stage = nurture_stage_named(nurture_stage, rules)
    if state == State.nurturing and stage is not None:
        days = min(days, stage.cadence_days)
    return days


def nurture_stage_named(name: str | None, rules: RulesConfig) -> NurtureStage | None:
    """The configured nurture stage of that name, if any."""
    return next((s for s in rules.scoring.nurture_stages if s.name == name), None)


def next_cadence_date(
    last_contact: dt.datetime,
    state: State,
    grade: Grade | None,
    opportunity_grade: Grade | None,
    rules: RulesConfig,
    nurture_stage: str | None = None,
) -> dt.datetime:
    """When the next scheduled contact is due."""
    days = cadence_days(state, grade, opportunity_grade, rules, nurture_stage)
    return last_contact + dt.timedelta(days=days)


def logged_late(happened: dt.datetime, logged: dt.datetime, rules: RulesConfig) -> bool:
    """Spec §6: a contact logged more than log_within_hours after it happened is late."""
    return logged - happened > dt.timedelta(hours=rules.sla.log_within_hours)


def notice_wait(rules: RulesConfig) -> dt.timedelta:
    """How long an owner's notice may stay undelivered (spec §5, "notified within 24 hours
    of assignment (default: at once)"), and how long one for a rep (or manager) who cannot
    be reached waits before it goes to who stands in: notify_within_hours, but never less
    than notify_grace_minutes, the time the sender is given to send a notice at all (0
    hours, "at once", would otherwise escalate every notice written just before a pass)."""
    a = rules.assignment
    return max(
        dt.timedelta(hours=a.notify_within_hours), dt.timedelta(minutes=a.notify_grace_minutes)
    )
