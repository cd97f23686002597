"""Cell values as teams type them: amounts, budget ranges, dates, labels, names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.sheets import values as v


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("50-80万", {"budget_min": Decimal(500_000), "budget_max": Decimal(800_000)}),
        ("30万-50万元", {"budget_min": Decimal(300_000), "budget_max": Decimal(500_000)}),
        ("100万以上", {"budget_min": Decimal(1_000_000)}),
        ("50万以内", {"budget_max": Decimal(500_000)}),
        ("¥1,200,000", {"budget_min": Decimal(1_200_000), "budget_max": Decimal(1_200_000)}),
        ("80k", {"budget_min": Decimal(80_000), "budget_max": Decimal(80_000)}),
        ("面议", {"budget_min": "面议", "budget_max": "面议"}),  # passed on: validation names it
    ],
)
def test_budget_ranges(typed, expected):
    assert v.budget_range(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2024年3月", dt.date(2024, 3, 1)),
        ("2024/3/15", dt.date(2024, 3, 15)),
        ("2024年3月15日", dt.date(2024, 3, 15)),
        ("2024-Q2", dt.date(2024, 4, 1)),
        (dt.datetime(2024, 5, 1, 9), dt.date(2024, 5, 1)),
        ("2024-13-40", "2024-13-40"),
    ],
)
def test_dates(typed, expected):
    assert v.date(typed) == expected


def test_numbers_labels_and_names():
    assert [v.whole_number(x) for x in ("500人", "100-499", 1200.0, "1,200")] == [
        500,
        100,
        1200,
        1200,
    ]
    assert v.as_text(13800138000.0) == "13800138000"
    assert v.labels("价格敏感、技术导向", [";", "、"]) == ["价格敏感", "技术导向"]
    assert (v.join_names(["王", "伟"]), v.join_names(["Ann", "Lee"])) == ("王伟", "Ann Lee")
    assert v.normal("  ＥＭＡＩＬ * ") == "email"
