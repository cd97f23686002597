"""The overdue rule: last completed run, cadence, clock in; overdue or not, and why."""

from __future__ import annotations

import datetime as dt

import pytest

from leadflow.rules.cadence import Cadence, check_overdue, last_cron_time
from tests.factories import NOW  # a Monday, 10:00 UTC

MINUTE = dt.timedelta(minutes=1)
EVERY_MINUTE = Cadence(every_seconds=60)
MONDAYS_5 = Cadence(cron="0 5 * * 1")
HOURLY = Cadence(cron="0 * * * *")
LONG_AGO = NOW - dt.timedelta(days=60)


def test_an_interval_deployment_is_due_within_twice_its_interval():
    last = NOW - 2 * MINUTE
    assert not check_overdue(EVERY_MINUTE, last, LONG_AGO, LONG_AGO, NOW).overdue  # 2 intervals
    late = check_overdue(EVERY_MINUTE, last, LONG_AGO, LONG_AGO, NOW + dt.timedelta(seconds=1))
    assert late.overdue
    assert late.due_by == NOW
    assert "last completed" in late.reason and "every 60 s" in late.reason


def test_an_interval_deployment_that_never_completed_counts_from_its_deployment():
    deployed = NOW - MINUTE
    assert not check_overdue(EVERY_MINUTE, None, deployed, deployed, NOW).overdue
    verdict = check_overdue(EVERY_MINUTE, None, deployed, deployed, NOW + 5 * MINUTE)
    assert verdict.overdue
    assert "no completed run since it was deployed" in verdict.reason


def test_an_interval_deployment_owes_nothing_for_the_time_it_was_not_served():
    last = NOW - dt.timedelta(hours=5)  # serve was down; restarted a minute ago
    restarted = NOW - MINUTE
    assert not check_overdue(EVERY_MINUTE, last, LONG_AGO, restarted, NOW).overdue
    assert check_overdue(EVERY_MINUTE, last, LONG_AGO, restarted, NOW + 2 * MINUTE).overdue


def test_a_cron_deployment_is_overdue_when_nothing_completed_since_its_last_time():
    monday_5 = NOW.replace(hour=5)
    last_week = monday_5 - dt.timedelta(days=7, minutes=-3)
    verdict = check_overdue(MONDAYS_5, last_week, LONG_AGO, LONG_AGO, NOW)
    assert verdict.overdue
    assert f"{monday_5:%Y-%m-%d %H:%M:%S} UTC has not completed" in verdict.reason
    this_week = monday_5 + 3 * MINUTE
    assert not check_overdue(MONDAYS_5, this_week, LONG_AGO, LONG_AGO, NOW).overdue
    sunday = NOW - dt.timedelta(days=1)  # last week's run is still the last one due
    assert not check_overdue(MONDAYS_5, last_week, LONG_AGO, LONG_AGO, sunday).overdue


def test_a_cron_time_missed_while_nothing_served_is_still_owed():
    last_week = NOW.replace(hour=5) - dt.timedelta(days=7, minutes=-3)
    restarted = NOW - MINUTE  # serve was down at 05:00 this Monday
    assert check_overdue(MONDAYS_5, last_week, LONG_AGO, restarted, NOW).overdue


def test_a_cron_run_gets_its_grace_before_it_counts_as_missing():
    grace = 10 * MINUTE
    at_ten = NOW.replace(hour=10, minute=0)
    before = at_ten - dt.timedelta(minutes=58)  # the 09:00 run completed at 09:02
    assert not check_overdue(HOURLY, before, LONG_AGO, LONG_AGO, at_ten + 5 * MINUTE, grace).overdue
    verdict = check_overdue(HOURLY, before, LONG_AGO, LONG_AGO, at_ten + 11 * MINUTE, grace)
    assert verdict.overdue
    assert verdict.due_by == at_ten + grace


def test_a_cron_time_before_the_deployment_existed_is_not_owed():
    deployed = NOW.replace(hour=6)  # after Monday 05:00
    assert not check_overdue(MONDAYS_5, None, deployed, deployed, NOW).overdue
    next_week = NOW + dt.timedelta(days=7)
    assert check_overdue(MONDAYS_5, None, deployed, deployed, next_week).overdue


def test_cron_times_are_read_in_the_schedules_timezone():
    shanghai = Cadence(cron="0 5 * * 1", timezone="Asia/Shanghai")  # Monday 05:00 = Sun 21:00 UTC
    fired = last_cron_time(shanghai.cron or "", shanghai.timezone, NOW)
    assert fired == (NOW - dt.timedelta(days=1)).replace(hour=21)
    assert last_cron_time("0 10 * * *", "UTC", NOW) == NOW  # a time exactly now counts


def test_a_cadence_is_an_interval_or_a_cron():
    with pytest.raises(ValueError, match="either every_seconds or cron"):
        Cadence(every_seconds=60, cron="* * * * *")
    with pytest.raises(ValueError, match="either every_seconds or cron"):
        Cadence()


def test_the_served_schedules_are_the_cadences_status_expects():
    from leadflow.deployments import build_deployments, cadences
    from leadflow.settings import get_settings

    expected = cadences(get_settings().schedules)
    served = {}
    for deployment in build_deployments():
        for schedule in (s.schedule for s in deployment.schedules or []):
            interval = getattr(schedule, "interval", None)
            served[deployment.name] = Cadence(
                every_seconds=int(interval.total_seconds()) if interval else None,
                cron=getattr(schedule, "cron", None),
                timezone=schedule.timezone or "UTC",
            )
    assert served == expected
