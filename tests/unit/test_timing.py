"""Spec §5/§6/§8 timers: first-contact SLA, business hours and days, follow-up cadence."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from leadflow.config_files import load_rules
from leadflow.rules.timing import (
    add_business_days,
    add_business_hours,
    cadence_days,
    first_contact_due,
    is_business_day,
    next_cadence_date,
)
from leadflow.rules.vocab import Grade, Priority, State
from leadflow.settings import DEFAULT_CONFIG_DIR

UTC = dt.UTC
UTC_ZONE = ZoneInfo("UTC")
# July 2024: Mon 1, Wed 3, Thu 4, Fri 5, Sat 6, Sun 7, Mon 8.
MON, WED, THU, FRI, SAT, SUN = (dt.date(2024, 7, d) for d in (1, 3, 4, 5, 6, 7))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


# --- first contact SLA, wall clock -------------------------------------------------------


@pytest.mark.parametrize(
    "priority, hours",
    [
        (Priority.high, 2),
        (Priority.medium, 4),
        (Priority.low, 24),
    ],
)
def test_first_contact_due_by_priority(rules, priority, hours):
    assert rules.sla.clock == "wall"
    start = at(FRI, 17)  # the wall clock ignores weekends
    assert first_contact_due(start, priority, rules, UTC_ZONE) == start + dt.timedelta(hours=hours)


def test_first_contact_never_later_than_48h(rules):
    slow = rules.model_copy(
        update={
            "sla": rules.sla.model_copy(
                update={
                    "first_contact_hours": {Priority.high: 2, Priority.medium: 47, Priority.low: 72}
                }
            )
        }
    )
    start = at(WED, 10)
    hours = {p: first_contact_due(start, p, slow, UTC_ZONE) - start for p in Priority}
    assert hours[Priority.medium] == dt.timedelta(hours=47)
    assert hours[Priority.low] == dt.timedelta(hours=48)


# --- first contact SLA, business clock ---------------------------------------------------


def test_override_switches_clock_and_keeps_the_rest(business, rules):
    assert business.sla.clock == "business"
    assert business.sla.first_contact_hours == rules.sla.first_contact_hours
    assert business.calendar.day_start == dt.time(9) and business.calendar.day_end == dt.time(18)


@pytest.mark.parametrize(
    "start, priority, due",
    [
        (at(WED, 10), Priority.high, at(WED, 12)),
        (at(WED, 10), Priority.medium, at(WED, 14)),
        (at(WED, 7), Priority.high, at(WED, 11)),  # before opening: counts from 09:00
        (at(WED, 17), Priority.high, at(THU, 10)),  # 1 h today, 1 h tomorrow
        (at(WED, 16, 30), Priority.medium, at(THU, 11, 30)),
        (at(WED, 19), Priority.medium, at(THU, 13)),  # after closing: next morning
        (at(SUN, 12), Priority.high, at(dt.date(2024, 7, 8), 11)),  # weekend skipped
        (at(MON, 9), Priority.low, at(WED, 9)),  # 24 business h > 48 h: capped
    ],
)
def test_first_contact_due_on_business_hours(business, start, priority, due):
    assert first_contact_due(start, priority, business, UTC_ZONE) == due


def test_business_clock_still_capped_at_48h(business):
    start = at(FRI, 17)
    for priority in Priority:
        due = first_contact_due(start, priority, business, UTC_ZONE)
        assert start < due <= start + dt.timedelta(hours=48)


def test_business_clock_skips_holidays(business):
    cal = business.calendar.model_copy(update={"holidays": [THU]})
    with_holiday = business.model_copy(update={"calendar": cal})
    assert first_contact_due(at(WED, 17), Priority.high, with_holiday, UTC_ZONE) == at(FRI, 10)


@pytest.mark.parametrize(
    "start, hours, end",
    [
        (at(FRI, 17), 2, at(dt.date(2024, 7, 8), 10)),  # over the weekend
        (at(SAT, 8), 9, at(dt.date(2024, 7, 8), 18)),
        (at(WED, 9), 18, at(THU, 18)),
        (at(WED, 12), 0, at(WED, 12)),
    ],
)
def test_add_business_hours(rules, start, hours, end):
    assert add_business_hours(start, hours, rules.calendar, UTC_ZONE) == end


def test_add_business_hours_without_workdays_fails(rules):
    cal = rules.calendar.model_copy(update={"workdays": []})
    with pytest.raises(ValueError, match="no business hours"):
        add_business_hours(at(WED, 10), 1, cal, UTC_ZONE)


def test_business_hours_follow_the_teams_zone(business):
    # Monday 12:00 UTC is 08:00 in New York (EDT): the office opens at 09:00 EDT = 13:00 UTC,
    # so a 2 h SLA is due at 11:00 EDT = 15:00 UTC.
    ny = ZoneInfo("America/New_York")
    assert first_contact_due(at(MON, 12), Priority.high, business, ny) == at(MON, 15)


# --- business days -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        (MON, True),
        (FRI, True),
        (SAT, False),
        (SUN, False),
    ],
)
def test_is_business_day(rules, day, expected):
    assert is_business_day(day, rules.calendar) is expected


@pytest.mark.parametrize(
    "start, days, end",
    [
        (WED, 0, WED),
        (WED, 1, THU),
        (THU, 1, FRI),
        (FRI, 1, dt.date(2024, 7, 8)),  # over the weekend
        (FRI, 3, dt.date(2024, 7, 10)),  # post-win review: 3 business days
        (SAT, 1, dt.date(2024, 7, 8)),
        (SUN, 1, dt.date(2024, 7, 8)),
        (MON, 5, dt.date(2024, 7, 8)),
        (MON, 10, dt.date(2024, 7, 15)),
    ],
)
def test_add_business_days(rules, start, days, end):
    assert add_business_days(start, days, rules.calendar) == end


def test_add_business_days_skips_holidays(rules):
    cal = rules.calendar.model_copy(update={"holidays": [THU, dt.date(2024, 7, 8)]})
    assert add_business_days(WED, 1, cal) == FRI
    assert add_business_days(WED, 2, cal) == dt.date(2024, 7, 9)
    assert is_business_day(THU, cal) is False


def test_holidays_from_yaml_override(tmp_path):
    override = tmp_path / "rules.yaml"
    override.write_text("calendar:\n  holidays: [2024-07-04]\n", encoding="utf-8")
    loaded = load_rules(DEFAULT_CONFIG_DIR / "rules.yaml", override)
    assert loaded.calendar.holidays == [THU]
    assert add_business_days(WED, 1, loaded.calendar) == FRI


def test_handoff_defaults(rules):
    assert rules.handoff.due_business_days == 1
    assert rules.handoff.review_due_business_days == 3


# --- follow-up cadence -------------------------------------------------------------------


@pytest.mark.parametrize("grade, days", [(Grade.A, 4), (Grade.B, 14), (Grade.C, 30)])
def test_cadence_by_lead_grade(rules, grade, days):
    # A: 1-2 contacts a week, B: every 2 weeks, C: once a month
    assert cadence_days(State.nurturing, grade, None, rules) == days
    assert cadence_days(State.nurturing, grade, Grade.A, rules) == days  # not yet an opp


@pytest.mark.parametrize("state", [State.opportunity, State.negotiation])
@pytest.mark.parametrize("opp_grade, days", [(Grade.A, 3), (Grade.B, 7), (Grade.C, 14)])
def test_cadence_by_opportunity_grade(rules, state, opp_grade, days):
    # A twice a week, B weekly, C every 2 weeks; the lead grade no longer counts
    assert cadence_days(state, Grade.C, opp_grade, rules) == days


def test_cadence_falls_back_to_lead_grade_then_c(rules):
    assert cadence_days(State.opportunity, Grade.B, None, rules) == 14
    assert cadence_days(State.nurturing, None, None, rules) == 30


def test_next_cadence_date(rules):
    last = at(WED, 15)
    assert next_cadence_date(last, State.nurturing, Grade.B, None, rules) == last + dt.timedelta(
        days=14
    )
    assert next_cadence_date(last, State.opportunity, Grade.B, Grade.A, rules) == at(
        dt.date(2024, 7, 6), 15
    )


def test_sla_defaults(rules):
    sla = rules.sla
    assert sla.log_within_hours == 24
    assert sla.no_follow_up_days == 3
    assert sla.escalate_after_days == 1
    assert sla.dormant_after_days == 90
    assert sla.objection_answer_hours == 24
    assert rules.opportunity.brief_due_hours == {Grade.A: 24}
