"""ISO week periods of the review (docs/rules.md §9: "A period is a quarter (2026-Q3), a
month (2026-09) or an ISO week (2026-W49: Monday to Sunday, numbered as ISO 8601 numbers
weeks, so 2026-W53 ends on 3 January 2027)")."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from leadflow.errors import InvalidInput
from leadflow.review.period import Period, read_period

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_week_runs_monday_to_monday_on_the_zones_clock():
    week = Period.parse("2026-w49", "Asia/Shanghai")
    assert (week.kind, week.label, str(week)) == ("week", "2026-W49", "2026-W49")
    assert week.start == dt.datetime(2026, 11, 30, tzinfo=SHANGHAI)
    assert week.end == dt.datetime(2026, 12, 7, tzinfo=SHANGHAI)
    assert week.start.weekday() == 0


def test_weeks_cross_the_year_as_iso_8601_numbers_them():
    last = Period.parse("2026-W53")
    assert (last.start.date(), last.end.date()) == (dt.date(2026, 12, 28), dt.date(2027, 1, 4))
    first = Period.parse("2026-W01")
    assert first.start.date() == dt.date(2025, 12, 29)  # Monday of the week with Jan 1st
    assert first.previous().label == "2025-W52"
    assert Period.parse("2027-W01").previous().label == "2026-W53"
    assert Period.containing(dt.date(2027, 1, 3), "week").label == "2026-W53"
    assert Period.containing(dt.date(2027, 1, 4), "week").label == "2027-W01"


def test_the_week_of_an_aware_time_is_read_on_the_zones_clock():
    sunday_night_utc = dt.datetime(2026, 12, 6, 17, 0, tzinfo=dt.UTC)  # Monday 01:00 in Shanghai
    assert Period.containing(sunday_night_utc, "week").label == "2026-W49"
    assert Period.containing(sunday_night_utc, "week", "Asia/Shanghai").label == "2026-W50"


def test_a_week_over_a_clock_change_is_seven_local_days():
    week = Period.parse("2026-W13", "Europe/Berlin")  # clocks go forward on 29 March 2026
    assert week.end - week.start == dt.timedelta(days=7)  # wall-clock difference
    assert (week.end.astimezone(dt.UTC) - week.start.astimezone(dt.UTC)) == dt.timedelta(
        days=6, hours=23
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-W53", "period '2025-W53': 2025 has ISO weeks 01 to 52"),
        ("2026-W00", "period '2026-W00': 2026 has ISO weeks 01 to 53"),
        ("2026-W7", "period '2026-W7': expected a quarter like 2026-Q3, a month like 2026-09"),
    ],
)
def test_a_week_that_does_not_exist_is_refused_naming_the_field(text, message):
    with pytest.raises(InvalidInput) as refused:
        read_period(text)
    assert str(refused.value).startswith(message)
    assert refused.value.errors == {"period": "expected YYYY-Qn, YYYY-MM or YYYY-Www"}
