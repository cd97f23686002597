"""The review's periods (parsing, previous, containing), an empty period, and targets:
set, validated and listed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.errors import InvalidInput, NotFound
from leadflow.review.build import build_review, review_markdown
from leadflow.review.period import Period
from leadflow.team.targets import list_targets, set_target
from tests import factories as f
from tests.integration.test_review import REVIEWED_AT, UTC


def test_empty_period_has_no_division_errors(uow):
    r = build_review(uow.session, Period.parse("2030-Q1"), REVIEWED_AT)
    assert (
        r.total_leads,
        r.conversion_rate,
        r.won_value,
        r.average_deal_size,
        r.average_cycle_days,
        r.sla_compliance,
    ) == (0, 0.0, 0.0, None, None, None)
    assert all(s.share == 0.0 for s in r.funnel)
    assert [b.count for b in r.cycle_distribution] == [0] * 6
    assert r.channels == r.loss_reasons == r.sla == r.reps == r.grade_changes == []
    assert "_None in this period._" in review_markdown(r)


def test_targets_upsert_validate_and_list(uow):
    s = uow.session
    team = f.team(s)
    ann = f.rep(s, team.id, name="Ann")
    first = set_target(s, "2026-q3", rep_id=ann.id, revenue=100, new_customers=2)
    again = set_target(s, "2026-Q3", rep_id=ann.id, new_customers=5)
    assert again.id == first.id and again.period == "2026-Q3"
    assert (again.revenue, again.new_customers, again.repeat_rate) == (Decimal(100), 5, None)
    set_target(s, "2026-09", team_id=team.id, repeat_rate=0.4)
    with pytest.raises(InvalidInput, match="exactly one team or one rep"):
        set_target(s, "2026-Q3", team_id=team.id, rep_id=ann.id)
    with pytest.raises(InvalidInput, match="exactly one team or one rep"):
        set_target(s, "2026-Q3")
    with pytest.raises(NotFound, match="rep 999 does not exist"):
        set_target(s, "2026-Q3", rep_id=999)
    with pytest.raises(NotFound, match="team 999 does not exist"):
        set_target(s, "2026-Q3", team_id=999)
    with pytest.raises(InvalidInput, match="period '2026-Q5'"):
        set_target(s, "2026-Q5", rep_id=ann.id)
    with pytest.raises(InvalidInput, match="repeat_rate"):
        set_target(s, "2026-Q3", rep_id=ann.id, repeat_rate=1.5)
    with pytest.raises(InvalidInput, match="revenue"):
        set_target(s, "2026-Q3", rep_id=ann.id, revenue=-1)
    uow.commit()
    assert [
        (t.period, t.team, t.rep, t.revenue, t.new_customers, t.repeat_rate)
        for t in list_targets(s)
    ] == [("2026-09", team.name, None, None, None, 0.4), ("2026-Q3", None, "Ann", 100.0, 5, None)]
    assert [t.period for t in list_targets(s, "2026-Q3")] == ["2026-Q3"]


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        (
            "2026-Q3",
            "2026-Q3",
            dt.datetime(2026, 7, 1, tzinfo=UTC),
            dt.datetime(2026, 10, 1, tzinfo=UTC),
        ),
        (
            " 2026-q4 ",
            "2026-Q4",
            dt.datetime(2026, 10, 1, tzinfo=UTC),
            dt.datetime(2027, 1, 1, tzinfo=UTC),
        ),
        (
            "2026-09",
            "2026-09",
            dt.datetime(2026, 9, 1, tzinfo=UTC),
            dt.datetime(2026, 10, 1, tzinfo=UTC),
        ),
        (
            "2026-12",
            "2026-12",
            dt.datetime(2026, 12, 1, tzinfo=UTC),
            dt.datetime(2027, 1, 1, tzinfo=UTC),
        ),
        (
            "2026-Q1",
            "2026-Q1",
            dt.datetime(2026, 1, 1, tzinfo=UTC),
            dt.datetime(2026, 4, 1, tzinfo=UTC),
        ),
    ],
)
def test_period_parses(text, label, start, end):
    period = Period.parse(text)
    assert (period.label, str(period), period.start, period.end) == (label, label, start, end)


@pytest.mark.parametrize(
    "text",
    [
        "2026-Q5",
        "2026-Q0",
        "2026-13",
        "2026-00",
        "2026-9",
        "26-Q3",
        "2026Q3",
        "Q3-2026",
        "",
        "0000-01",
        "9999-Q4",
        "2026-09-01",
    ],
)
def test_period_refuses_other_text(text):
    with pytest.raises(ValueError, match=f"period {text!r}: expected a quarter like 2026-Q3"):
        Period.parse(text)


def test_period_previous_and_containing():
    assert Period.parse("2026-Q1").previous().label == "2025-Q4"
    assert Period.parse("2026-Q3").previous().label == "2026-Q2"
    assert Period.parse("2026-01").previous().label == "2025-12"
    assert Period.containing(dt.date(2026, 9, 30), "quarter").label == "2026-Q3"
    assert Period.containing(dt.date(2026, 10, 1), "month").label == "2026-10"
    east = dt.timezone(dt.timedelta(hours=2))  # 01:00 on Oct 1st at +02:00 is Sep 30th UTC
    assert Period.containing(dt.datetime(2026, 10, 1, 1, tzinfo=east), "quarter").label == "2026-Q3"
    assert Period.containing(dt.date(2026, 10, 1), "month").kind == "month"
    with pytest.raises(ValueError, match="period kind 'day'"):
        Period.containing(dt.date(2026, 10, 1), "day")  # type: ignore[arg-type]
