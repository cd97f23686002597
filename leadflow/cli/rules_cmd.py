"""`leadflow rules check FILE`: the rules on lead records, with no database."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, json_format, table
from leadflow.cli.progress import steps
from leadflow.errors import InvalidInput
from leadflow.phrases import N_, listed
from leadflow.rules.evaluate import RuleInput, evaluate
from leadflow.schemas import field_errors
from leadflow.settings import get_rules

app = App(no_args_is_help=True, help="The business rules.")


def check_records(records: list[Any], today: dt.date) -> list[dict[str, Any]]:
    """Evaluate each record; a bad record raises InvalidInput naming its index and fields."""
    rules = get_rules()
    out = []
    for index, raw in enumerate(records):
        try:
            rec = RuleInput.model_validate(raw)
        except ValidationError as exc:
            errors = field_errors(exc)
            raise InvalidInput(
                N_("record {index}: {errors}", index=index, errors=listed(errors)), errors
            ) from None
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
        raise InvalidInput(
            N_("{file}: cannot read: {strerror}", file=file, strerror=exc.strerror)
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            N_(
                "{file}: not valid JSON: {msg} (line {lineno})",
                file=file,
                msg=exc.msg,
                lineno=exc.lineno,
            )
        ) from None
    if not isinstance(data, list):
        raise InvalidInput(N_("{file}: expected a JSON array of lead objects", file=file))
    day = today.date() if today else dt.datetime.now(dt.UTC).date()
    results = check_records(data, day)
    rows = [
        {
            "#": i,
            "valid": r["valid"],
            "score": r["score"],
            "priority": r["priority"],
            "stage": r["nurture_stage"],
            "grade": r["grade"],
            "opportunity": (
                f"{r['opportunity']['grade']} ({r['opportunity']['points']})"
                if "opportunity" in r
                else None
            ),
            "why": r["explain"]["invalid_reason"],
        }
        for i, r in enumerate(results)
    ]
    emit(
        results,
        as_json,
        table(rows, ["#", "valid", "score", "priority", "stage", "grade", "opportunity", "why"]),
    )


@app.command("simulate")
def simulate_cmd(
    rules_file: Path = typer.Option(
        ...,
        "--rules",
        help="Candidate rules YAML (only the keys "
        "that change are needed), layered over the current rules.",
    ),
    period: str | None = typer.Option(
        None, help="2026-Q3 or 2026-09 (default: the last complete quarter)."
    ),
    since: dt.datetime | None = typer.Option(
        None, help="Replay leads that arrived from this date until now instead of a period."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="md | html | json (default: md; json with --json)."
    ),
    out: Path | None = typer.Option(None, help="Write to this file instead of stdout."),
    samples: int = typer.Option(20, min=0, max=10_000, help="Leads listed per kind of change."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Replay a period's leads through the current and the candidate rules.

    Leads are taken as they were at intake; it reports what changes and writes nothing."""
    from leadflow.bootstrap import unit_of_work
    from leadflow.simulate.render import FORMATS, render_report
    from leadflow.simulate.service import candidate_rules, simulate, window

    fmt = json_format(fmt, as_json, "md")
    if fmt not in FORMATS:
        raise InvalidInput(
            N_("format: {fmt!r} is not one of {formats}", fmt=fmt, formats=", ".join(FORMATS)),
            {"format": fmt},
        )
    current = get_rules()
    candidate = candidate_rules(rules_file, current)
    label, start, end = window(period, since.date() if since else None, dt.datetime.now(dt.UTC))
    # never committed: the replay only reads
    with steps(as_json, "leads") as shown, unit_of_work("rules-simulate") as uow:
        hear = (shown.stage("current rules"), shown.stage("candidate rules"))
        report = simulate(
            uow.session, current, candidate, rules_file.name, label, start, end, samples, hear
        )
    text = render_report(report, fmt)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(
            N_("out: cannot write {out}: {strerror}", out=out, strerror=exc.strerror),
            {"out": str(out)},
        ) from None
    emit(
        {"period": label, "format": fmt, "file": str(out), "leads": report.leads},
        as_json,
        f"what-if over {label} written to {out}: {report.leads} leads, "
        + ", ".join(f"{k} {v}" for k, v in report.changed.items())
        + " changed",
    )
