"""The business clock's rule: which past times a run can be made as of, read how."""

from __future__ import annotations

import datetime as dt

import pytest

from leadflow.errors import InvalidInput
from leadflow.rules.clock import checked_as_of, parse_as_of
from tests.factories import NOW

FIRST_LEAD = NOW - dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("2026-10-01T07:00Z", dt.datetime(2026, 10, 1, 7, tzinfo=dt.UTC)),
        ("2026-10-01T07:00", dt.datetime(2026, 10, 1, 7, tzinfo=dt.UTC)),  # no zone: UTC
        ("2026-10-01 15:00+08:00", dt.datetime(2026, 10, 1, 7, tzinfo=dt.UTC)),
        ("2026-10-01", dt.datetime(2026, 10, 1, tzinfo=dt.UTC)),
    ],
)
def test_iso_times_are_read_in_utc(text, meant):
    at = parse_as_of(text, "--at")
    assert at == meant and at.utcoffset() == dt.timedelta(0)


def test_what_is_no_time_names_the_field():
    with pytest.raises(InvalidInput, match="--at: 'monday' is not an ISO 8601") as caught:
        parse_as_of("monday", "--at")
    assert caught.value.errors == {"--at": "not an ISO 8601 time"}


def test_any_time_from_the_first_lead_to_now_is_accepted():
    assert checked_as_of(NOW, NOW, FIRST_LEAD) == NOW
    assert checked_as_of(FIRST_LEAD, NOW, FIRST_LEAD) == FIRST_LEAD
    assert checked_as_of(FIRST_LEAD.replace(tzinfo=None), NOW, FIRST_LEAD) == FIRST_LEAD
    assert checked_as_of(NOW - dt.timedelta(days=400), NOW, None)  # no leads yet: no past


def test_the_future_is_refused():
    with pytest.raises(InvalidInput, match="as_of: .* is later than now") as caught:
        checked_as_of(NOW + dt.timedelta(seconds=1), NOW, FIRST_LEAD)
    assert caught.value.errors == {"as_of": "in the future"}


def test_a_time_before_the_first_lead_is_refused():
    with pytest.raises(InvalidInput, match="--at: .* before the first lead") as caught:
        checked_as_of(FIRST_LEAD - dt.timedelta(minutes=1), NOW, FIRST_LEAD, "--at")
    assert caught.value.errors == {"--at": "before the first lead"}
