"""A lead record's budget and timeline as people write them, turned into its fields
before LeadIn validates it: one place for intake (which keeps what it cannot read for a
person to confirm) and for edits (which refuse it, naming the field)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from leadflow.phrases import N_
from leadflow.rules.text import control_problem
from leadflow.rules.written import budget_in, read_amount, read_budget
from leadflow.rules.written_times import read_timeline, timeline_in

# Validation context of LeadIn: "today" (a date) is the day relative times count from
# ("3个月内", "Q3"), unless the record says when it was entered; "intake" (True) keeps
# what cannot be read as text for a person to confirm, and reads a budget and a time left
# inside the need. Without "intake" (an
# edit: the person is there) what cannot be read is refused, naming the field.
TODAY, INTAKE = "today", "intake"
# "typed" (True): a JSON body, whose budget_min / budget_max are amounts as the OpenAPI
# declares them (checked by their type), not text to read; its `budget` is still read.
TYPED = "typed"
READ_FROM_NEED = "read from the need: "


def _unreadable(name: str, text: str, notes: dict[str, str] | None) -> None:
    if notes is None:
        raise ValueError(
            N_("{name}: cannot read {text!r} as a {what}", name=name, text=text, what=_WHAT[name])
        )
    notes[name] = text


_WHAT = {
    "budget": N_("budget (50-80万, 100万以上, 20万左右, 80k)"),
    "budget_min": N_("amount (50万, 80k)"),
    "budget_max": N_("amount (50万, 80k)"),
    "timeline": N_("time (2026-06-30, 2026年6月, Q3, 下半年, 3个月内, 尽快)"),
}


def read_written(data: dict[str, Any], context: dict[str, Any] | None) -> dict[str, Any]:
    """A record's budget and timeline as people write them, turned into the fields: the
    `budget` text into budget_min / budget_max, amounts and times typed as text, and (at
    intake) a budget and a time inside the need. At intake what cannot be read, and what
    was read from the need, is noted in `to_confirm` for a person to check."""
    context = context or {}
    intake = bool(context.get(INTAKE))
    if _as_given(data, intake):  # most records: nothing to read (the API's intake path)
        return data
    if not isinstance(data.get("to_confirm") or {}, dict):
        return data  # refused by the field's own check, naming it
    today = _entered_day(data) or context.get(TODAY)
    notes: dict[str, str] | None = dict(data.get("to_confirm") or {}) if intake else None
    out = dict(data)
    if any(isinstance(out.get(k), str) and control_problem(out[k]) for k in _WHAT):
        return out  # refused by the field's own check, naming it
    budget = out.get("budget")
    if isinstance(budget, int | float | Decimal) and not isinstance(budget, bool):
        del out["budget"]
        out.setdefault("budget_min", budget)
        out.setdefault("budget_max", budget)
    elif isinstance(budget, str):  # anything else stays, for its check to name
        del out["budget"]
    if isinstance(budget, str) and budget.strip():
        read = read_budget(budget)
        if read is None:
            _unreadable("budget", budget.strip(), notes)
        else:
            out.setdefault("budget_min", read.low)
            out.setdefault("budget_max", read.high)
    for name in () if context.get(TYPED) else ("budget_min", "budget_max"):
        value = out.get(name)
        if isinstance(value, str) and value.strip():
            amount = read_amount(value)
            if amount is None:
                ends = read_budget(value)
                amount = None if ends is None else (ends.low if name == "budget_min" else ends.high)
            if amount is None:
                _unreadable(name, value.strip(), notes)
            out[name] = amount
    timeline = out.get("timeline")
    if isinstance(timeline, dt.datetime):
        out["timeline"] = timeline.date()
    elif isinstance(timeline, str) and timeline.strip():
        out["timeline"] = read_timeline(timeline, today)
        if out["timeline"] is None:
            _unreadable("timeline", timeline.strip(), notes)
    if notes is not None:
        need = out.get("need")
        if isinstance(need, str):
            _facts_in_need(out, need, today, notes)
        out["to_confirm"] = notes
    return out


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_BUDGET_FIELDS = ("budget_min", "budget_max", "budget_match")


def _as_given(data: dict[str, Any], intake: bool) -> bool:
    """Nothing to read as written: no budget text, amounts not typed as text, a timeline
    that is a date (or an ISO day), and at intake a budget and a timeline of its own."""
    if "budget" in data:
        return False
    if isinstance(data.get("budget_min"), str) or isinstance(data.get("budget_max"), str):
        return False
    timeline = data.get("timeline")
    if isinstance(timeline, dt.datetime):
        return False
    if isinstance(timeline, str) and not _ISO_DAY.fullmatch(timeline):
        return False
    if intake and (
        timeline in (None, "") or all(data.get(k) in (None, "") for k in _BUDGET_FIELDS)
    ):
        return False  # the need may state what the record does not
    return True


def _entered_day(data: dict[str, Any]) -> dt.date | None:
    """The day a register says the row was entered (录入时间): "3个月内" counts from it."""
    entered = data.get("entered_at")
    if isinstance(entered, str):
        try:
            entered = dt.datetime.fromisoformat(entered)
        except ValueError:
            return None
    return entered.date() if isinstance(entered, dt.datetime) else None


def _facts_in_need(out: dict[str, Any], need: str, today: Any, notes: dict[str, str]) -> None:
    """The register's need often holds the budget and the time: "…,预算50-80万,Q3落地"."""
    stated = ("budget_min", "budget_max", "budget_match")
    if not any(out.get(k) not in (None, "") for k in stated) and "budget" not in notes:
        found = budget_in(need)
        if found is not None:
            out["budget_min"], out["budget_max"] = found[0].low, found[0].high
            notes["budget"] = READ_FROM_NEED + found[1]
    if out.get("timeline") in (None, "") and "timeline" not in notes:
        when = timeline_in(need, today)
        if when is not None:
            out["timeline"] = when[0]
            notes["timeline"] = READ_FROM_NEED + when[1]
