"""Purchase times as people write them, in Chinese and English (budgets: written.py).

One reader for every way a time comes in: a register's cell, the API's "timeline",
`leads add --timeline`, and the need text ("预算50-80万,Q3落地"). Pure: the day that
relative times ("3个月内", "Q3", "尽快") count from is passed in; without it they are not
read, and what cannot be read is None, never a guess.

A time is read as the day the purchase is expected by: a date as itself; a month,
quarter, half or year as its last day (2026年6月 -> 06-30, Q3 -> 09-30, 下半年 -> 12-31);
"within N days/weeks/months" as that many from the day; "as soon as possible" as the day
itself. A period without a year is the next one not yet over."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

_CN_DIGIT = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_MONTHS_EN = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
_MONTH_NAMES = "|".join(sorted(_MONTHS_EN, key=len, reverse=True))
_YEAR = r"(?:(?P<y>\d{4})\s*年?|(?P<rel>今年|本年|明年|next year|this year))"
_HALF = r"(?P<h>上半年|下半年|h1|h2|first half|second half)"


@dataclass(frozen=True)
class _Form:
    """One way of writing a time; `in_text`: also looked for inside a need."""

    kind: str
    pattern: re.Pattern[str]
    in_text: bool = True


_FORMS = (
    # 2026-03-15, 2026/3/15, 2026年3月15日 (a time of day after it is ignored)
    _Form(
        "day",
        re.compile(
            r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
            r"(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?"
        ),
    ),
    # Q3, 2026-Q3, 2026年第三季度, Q3 2026, 明年一季度, 本季度, next quarter
    _Form(
        "quarter",
        re.compile(
            r"(?P<this>本季度|这个季度|this quarter)|(?P<next>下个?季度|next quarter)"
            rf"|(?:{_YEAR}\s*[-/]?\s*)?(?:q(?P<q>[1-4])|第?(?P<qc>[一二三四1-4])季度?)"
            r"(?:\s*(?P<y2>\d{4}))?"
        ),
    ),
    # 下半年, 2026年下半年, H2 2026, 明年上半年
    _Form("half", re.compile(rf"(?:{_YEAR}\s*)?{_HALF}(?:\s*(?:of\s*)?(?P<y2>\d{{4}}))?")),
    # 2026年6月, 2026-06, 2026/6, June 2026, 6月, 本月, next month
    _Form(
        "month",
        re.compile(
            r"(?P<this>本月|这个月|this month)|(?P<next>下个?月|next month)"
            r"|(?:(?P<y>\d{4})\s*年\s*)?(?P<mc>\d{1,2})\s*月份?"
            r"|(?P<y3>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})"
            rf"|(?P<name>{_MONTH_NAMES})\.?,?\s*(?P<y2>\d{{4}})"
        ),
    ),
    _Form("month", re.compile(rf"(?P<name>{_MONTH_NAMES})"), in_text=False),
    # 3个月内, 两周内, 半年内, 10天, within 3 months, in 6 weeks
    _Form(
        "within",
        re.compile(
            r"(?P<n>\d{1,3}|[一二两三四五六七八九十]{1,3}|半)\s*"
            r"(?P<unit>个\s*月|个?\s*星期|个?\s*礼拜|周|天|日|年)(?:内|之内|以内)?"
            r"|(?:within|in|next)?\s*(?P<en>\d{1,3})\s*(?P<enunit>days?|weeks?|months?|years?)"
        ),
    ),
    # 年内, 今年, 明年, 2026年 (in a cell: a year alone is no purchase time inside a need)
    _Form(
        "year",
        re.compile(
            r"(?P<rel>今年|本年|年内|年底|年末|明年|this year|next year"
            r"|end of (?:the )?year|by year end)"
        ),
    ),
    _Form("year", re.compile(r"(?P<y>\d{4})\s*年?(?:内|底|末)?"), in_text=False),
    _Form(
        "asap",
        re.compile(
            r"尽快|尽早|越快越好|马上|立即|立刻|即刻|asap|as soon as possible|immediately"
            r"|right away|urgent"
        ),
    ),
)


def _count(text: str) -> int | None:
    """12, 三, 十二, 二十: a count of days, weeks or months."""
    if text.isdigit():
        return int(text)
    tens, ten, ones = text.partition("十")
    if not ten:
        return _CN_DIGIT.get(text) if len(text) == 1 else None
    return _CN_DIGIT.get(tens, 1) * 10 + _CN_DIGIT.get(ones, 0)


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _year_of(groups: dict[str, str | None], today: dt.date | None) -> int | None:
    """The year a time names, or None (no year: the next such period from today)."""
    year = groups.get("y") or groups.get("y2") or groups.get("y3")
    if year:
        return int(year)
    rel = groups.get("rel")
    if rel is None or today is None:
        return None
    return today.year + (1 if rel in ("明年", "next year") else 0)


def _period_end(
    groups: dict[str, str | None], today: dt.date | None, end_of: Callable[[int], dt.date]
) -> dt.date | None:
    """The period ending `end_of(year)` in the year named, or else the next one not over."""
    year = _year_of(groups, today)
    if year is not None:
        return end_of(year)
    if today is None:
        return None
    this = end_of(today.year)
    return this if this >= today else end_of(today.year + 1)


def _within(groups: dict[str, str | None], today: dt.date) -> dt.date | None:
    count_text = groups["n"] or groups["en"] or ""
    unit = re.sub(r"[\s个]", "", groups["unit"] or "") or (groups["enunit"] or "")[:1]
    if count_text == "半":  # half a month, half a year
        return today + dt.timedelta(days=15) if unit == "月" else _add_months(today, 6)
    count = _count(count_text)
    if count is None:
        return None
    if unit in ("天", "日", "d"):
        return today + dt.timedelta(days=count)
    if unit in ("周", "星期", "礼拜", "w"):
        return today + dt.timedelta(weeks=count)
    return _add_months(today, count * (12 if unit in ("年", "y") else 1))


def _this_or_next(
    groups: dict[str, str | None], today: dt.date | None, months: int
) -> dt.date | None:
    """The end of this or the next month (months=1) or quarter (months=3)."""
    if today is None:
        return None
    start = today.replace(month=(today.month - 1) // months * months + 1, day=1)
    last = _add_months(start, months * (2 if groups["next"] else 1) - 1)
    return _month_end(last.year, last.month)


def _read_form(kind: str, found: re.Match[str], today: dt.date | None) -> dt.date | None:
    groups = found.groupdict()
    if kind == "day":
        return dt.date(int(groups["y"] or 0), int(groups["m"] or 0), int(groups["d"] or 0))
    if kind in ("quarter", "month") and (groups.get("this") or groups.get("next")):
        return _this_or_next(groups, today, 3 if kind == "quarter" else 1)
    if kind == "quarter":
        digit = groups["q"] or groups["qc"] or "1"
        quarter = int(digit) if digit.isdigit() else _CN_DIGIT[digit]
        return _period_end(groups, today, lambda y: _month_end(y, 3 * quarter))
    if kind == "half":
        month = 6 if groups["h"] in ("上半年", "h1", "first half") else 12
        return _period_end(groups, today, lambda y: _month_end(y, month))
    if kind == "month":
        name = groups.get("name")
        month = _MONTHS_EN[name] if name else int(groups.get("mc") or groups.get("m") or 0)
        if not 1 <= month <= 12:
            return None
        return _period_end(groups, today, lambda y: _month_end(y, month))
    if kind == "within":
        return None if today is None else _within(groups, today)
    if kind == "year":
        if groups.get("rel") not in (None, "今年", "本年", "明年", "this year", "next year"):
            groups = {**groups, "rel": "今年"}  # 年内, 年底, end of year: this year's end
        year = _year_of(groups, today)
        return None if year is None else dt.date(year, 12, 31)
    return today  # as soon as possible


def _normal_time(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    return re.sub(r"\s+", " ", folded)


# What may stand around a time in a cell without changing it: "预计2026年Q3落地", "by June".
_AROUND_TIME = re.compile(
    r"^(?:预计|计划|大概|大约|约|争取|希望|打算|准备|by|before|around|about|expected|planned)\s*"
    r"|\s*(?:左右|前后|之前|以前|前|底|末|初|中|落地|上线|采购|完成|实施|启动|签约|交付)+$"
)


def read_timeline(text: str, today: dt.date | None) -> dt.date | None:
    """The day a purchase is expected by, from a timeline as written; None when it cannot
    be read (待定, TBD), or when it counts from a day and no day is given."""
    typed = _normal_time(text)
    for core in dict.fromkeys((typed, _AROUND_TIME.sub("", typed).strip())):
        for form in _FORMS:
            found = form.pattern.fullmatch(core)
            if found is not None:
                try:
                    return _read_form(form.kind, found, today)
                except (ValueError, OverflowError):  # 2026-13-40, a span past year 9999
                    return None
    return None


def timeline_in(text: str, today: dt.date | None) -> tuple[dt.date, str] | None:
    """The purchase time a need states ("…,Q3落地", "需要3个月内上线"), with its words:
    the first time in the text that stands alone (not part of a model number)."""
    written = unicodedata.normalize("NFKC", text)
    folded = written.casefold()
    if len(folded) != len(written):  # ß -> ss: the words are quoted as folded
        written = folded
    best: tuple[int, dt.date, str] | None = None
    for form in _FORMS:
        if not form.in_text:
            continue
        for found in form.pattern.finditer(folded):
            if not _stands_alone(folded, found):
                continue
            try:
                day = _read_form(form.kind, found, today)
            except (ValueError, OverflowError):
                continue
            if day is not None and (best is None or found.start() < best[0]):
                best = (found.start(), day, written[found.start() : found.end()])
            break
    return None if best is None else (best[1], best[2])


def _stands_alone(text: str, found: re.Match[str]) -> bool:
    """Not part of a longer Latin word or number ("型号q3000", "sq3")."""
    before = text[found.start() - 1] if found.start() else " "
    after = text[found.end()] if found.end() < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())
