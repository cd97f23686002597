"""The review's periods (a calendar quarter or month, or an ISO week from Monday, from local
midnight on a time zone's clock: a team's for a team's review, settings' default_timezone
for the company's) and the filters every review query shares: a time within a period, and
the leads a review counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema
from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.store.models import Lead, SalesRep
from leadflow.team.teams import get_team

PeriodKind = Literal["quarter", "month", "week"]
_QUARTER = re.compile(r"(\d{4})-Q([1-4])", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.IGNORECASE)
_YEARS = range(1, 9999)  # the period after 9999-12 would not be a datetime


def _weeks(year: int) -> int:
    """How many ISO weeks the ISO year has (52 or 53: December 28th is always in the last)."""
    return dt.date(year, 12, 28).isocalendar().week


def _pattern() -> str:
    """The periods `Period.parse` reads, written exactly as one regex for the OpenAPI: the
    years of _YEARS, and week 53 only in the years that have one (listed by century)."""
    year = (
        r"(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]"
        r"|999[0-8])"
    )
    centuries: dict[str, list[str]] = {}
    for long in (y for y in _YEARS if _weeks(y) == 53):
        centuries.setdefault(f"{long:04d}"[:2], []).append(f"{long:04d}"[2:])
    long_years = "|".join(f"{c}(?:{'|'.join(ends)})" for c, ends in centuries.items())
    return (
        rf"^(?:{year}-(?:[Qq][1-4]|0[1-9]|1[0-2]|[Ww](?:0[1-9]|[1-4][0-9]|5[0-2]))"
        rf"|(?:{long_years})-[Ww]53)$"
    )


# What `Period.parse` reads, less surrounding white space (the API takes none).
PERIOD_PATTERN = _pattern()
PERIOD_TEXT = "A quarter (2026-Q3), a month (2026-09) or an ISO week (2026-W49)"
_PERIOD = re.compile(PERIOD_PATTERN)


def _declared_period(value: Any) -> Any:
    """A period at the API's edge: exactly what PERIOD_PATTERN admits, refused in words
    (the pattern itself is 6 KB: no message to show a person)."""
    if isinstance(value, str) and not _PERIOD.fullmatch(value):
        if value != value.strip():
            raise ValueError(N_("period {value!r}: no white space around a period", value=value))
        Period.parse(value)  # raises the reason, if it has one to give
        raise ValueError(
            N_("period {value!r}: digits 0-9, as in 2026-Q3, 2026-09 or 2026-W49", value=value)
        )
    return value


# A period as the API takes it, its OpenAPI pattern and its check from one regex.
PeriodText = Annotated[
    str,
    BeforeValidator(_declared_period),
    WithJsonSchema({"type": "string", "pattern": PERIOD_PATTERN, "description": PERIOD_TEXT}),
]


class Period(BaseModel):
    """A calendar quarter or month, or an ISO week (Monday to Sunday, numbered in its ISO
    year), on a time zone's clock (an IANA name, UTC by default), from `start` (inclusive:
    local midnight of its first day) to `end` (exclusive)."""

    model_config = ConfigDict(frozen=True)

    kind: PeriodKind
    year: int
    number: int  # the quarter (1-4), the month (1-12) or the ISO week (1-52 or 53)
    timezone: str = "UTC"

    @classmethod
    def parse(cls, text: str, timezone: str = "UTC") -> Period:
        """'2026-Q3', '2026-09' or '2026-W49' on that zone's clock; anything else raises
        ValueError naming the text."""
        cleaned = text.strip()
        quarter, month = _QUARTER.fullmatch(cleaned), _MONTH.fullmatch(cleaned)
        week = _WEEK.fullmatch(cleaned)
        if quarter and int(quarter[1]) in _YEARS:
            return cls(
                kind="quarter", year=int(quarter[1]), number=int(quarter[2]), timezone=timezone
            )
        if month and int(month[1]) in _YEARS and 1 <= int(month[2]) <= 12:
            return cls(kind="month", year=int(month[1]), number=int(month[2]), timezone=timezone)
        if week and int(week[1]) in _YEARS and 1 <= int(week[2]) <= _weeks(int(week[1])):
            return cls(kind="week", year=int(week[1]), number=int(week[2]), timezone=timezone)
        if week and int(week[1]) in _YEARS:
            raise ValueError(
                N_(
                    "period {text!r}: {year} has ISO weeks 01 to {weeks:02d}",
                    text=text,
                    year=week[1],
                    weeks=_weeks(int(week[1])),
                )
            )
        raise ValueError(
            N_(
                "period {text!r}: expected a quarter like 2026-Q3, a month like "
                "2026-09 or an ISO week like 2026-W49",
                text=text,
            )
        )

    @classmethod
    def containing(
        cls, when: dt.date, kind: PeriodKind = "quarter", timezone: str = "UTC"
    ) -> Period:
        """The quarter, month or ISO week that a date (or an aware datetime, read on the
        zone's clock) falls in."""
        if isinstance(when, dt.datetime) and when.tzinfo is not None:
            when = when.astimezone(ZoneInfo(timezone))
        if kind == "quarter":
            number = (when.month - 1) // 3 + 1
        elif kind == "month":
            number = when.month
        elif kind == "week":
            iso = when.isocalendar()  # early January can be in the last ISO year's week
            return cls(kind=kind, year=iso.year, number=iso.week, timezone=timezone)
        else:
            raise ValueError(
                N_("period kind {kind!r}: expected 'quarter', 'month' or 'week'", kind=kind)
            )
        return cls(kind=kind, year=when.year, number=number, timezone=timezone)

    def in_zone(self, timezone: str) -> Period:
        """The same period on another zone's clock."""
        return self.model_copy(update={"timezone": timezone})

    @property
    def _size(self) -> int:
        return 3 if self.kind == "quarter" else 1

    @property
    def label(self) -> str:
        """'2026-Q3', '2026-09' or '2026-W49'."""
        # Four digits, as parse reads them: year 1's first month is 0001-01, not 1-01.
        if self.kind == "week":
            return f"{self.year:04d}-W{self.number:02d}"
        return (
            f"{self.year:04d}-Q{self.number}"
            if self.kind == "quarter"
            else f"{self.year:04d}-{self.number:02d}"
        )

    def _monday(self, week: int) -> dt.datetime:
        day = dt.date.fromisocalendar(self.year, 1, 1) + dt.timedelta(weeks=week - 1)
        return dt.datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(self.timezone))

    @property
    def start(self) -> dt.datetime:
        """The first instant of the period: local midnight on its zone's clock."""
        if self.kind == "week":
            return self._monday(self.number)
        month = (self.number - 1) * self._size + 1
        return dt.datetime(self.year, month, 1, tzinfo=ZoneInfo(self.timezone))

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period, on its zone's clock (exclusive bound)."""
        if self.kind == "week":  # the next Monday's local midnight (a DST day is not 24 h)
            return self._monday(self.number + 1)
        month0 = self.number * self._size  # months since January 1st, 0-based
        return dt.datetime(
            self.year + month0 // 12, month0 % 12 + 1, 1, tzinfo=ZoneInfo(self.timezone)
        )

    def previous(self) -> Period:
        """The period of the same kind just before this one, on the same clock."""
        if self.kind == "week":
            last_week = self.start.date() - dt.timedelta(days=7)
            return Period.containing(last_week, "week", self.timezone)
        last = 4 if self.kind == "quarter" else 12
        if self.number == 1:
            return self.model_copy(update={"year": self.year - 1, "number": last})
        return self.model_copy(update={"number": self.number - 1})

    def __str__(self) -> str:
        return self.label


def read_period(text: str) -> Period:
    """Period.parse for user input: a bad period is InvalidInput (exit code 2, HTTP 422)."""
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InvalidInput(
            str(exc), {"period": N_("expected YYYY-Qn, YYYY-MM or YYYY-Www")}
        ) from None


def scoped(session: Session, period: Period, owner: int | None, team: int | None = None) -> Period:
    """The period a review counts: a team's review (`team`) on the team's clock, a rep's
    own on the clock of the rep's team; the company's (or a rep with no team) on the
    period's own (settings' default_timezone)."""
    if team is not None:
        return period.in_zone(get_team(session, team).timezone)
    rep = session.get(SalesRep, owner) if owner is not None else None
    found = rep.team if rep is not None else None
    return period if found is None else period.in_zone(found.timezone)


def within(column: Any, period: Period) -> ColumnElement[bool]:
    """The column's time falls in the period (start inclusive, end exclusive)."""
    return and_(column >= period.start, column < period.end)


KEPT = Lead.duplicate_of_id.is_(None)  # merged duplicates never count


def kept_leads(owner: int | None = None, team: int | None = None) -> ColumnElement[bool]:
    """The leads a review counts: not merged away, only `owner`'s when one is given, and
    only the team `team`'s when one is given."""
    mine = [] if owner is None else [Lead.owner_id == owner]
    ours = [] if team is None else [Lead.team_id == team]
    return and_(KEPT, *mine, *ours) if mine or ours else KEPT
