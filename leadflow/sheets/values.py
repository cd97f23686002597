"""Cell values as teams type them, turned into what the lead record takes.

Amounts with units (50万, 1.2亿, 80k), dates and times stored as dates or typed
(2023/11/08 09:30), numbers Excel stored as floats (13800138000.0). Budgets and purchase
times are passed on as written: intake reads them (leadflow.rules.written and
written_times) and keeps what it cannot read for a person to confirm. Any other value
that cannot be read is passed on unchanged, so validation names the field and the row is
quarantined; nothing is guessed silently."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from leadflow.rules.names import normal as normal  # the sheets' matching form
from leadflow.rules.written import read_amount

_MOMENT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ t]*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?$"
)


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
    read = read_amount(as_text(value))
    return value if read is None else read


def number(value: Any) -> Any:
    """A number cell as it is; any other cell as its text (a budget as written)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    return as_text(value)


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
    """A date cell as its date; any other cell as its text, read at intake as a time as
    people write it (2024年3月, 2024-Q2, 下半年, 3个月内: rules.written_times)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return as_text(value)


def moment(value: Any) -> Any:
    """A date-and-time cell, or 2023/11/08 09:30, 2023年11月8日 9:30, 2023-11-08; else the
    value unchanged (validation names it)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    found = _MOMENT.match(normal(as_text(value)))
    if found is None:
        return value
    try:
        year, month, day, hour, minute, second = (int(part or 0) for part in found.groups())
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:  # 2023-13-40
        return value


def notes(value: Any) -> Any:
    """What to confirm as LeadFlow's export writes it, "budget: 待定; timeline: Q3"."""
    if not isinstance(value, str):
        return value
    pairs = (part.partition(":") for part in value.split(";") if part.strip())
    return {name.strip(): text.strip() for name, _, text in pairs}


# Tags that end a line of text (Odoo's notes are HTML: <p>, <br>, <li>, <div>).
_BLOCKS = frozenset(
    {"p", "br", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
)


class _Text(HTMLParser):
    """The text of an HTML fragment, a line per block, entities read (html.parser)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags = 0
        self.skipped = 0  # inside <script> or <style>, whose text is not the note's

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags += 1
        if tag in ("script", "style"):
            self.skipped += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1
        if tag in ("script", "style"):
            self.skipped = max(self.skipped - 1, 0)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipped:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).splitlines())
        return "\n".join(line for line in lines if line)


def html_text(value: Any) -> Any:
    """A note a CRM exports as HTML (Odoo's "<p>Wants a <b>CRM</b></p>") as its text,
    a line per paragraph; text without a tag is returned unchanged."""
    if not isinstance(value, str) or "<" not in value:
        return value
    parser = _Text()
    parser.feed(value)
    parser.close()
    return parser.text() if parser.tags else value


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
