"""Column widths and number formats of LeadFlow's workbooks (the review's and the lead
export's), fitted to what the cells show.

A write-only sheet writes its column widths before its first row, so the widths are
measured in a first pass over the rows (`ColumnWidths`), and the rows are written in a
second. Excel measures a width in characters of its default font; a CJK character takes
about two of them (Unicode's East Asian Width: wide and fullwidth)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

MONEY, PERCENT, INTEGER = "#,##0.00", "0.0%", "#,##0"
DATE, TIME = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
IDENTIFIER = "0"  # a record's id: a number, but not a quantity to group in thousands
MIN_WIDTH, MAX_WIDTH = 6.0, 60.0  # the cap keeps a long note from making a column a page wide
PADDING = 2.0  # room for the filter button and the cell's margins


def text_width(text: str) -> int:
    """How many characters wide `text` shows: its longest line, a CJK character as two."""
    return max(
        (
            sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            for line in text.splitlines() or [""]
        ),
        default=0,
    )


def default_format(value: Any) -> str | None:
    """The number format of a value in a column that has none of its own: counts grouped in
    thousands, amounts with two decimals, dates and times as dates."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float | Decimal):
        return MONEY
    if isinstance(value, dt.datetime):
        return TIME
    if isinstance(value, dt.date):
        return DATE
    return None


def shown(value: Any, fmt: str | None) -> str:
    """The text a spreadsheet shows for `value` under number format `fmt`."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | dt.date):
        return str(value)
    fmt = fmt or default_format(value)
    if isinstance(value, dt.date):
        return "0000-00-00 00:00" if fmt == TIME else "0000-00-00"
    if fmt == PERCENT:
        return f"{float(value) * 100:,.1f}%"
    if fmt == MONEY:
        return f"{float(value):,.2f}"
    if fmt == INTEGER:
        return f"{float(value):,.0f}"
    return str(value)


def fitted(width: float) -> float:
    """A column width for content `width` characters wide: padded, at least MIN_WIDTH, at
    most MAX_WIDTH."""
    return min(max(width + PADDING, MIN_WIDTH), MAX_WIDTH)


class ColumnWidths:
    """The widest cell of each column, measured row by row (headers included)."""

    def __init__(self, headers: Sequence[str], formats: Sequence[str | None]) -> None:
        self.formats = list(formats)
        self.widest = [text_width(h) for h in headers]

    def measure(self, values: Sequence[Any]) -> None:
        """Widen the columns to fit one row's values."""
        for i, (value, fmt) in enumerate(zip(values, self.formats, strict=True)):
            width = text_width(shown(value, fmt))
            if width > self.widest[i]:
                self.widest[i] = width

    def widths(self) -> list[float]:
        """Each column's width, fitted."""
        return [fitted(w) for w in self.widest]
