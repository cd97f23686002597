"""Cell values as teams type them, turned into what the lead record takes.

Amounts with units (50万, 1.2亿, 80k), budget ranges (50-80万, 100万以上), dates typed
or stored as dates (2024年3月, 2024/3/15, 2024-Q2), numbers Excel stored as floats
(13800138000.0). What cannot be read is passed on unchanged, so validation names the
field and the row is quarantined; nothing is guessed silently."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from leadflow.rules.names import normal as normal  # the sheets' matching form

_UNITS = {
    "万": Decimal(10_000),
    "w": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "千": Decimal(1_000),
    "k": Decimal(1_000),
}
_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)\s*(万|w|亿|千|k)?(?:元|rmb|cny|yuan)?$")
_RANGE = re.compile(r"^(.+?)\s*(?:-|~|～|至|到|—|–)\s*(.+)$")
_AT_LEAST = ("以上", "及以上", "+", "起")
_AT_MOST = ("以下", "以内", "及以下")
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月)?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_QUARTER = re.compile(r"^(\d{4})\s*年?\s*[-/]?\s*q([1-4])$")


def as_text(value: Any) -> str:
    """A cell as text; whole numbers Excel keeps as floats lose their `.0`."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value).strip()


def amount(value: Any) -> Any:
    """50万 -> 500000, "¥1,200,000" -> 1200000, 80k -> 80000; else the value unchanged."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = normal(as_text(value)).replace(",", "").replace(" ", "")
    text = text.lstrip("¥$").removeprefix("rmb").removeprefix("cny")
    found = _AMOUNT.match(text)
    if not found:
        return value
    try:
        number = Decimal(found.group(1))
    except InvalidOperation:
        return value
    return number * _UNITS[found.group(2)] if found.group(2) else number


def budget_range(value: Any) -> dict[str, Any]:
    """A budget cell as budget_min / budget_max: "50-80万" (the unit of the second number
    applies to both), "100万以上" (a minimum), "50万以内" (a maximum), one amount (both)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return {"budget_min": value, "budget_max": value}
    text = normal(as_text(value)).replace(" ", "")
    for suffix in _AT_LEAST:
        if text.endswith(suffix):
            return {"budget_min": amount(text.removesuffix(suffix))}
    for suffix in _AT_MOST:
        if text.endswith(suffix):
            return {"budget_max": amount(text.removesuffix(suffix))}
    found = _RANGE.match(text)
    if found:
        low, high = found.group(1), found.group(2)
        unit = re.search(r"(万|w|亿|千|k)(?:元)?$", high)
        if unit and not re.search(r"(万|w|亿|千|k)", low):
            low += unit.group(1)
        return {"budget_min": amount(low), "budget_max": amount(high)}
    single = amount(value)
    return {"budget_min": single, "budget_max": single}


def whole_number(value: Any) -> Any:
    """500人 -> 500, "1,200" -> 1200, a band "100-499" -> its lower bound 100."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = normal(as_text(value)).replace(",", "")
    found = re.match(
        r"^(\d+)\s*(?:人|名|employees)?\s*(?:(?:-|~|至|到)\s*\d+\s*人?|\+|以上)?$", text
    )
    return int(found.group(1)) if found else value


def date(value: Any) -> Any:
    """A date cell, or 2024-03-15 / 2024/3/15 / 2024年3月15日 / 2024年3月 (the first of the
    month) / 2024-Q2 (the first day of the quarter); else the value unchanged."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = normal(as_text(value))
    try:
        found = _DATE.match(text)
        if found:
            year, month, day = found.group(1), found.group(2), found.group(3) or 1
            return dt.date(int(year), int(month), int(day))
        quarter = _QUARTER.match(text)
        if quarter:
            return dt.date(int(quarter.group(1)), 3 * int(quarter.group(2)) - 2, 1)
    except ValueError:  # 2024-13-40: validation names it
        return value
    return value


def labels(value: Any, separators: list[str]) -> list[str]:
    """A tags cell as its labels, split at the first separator the text holds."""
    text = as_text(value)
    sep = next((s for s in separators if s in text), None)
    parts = text.split(sep) if sep else [text]
    return [p.strip() for p in parts if p.strip()]


def join_names(parts: list[str]) -> str:
    """First and last name as one: a space between Latin names, none between Chinese."""
    cjk = all(p and unicodedata.east_asian_width(p[0]) in ("W", "F") for p in parts)
    return ("" if cjk else " ").join(parts)
