"""`leadflow rules check FILE`: the rules on lead records, with no database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.errors import InvalidInput
from leadflow.rules.evaluate import RuleInput, evaluate
from leadflow.schemas import field_errors
from leadflow.settings import get_rules

app = typer.Typer(no_args_is_help=True, help="The business rules.")


def check_records(records: list[Any], today: dt.date) -> list[dict[str, Any]]:
    """Evaluate each record; a bad record raises InvalidInput naming its index and fields."""
    rules = get_rules()
    out = []
    for index, raw in enumerate(records):
        try:
            rec = RuleInput.model_validate(raw)
        except ValidationError as exc:
            errors = field_errors(exc)
            raise InvalidInput(f"record {index}: " + "; ".join(f"{k}: {v}"
                                                                for k, v in errors.items()),
                               errors) from None
        out.append(evaluate(rec, rec.events, today, rules, rec.opportunity).summary())
    return out


@app.command("check")
def check(
    file: Path = typer.Argument(..., help="A JSON array of lead objects (spec §1 names)."),
    today: dt.datetime | None = typer.Option(None, help="Evaluate as of this date."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Screen, score and grade lead records without touching a database."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{file}: not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, list):
        raise InvalidInput(f"{file}: expected a JSON array of lead objects")
    day = today.date() if today else dt.datetime.now(dt.UTC).date()
    results = check_records(data, day)
    rows = [{"#": i, "valid": r["valid"], "score": r["score"], "priority": r["priority"],
             "stage": r["nurture_stage"], "grade": r["grade"],
             "opportunity": (f"{r['opportunity']['grade']} ({r['opportunity']['points']})"
                             if "opportunity" in r else None),
             "why": r["explain"]["invalid_reason"]} for i, r in enumerate(results)]
    emit(results, as_json, table(rows, ["#", "valid", "score", "priority", "stage", "grade",
                                        "opportunity", "why"]))
