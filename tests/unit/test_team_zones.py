"""Team time zones (issue "Unattended operation that ops can trust", item 9): "A team has a
time zone ... SLAs, business hours, reminders and period boundaries in reviews use it."
Why: "business hours are UTC. The 09:00-18:00 default is 17:00-02:00 for a team in China."

The rules take the zone as an input; these tests pass it in, with a Shanghai team (UTC+8,
no daylight saving) beside a UTC one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from leadflow.config_files import load_rules
from leadflow.review.period import Period
from leadflow.rules.config import ConfigError
from leadflow.rules.timing import business_days_passed, first_contact_due, in_business_hours
from leadflow.rules.vocab import Priority
from leadflow.rules.zones import TeamZones, check_zone
from leadflow.settings import DEFAULT_CONFIG_DIR, Settings

SHANGHAI, UTC = ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")
# November 2026: Mon 2, Tue 3, Thu 5, Fri 6.
MON, TUE, THU, FRI = (dt.date(2026, 11, d) for d in (2, 3, 5, 6))


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


# --- business hours on the team's clock ---------------------------------------------------


@pytest.mark.parametrize(
    "now, zone, inside",
    [
        (utc(MON, 1, 30), SHANGHAI, True),  # 09:30 Monday in Shanghai
        (utc(MON, 10, 30), SHANGHAI, False),  # 18:30 in Shanghai: closed
        (utc(MON, 1, 30), UTC, False),  # the same moment on a UTC team's clock: 01:30
        (utc(MON, 10, 30), UTC, True),
        (utc(MON, 0, 59), SHANGHAI, False),  # 08:59: not yet open
        (utc(MON, 1), SHANGHAI, True),  # 09:00: open
        (utc(FRI, 9, 59), SHANGHAI, True),  # Friday 17:59
        (utc(FRI, 10), SHANGHAI, False),  # Friday 18:00: closed
        (utc(dt.date(2026, 11, 1), 23, 30), SHANGHAI, False),  # Sunday UTC, Monday 07:30 local
        (utc(dt.date(2026, 11, 7), 1, 30), SHANGHAI, False),  # Saturday 09:30 local
    ],
)
def test_business_hours_are_the_teams_own(rules, now, zone, inside):
    assert in_business_hours(now, rules.calendar, zone) is inside


def test_a_holiday_is_a_date_on_the_teams_clock(rules):
    cal = rules.calendar.model_copy(update={"holidays": [TUE]})
    # Monday 17:00 UTC is already Tuesday 01:00 in Shanghai; Tuesday 01:30 UTC is 09:30 there.
    assert in_business_hours(utc(TUE, 1, 30), cal, SHANGHAI) is False
    assert in_business_hours(utc(TUE, 1, 30), rules.calendar, SHANGHAI) is True


# --- the first-contact SLA on business hours ---------------------------------------------


@pytest.mark.parametrize(
    "assigned, priority, zone, due",
    [
        # Rule book §6: "First contact: within the response SLA by priority: high 2 h,
        # medium 4 h, low 24 h"; counted here on the team's business hours.
        (utc(MON, 1, 30), Priority.high, SHANGHAI, utc(MON, 3, 30)),  # 09:30 -> 11:30 local
        (utc(MON, 10, 30), Priority.high, SHANGHAI, utc(TUE, 3)),  # 18:30 -> Tue 11:00 local
        (utc(MON, 10, 30), Priority.high, UTC, utc(MON, 12, 30)),  # a UTC team: same day
        (utc(MON, 1, 30), Priority.high, UTC, utc(MON, 11)),  # 01:30 UTC: counts from 09:00
        # Thursday 17:30 in Shanghai: half an hour on Thursday, 1.5 h on Friday morning.
        (utc(THU, 9, 30), Priority.high, SHANGHAI, utc(FRI, 2, 30)),
        (utc(MON, 1, 30), Priority.medium, SHANGHAI, utc(MON, 5, 30)),
    ],
)
def test_first_contact_due_counts_the_teams_business_hours(business, assigned, priority, zone, due):
    assert first_contact_due(assigned, priority, business, zone) == due


def test_the_48_hour_cap_holds_whatever_the_zone(business):
    """Rule book §6: "never later than 48 h after assignment"."""
    assigned = utc(FRI, 10, 30)  # Friday 18:30 in Shanghai: the weekend comes first
    due = first_contact_due(assigned, Priority.high, business, SHANGHAI)
    assert due == assigned + dt.timedelta(hours=48)  # not Monday 11:00 local


def test_the_wall_clock_ignores_the_zone(rules):
    assert rules.sla.clock == "wall"
    assigned = utc(MON, 10, 30)
    for zone in (SHANGHAI, UTC):
        assert first_contact_due(assigned, Priority.high, rules, zone) == utc(MON, 12, 30)


# --- escalation a business day after the reminder, in the team's dates ------------------


def test_escalation_counts_business_days_in_the_teams_dates(rules):
    """Rule book §6: "one still untouched a day later escalates to the manager"."""
    reminded = utc(MON, 17)  # Monday in UTC, already Tuesday 01:00 in Shanghai
    now = utc(TUE, 2)  # Tuesday 02:00 UTC, Tuesday 10:00 in Shanghai
    assert business_days_passed(reminded, now, 1, rules.calendar, UTC) is True
    assert business_days_passed(reminded, now, 1, rules.calendar, SHANGHAI) is False
    wednesday = utc(dt.date(2026, 11, 4), 1)  # Wednesday 09:00 in Shanghai
    assert business_days_passed(reminded, wednesday, 1, rules.calendar, SHANGHAI) is True


# --- which teams are at work -------------------------------------------------------------


def test_teams_at_work_each_on_its_own_clock(rules):
    zones = TeamZones(default="Europe/Berlin", teams={1: "Asia/Shanghai", 2: "UTC"})
    morning = zones.at_work(utc(MON, 1, 30), rules.calendar)  # 09:30 Shanghai, 02:30 Berlin
    assert morning.team_ids == [1] and morning.no_team is False and morning.anyone
    evening = zones.at_work(utc(MON, 10, 30), rules.calendar)  # 18:30 Shanghai, 11:30 Berlin
    assert evening.team_ids == [2] and evening.no_team is True
    night = zones.at_work(utc(MON, 22), rules.calendar)
    assert night.team_ids == [] and not night.anyone
    assert zones.of(None) == ZoneInfo("Europe/Berlin") and zones.of(3) == ZoneInfo("Europe/Berlin")


# --- names --------------------------------------------------------------------------------


def test_a_zone_is_an_iana_name():
    assert check_zone(" Asia/Shanghai ") == "Asia/Shanghai"
    assert check_zone("UTC") == "UTC"
    for bad in ("Asia/Shangai", "", "localtime", "../../etc/passwd", "+08:00"):
        with pytest.raises(ValueError, match="not an IANA time zone name"):
            check_zone(bad)


def test_the_default_zone_is_a_setting_checked_by_name():
    assert Settings().default_timezone == "UTC"
    shanghai = Settings(default_timezone="Asia/Shanghai")
    assert shanghai.rules().calendar.default_timezone == "Asia/Shanghai"
    with pytest.raises(ValueError, match="default_timezone"):
        Settings(default_timezone="Mars/Olympus_Mons")


@pytest.mark.parametrize("key", ["timezone", "default_timezone"])
def test_rules_yaml_no_longer_sets_a_zone(tmp_path, key):
    override = tmp_path / "rules.yaml"
    override.write_text(f"calendar:\n  {key}: Asia/Shanghai\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"calendar\.{key}: .*teams set ID --timezone"):
        load_rules(DEFAULT_CONFIG_DIR / "rules.yaml", override)


# --- review periods from local midnight --------------------------------------------------


def test_a_period_starts_at_local_midnight_of_its_zone():
    q4 = Period.parse("2026-Q4", "Asia/Shanghai")
    assert q4.start == utc(dt.date(2026, 9, 30), 16)  # October 1st 00:00 in Shanghai
    assert q4.end == utc(dt.date(2026, 12, 31), 16)
    assert Period.parse("2026-Q4").start == utc(dt.date(2026, 10, 1), 0)
    assert q4.previous() == Period.parse("2026-Q3", "Asia/Shanghai")
    assert q4.label == "2026-Q4"


def test_the_period_containing_a_moment_is_read_on_the_zones_clock():
    moment = utc(dt.date(2026, 9, 30), 17)  # Sep 30th in UTC, Oct 1st 01:00 in Shanghai
    assert Period.containing(moment, "quarter").label == "2026-Q3"
    assert Period.containing(moment, "quarter", "Asia/Shanghai").label == "2026-Q4"
    assert Period.containing(moment, "month", "Asia/Shanghai").label == "2026-10"
