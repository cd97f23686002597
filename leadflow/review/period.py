"""The review's periods (a calendar quarter or month in UTC) and the filters every review
query shares: a time within a period, and the leads a review counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_

from leadflow.errors import InvalidInput
from leadflow.store.models import Lead

PeriodKind = Literal["quarter", "month"]
_QUARTER = re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEARS = range(1, 9999)  # the period after 9999-12 would not be a datetime


class Period(BaseModel):
    """A calendar quarter or month in UTC, from `start` (inclusive) to `end` (exclusive)."""

    model_config = ConfigDict(frozen=True)

    kind: PeriodKind
    year: int
    number: int  # the quarter (1-4) or the month (1-12)

    @classmethod
    def parse(cls, text: str) -> Period:
        """'2026-Q3' or '2026-09'; anything else raises ValueError naming the text."""
        cleaned = text.strip()
        quarter, month = _QUARTER.fullmatch(cleaned), _MONTH.fullmatch(cleaned)
        if quarter and int(quarter[1]) in _YEARS:
            return cls(kind="quarter", year=int(quarter[1]), number=int(quarter[2]))
        if month and int(month[1]) in _YEARS and 1 <= int(month[2]) <= 12:
            return cls(kind="month", year=int(month[1]), number=int(month[2]))
        raise ValueError(
            f"period {text!r}: expected a quarter like 2026-Q3 or a month like 2026-09"
        )

    @classmethod
    def containing(cls, when: dt.date, kind: PeriodKind = "quarter") -> Period:
        """The quarter or month that a date (or UTC datetime) falls in."""
        if isinstance(when, dt.datetime) and when.tzinfo is not None:
            when = when.astimezone(dt.UTC)
        if kind == "quarter":
            return cls(kind=kind, year=when.year, number=(when.month - 1) // 3 + 1)
        if kind == "month":
            return cls(kind=kind, year=when.year, number=when.month)
        raise ValueError(f"period kind {kind!r}: expected 'quarter' or 'month'")

    @property
    def _size(self) -> int:
        return 3 if self.kind == "quarter" else 1

    @property
    def label(self) -> str:
        """'2026-Q3' or '2026-09'."""
        return (
            f"{self.year}-Q{self.number}"
            if self.kind == "quarter"
            else f"{self.year}-{self.number:02d}"
        )

    @property
    def start(self) -> dt.datetime:
        """The first instant of the period, UTC."""
        return dt.datetime(self.year, (self.number - 1) * self._size + 1, 1, tzinfo=dt.UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period, UTC (exclusive bound)."""
        month0 = self.number * self._size  # months since January 1st, 0-based
        return dt.datetime(self.year + month0 // 12, month0 % 12 + 1, 1, tzinfo=dt.UTC)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        last = 4 if self.kind == "quarter" else 12
        if self.number == 1:
            return Period(kind=self.kind, year=self.year - 1, number=last)
        return Period(kind=self.kind, year=self.year, number=self.number - 1)

    def __str__(self) -> str:
        return self.label


def read_period(text: str) -> Period:
    """Period.parse for user input: a bad period is InvalidInput (exit code 2, HTTP 422)."""
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), {"period": "expected YYYY-Qn or YYYY-MM"}) from None


def within(column: Any, period: Period) -> ColumnElement[bool]:
    """The column's time falls in the period (start inclusive, end exclusive)."""
    return and_(column >= period.start, column < period.end)


KEPT = Lead.duplicate_of_id.is_(None)  # merged duplicates never count


def kept_leads(owner: int | None = None) -> ColumnElement[bool]:
    """The leads a review counts: not merged away, and only `owner`'s when one is given."""
    return KEPT if owner is None else and_(KEPT, Lead.owner_id == owner)
