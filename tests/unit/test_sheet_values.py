"""Cell values as teams type them: amounts, budget ranges, dates, labels, names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.sheets import values as v


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("50万", Decimal(500_000)),
        ("¥1,200,000", Decimal(1_200_000)),
        ("80k", Decimal(80_000)),
        (1200.5, 1200.5),
        ("面议", "面议"),  # passed on: validation names it
    ],
)
def test_amounts(typed, expected):
    assert v.amount(typed) == expected


def test_budgets_and_times_pass_on_as_written_for_intake_to_read():
    # Rule book §1: "One reader serves every way a lead comes in".
    assert (v.number("50-80万"), v.number(500000.0)) == ("50-80万", 500000.0)
    assert v.date(dt.datetime(2024, 5, 1, 9)) == dt.date(2024, 5, 1)
    assert v.date("2024-Q2") == "2024-Q2"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2023/11/08 09:30", dt.datetime(2023, 11, 8, 9, 30)),
        ("2023年11月8日 9:30", dt.datetime(2023, 11, 8, 9, 30)),
        ("2023-11-08", dt.datetime(2023, 11, 8)),
        (dt.date(2023, 11, 8), dt.datetime(2023, 11, 8)),
        ("2023-13-40", "2023-13-40"),
        ("昨天", "昨天"),
    ],
)
def test_moments(typed, expected):
    assert v.moment(typed) == expected


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


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        # Odoo's notes: paragraphs become lines, entities are read, markup is dropped.
        ("<p>Call <b>after</b> the fair.</p><p>Budget&nbsp;ok &amp; signed</p>", None),
        ("<div>one<br>two</div><ul><li>three</li></ul>", "one\ntwo\nthree"),
        ("<p>kept</p><script>alert(1)</script><style>p{}</style>", "kept"),
        ("budget <50万, timeline 3 < 6 months", "budget <50万, timeline 3 < 6 months"),
        ("no markup at all", "no markup at all"),
    ],
)
def test_html_notes_read_as_text_and_plain_text_is_left_alone(cell, text):
    expected = text or "Call after the fair.\nBudget ok & signed"
    assert v.html_text(cell) == expected
