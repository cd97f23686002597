"""Printing results: JSON for machines (--json), short aligned text for people."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

import typer
from pydantic import BaseModel

from leadflow.errors import InvalidInput
from leadflow.lifecycle.minutes import confirmer
from leadflow.phrases import N_
from leadflow.rules.text import escaped

JSON_OPTION = typer.Option(False, "--json", help="Print machine-readable JSON.")
# Control characters (but newline and tab) and bidirectional overrides: lead data that
# would move the cursor, recolour or clear a terminal, or reorder what a reader sees.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_format(fmt: str | None, as_json: bool, default: str) -> str:
    """The format of a command that has several: --json is --format json; both together
    must agree."""
    if as_json and fmt not in (None, "json"):
        raise InvalidInput(
            N_(
                "--format {fmt!r} and --json disagree: give one of them",
                fmt=fmt,
            ),
            {"--format": fmt},
        )
    return "json" if as_json else fmt or default


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral() else int(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return str(value)


def to_json(data: Any, indent: int | None = 2) -> str:
    """JSON text of anything the CLI returns (on one line with indent=None)."""
    return json.dumps(data, default=_default, ensure_ascii=False, indent=indent)


def printable(text: str) -> str:
    """`text` with each control sequence shown as its escape (ESC as \\x1b), never run."""
    return escaped(text, _UNPRINTABLE)


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    """Print `data` as JSON (where JSON escapes control characters), or the human `text`
    with its control sequences escaped (falling back to JSON)."""
    typer.echo(to_json(data) if as_json or text is None else printable(text))


def grade_text(grade: str | None) -> str:
    """A lead's grade for a sentence: "grade A", or "no grade" (a disqualified lead)."""
    return f"grade {grade}" if grade else "no grade"


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A plain aligned text table."""
    if not rows:
        return "(none)"
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "-"
    if isinstance(value, dict):  # what to confirm: "budget: 待定; timeline: Q3"
        return "; ".join(f"{k}: {v}" for k, v in value.items()) or "-"
    text = str(_default(value)) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def minutes_text(rows: Sequence[dict[str, Any]]) -> str:
    """Negotiation minutes as text: a line for each entry, then its points in full."""
    lines = []
    for m in rows:
        lines.append(
            f"#{m['id']} held {_cell(m['held_at'])}, confirmed by {confirmer(m)} on "
            f"{_cell(m['confirmed_at'])}, recorded by {m['recorded_by']}"
        )
        lines += [f"  agreed: {point}" for point in m["agreed"]]
        lines += [f"  open: {issue}" for issue in m["open_issues"]]
    return "\n".join(lines) or "(none)"
