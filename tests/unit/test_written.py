"""Budgets and purchase times as people write them: one reader, every form in the seeds.

Rule book §1: "A budget may be written as a range (50-80万, 50万-80万, 50k to 80k), with an
open end (100万以上, ≥10万元, at least 100k; 50万以内, up to 50k), as an approximation
(20万左右, 约20万, around 200k: that amount at both ends) or as one amount" and "An expected
purchase time may be a date, or a month, quarter, half or year, which is read as its last
day: the purchase is expected by then"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadflow.rules.written import Budget, budget_in, read_amount, read_budget
from leadflow.rules.written_times import read_timeline, timeline_in

# A fixed day in the middle of a quarter: relative times count from it.
DAY = dt.date(2026, 8, 14)
W = Decimal(10_000)


@pytest.mark.parametrize(
    ("written", "low", "high"),
    [
        # the seeds' own forms
        ("50-80万", 50 * W, 80 * W),
        ("100万以上", 100 * W, None),
        ("20万左右", 20 * W, 20 * W),
        ("≥10万元", 10 * W, None),
        # ranges and units
        ("50万-80万", 50 * W, 80 * W),
        ("30万-50万元", 30 * W, 50 * W),
        ("50~80万", 50 * W, 80 * W),
        ("50到80万", 50 * W, 80 * W),
        ("50w", 50 * W, 50 * W),
        ("5百万", Decimal(5_000_000), Decimal(5_000_000)),
        ("百万", Decimal(1_000_000), Decimal(1_000_000)),
        ("1.2亿", Decimal(120_000_000), Decimal(120_000_000)),
        ("200000元", Decimal(200_000), Decimal(200_000)),
        ("¥1,200,000", Decimal(1_200_000), Decimal(1_200_000)),
        ("８０万", 80 * W, 80 * W),  # full-width digits
        # open ends and approximations
        ("至少10万", 10 * W, None),
        ("不低于10万元", 10 * W, None),
        ("10万起", 10 * W, None),
        ("50万以内", None, 50 * W),
        ("不超过50万", None, 50 * W),
        ("≤50万", None, 50 * W),
        ("约20万", 20 * W, 20 * W),
        ("大概20万左右", 20 * W, 20 * W),
        # English
        ("80k", Decimal(80_000), Decimal(80_000)),
        ("1.5M", Decimal(1_500_000), Decimal(1_500_000)),
        ("$2 million", Decimal(2_000_000), Decimal(2_000_000)),
        ("50k to 80k", Decimal(50_000), Decimal(80_000)),
        ("50K-80K", Decimal(50_000), Decimal(80_000)),
        ("at least 100k", Decimal(100_000), None),
        ("100k+", Decimal(100_000), None),
        ("up to 50k", None, Decimal(50_000)),
        ("around 200k", Decimal(200_000), Decimal(200_000)),
        ("Budget: 120,000", Decimal(120_000), Decimal(120_000)),
    ],
)
def test_budgets_as_written(written, low, high):
    assert read_budget(written) == Budget(low, high)


@pytest.mark.parametrize("written", ["待定", "面议", "TBD", "看情况", "80-50万", "万", "", "k"])
def test_a_budget_that_cannot_be_read_is_none_never_a_guess(written):
    assert read_budget(written) is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # the seeds' own forms, counted from 14 August 2026
        ("Q3", dt.date(2026, 9, 30)),
        ("下半年", dt.date(2026, 12, 31)),
        ("2026年下半年", dt.date(2026, 12, 31)),
        ("3个月内", dt.date(2026, 11, 14)),
        ("尽快", DAY),
        # dates, months, quarters, halves and years: the last day of the period
        ("2026-09-15", dt.date(2026, 9, 15)),
        ("2026/9/15", dt.date(2026, 9, 15)),
        ("2026年9月15日", dt.date(2026, 9, 15)),
        ("2027年3月", dt.date(2027, 3, 31)),
        ("2027-03", dt.date(2027, 3, 31)),
        ("2027-Q2", dt.date(2027, 6, 30)),
        ("2027年第二季度", dt.date(2027, 6, 30)),
        ("Q1 2027", dt.date(2027, 3, 31)),
        ("2027年", dt.date(2027, 12, 31)),
        ("2027年上半年", dt.date(2027, 6, 30)),
        ("H1 2027", dt.date(2027, 6, 30)),
        # without a year: the next such period that is not over
        ("Q2", dt.date(2027, 6, 30)),
        ("三季度", dt.date(2026, 9, 30)),
        ("上半年", dt.date(2027, 6, 30)),
        ("10月", dt.date(2026, 10, 31)),
        ("3月底", dt.date(2027, 3, 31)),
        ("年内", dt.date(2026, 12, 31)),
        ("明年", dt.date(2027, 12, 31)),
        ("明年Q1", dt.date(2027, 3, 31)),
        ("本季度", dt.date(2026, 9, 30)),
        ("下季度", dt.date(2026, 12, 31)),
        ("下个月", dt.date(2026, 9, 30)),
        # spans from the day
        ("三个月内", dt.date(2026, 11, 14)),
        ("两周内", dt.date(2026, 8, 28)),
        ("10天内", dt.date(2026, 8, 24)),
        ("半年内", dt.date(2027, 2, 14)),
        ("一年内", dt.date(2027, 8, 14)),
        ("预计Q4落地", dt.date(2026, 12, 31)),
        # English
        ("ASAP", DAY),
        ("as soon as possible", DAY),
        ("within 3 months", dt.date(2026, 11, 14)),
        ("in 6 weeks", dt.date(2026, 9, 25)),
        ("next quarter", dt.date(2026, 12, 31)),
        ("second half", dt.date(2026, 12, 31)),
        ("by June 2027", dt.date(2027, 6, 30)),
        ("June", dt.date(2027, 6, 30)),
    ],
)
def test_times_as_written(written, expected):
    assert read_timeline(written, DAY) == expected


@pytest.mark.parametrize("written", ["待定", "TBD", "看预算", "2026-13-40", "some day"])
def test_a_time_that_cannot_be_read_is_none(written):
    assert read_timeline(written, DAY) is None


def test_a_time_counted_from_now_is_not_read_without_the_day():
    assert [read_timeline(t, None) for t in ("Q3", "3个月内", "尽快")] == [None, None, None]
    assert read_timeline("2026年下半年", None) == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("need", "budget", "words"),
    [
        ("采购型号设备,预算50-80万,Q3落地", Budget(50 * W, 80 * W), "预算50-80万"),
        ("升级仓储系统，预算：100万以上，下半年上线", Budget(100 * W, None), "预算:100万以上"),
        ("CRM for 40 reps, budget of $50k-80k, ASAP", Budget(50_000, 80_000), "budget of $50k-80k"),
        ("型号Q3000设备，预算约20万左右", Budget(20 * W, 20 * W), "预算约20万左右"),
    ],
)
def test_the_budget_a_need_states(need, budget, words):
    assert budget_in(need) == (budget, words)


def test_the_time_a_need_states_not_a_model_number():
    assert timeline_in("采购型号设备,预算50-80万,Q3落地", DAY) == (dt.date(2026, 9, 30), "Q3")
    assert timeline_in("型号Q3000设备两台", DAY) is None
    assert timeline_in("需要3个月内上线", DAY) == (dt.date(2026, 11, 14), "3个月内")
    assert timeline_in("Need it within 3 months", DAY) == (
        dt.date(2026, 11, 14),
        "within 3 months",
    )
    assert budget_in("了解下产品") is None and timeline_in("了解下产品", DAY) is None


UNITS = {
    "": 1,
    "元": 1,
    "k": 1_000,
    "千": 1_000,
    "万": 10_000,
    "w": 10_000,
    "百万": 10**6,
    "亿": 10**8,
    "M": 10**6,
}
numbers = st.decimals(min_value=0, max_value=9999, places=1, allow_nan=False, allow_infinity=False)


@given(numbers, st.sampled_from(sorted(UNITS)))
def test_an_amount_reads_back_as_written(number, unit):
    assert read_amount(f"{number}{unit}") == number * UNITS[unit]


@given(
    numbers, numbers, st.sampled_from(["万", "k", "M"]), st.sampled_from(["-", "~", "至", " to "])
)
def test_a_range_reads_back_in_order_or_not_at_all(a, b, unit, dash):
    low, high = sorted((a, b))
    assert read_budget(f"{low}{dash}{high}{unit}") == Budget(low * UNITS[unit], high * UNITS[unit])
    if low != high:
        assert read_budget(f"{high}{dash}{low}{unit}") is None


@given(
    st.integers(2000, 2100),
    st.integers(1, 4),
    st.sampled_from(["{y}-Q{q}", "{y}年Q{q}", "Q{q} {y}", "{y}年第{q}季度"]),
)
def test_a_quarter_reads_as_its_last_day(year, quarter, form):
    day = read_timeline(form.format(y=year, q=quarter), None)
    assert day is not None
    assert (day.year, day.month, (day + dt.timedelta(days=1)).day) == (year, 3 * quarter, 1)


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)), st.integers(1, 24))
def test_within_months_is_never_before_the_day_and_grows(today, months):
    first = read_timeline(f"{months}个月内", today)
    later = read_timeline(f"{months + 1}个月内", today)
    assert first is not None and later is not None and today < first < later


@given(st.text(max_size=60), st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)))
def test_any_text_is_read_or_refused_without_an_error(text, today):
    read_budget(text)
    read_timeline(text, today)
    budget_in(text)
    timeline_in(text, today)
