"""`leadflow leads import` and `leadflow leads export`: lead files in and out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.lead_history import CLOCK_FROM_HELP, import_past
from leadflow.cli.leads import BY, utc
from leadflow.cli.output import JSON_OPTION, emit, to_json
from leadflow.cli.progress import steps
from leadflow.errors import InvalidInput
from leadflow.i18n import say
from leadflow.intake.pending import process_pending
from leadflow.intake.process import IntakeResult
from leadflow.intake.requests import once_more_on_conflict
from leadflow.phrases import N_, listed
from leadflow.progress import Report
from leadflow.settings import get_rules, get_settings
from leadflow.sheets.export import ExportFilter, export_leads
from leadflow.sheets.files import LeadFile, open_leads
from leadflow.sheets.imports import ImportReport, dry_run
from leadflow.sheets.imports import import_file as import_leads
from leadflow.sheets.mapping import for_activities, for_history, load_mapping

# Help paragraphs are one line each: Typer keeps a docstring's single line breaks.
IMPORT_HELP = (
    "Import leads from a team's sheet or a CRM export.\n\n"
    "Column names are matched to lead fields through built-in aliases (the seed registers' "
    "Chinese headers, HubSpot, Salesforce and Odoo exports) and --map. Duplicates merge into "
    "the existing lead; rejected rows are kept verbatim in the quarantine. Columns of personal "
    "data the product refuses (ID numbers, home addresses) are left out and never stored.\n\n"
    "Importing a file again (after a crash, say) skips the rows it stored: no second touch or "
    "notice. A row is known by its external id, else by the file's bytes and the row.\n\n"
    "--history reads a CRM's past (owner, state, created_at, screened_at, opportunity_at, "
    "negotiation_at, closed_at, contract_value, loss_reason): stored with its own times, "
    "marked migrated, sending nothing. --activities then reads its follow-up log (lead, at, "
    "channel, key_points, feedback, next_action)."
)


def _mapping_text(described: dict[str, Any]) -> list[str]:
    how = described.get("encoding") or (
        f"sheet {described['sheet']}" if described.get("sheet") else None
    )
    lines = [f"{described['file']}: {described['format']}" + (f", {how}" if how else "")]
    if described.get("title_rows_skipped"):
        lines.append(
            "  title row(s) above the header skipped: "
            + ", ".join(map(str, described["title_rows_skipped"]))
        )
    lines += [
        f"  {c['column'] or '(unnamed)'} -> {c['maps to']}"
        + ("" if c["use"] == "field" else f" ({c['use']})")
        for c in described.get("columns", [])
    ]
    return lines


def _footer_text(described: dict[str, Any]) -> list[str]:
    footers = described.get("footer_rows_skipped")
    if not footers:
        return []
    return [f"footer row(s) below the data skipped: {', '.join(map(str, footers))}"]


def _rejection_line(r: dict[str, Any]) -> str:
    errs = say(listed(r["errors"]))
    kept = N_(" (quarantine #{id})", id=r["quarantine_id"]) if "quarantine_id" in r else ""
    return "  " + say(N_("row {row}: {errors}", row=r["row"], errors=errs)) + say(kept)


def _import_text(s: ImportReport, intake: IntakeResult | None) -> str:
    merged = f" ({s.reactivated} reactivated, {s.assigned} assigned)" if s.reactivated else ""
    lines = [
        f"accepted {s.accepted}, duplicates {s.duplicates}{merged}, rejected {s.rejected}"
        + (f", already imported {s.replayed} (skipped)" if s.replayed else "")
    ]
    lines += _footer_text(s.file)
    lines += [_rejection_line(r) for r in s.rejections]
    if s.rejected > len(s.rejections):
        lines.append(
            f"  ... and {s.rejected - len(s.rejections)} more, all in the quarantine "
            "(GET /quarantine)"
        )
    if intake is not None:
        lines.append(
            f"intake: {intake.screened} screened, {intake.disqualified} disqualified, "
            f"{intake.assigned} assigned, {intake.queued} to a manager queue"
            + (
                f"; {intake.assigned + s.assigned} assigned in all, with the reactivated"
                if s.assigned
                else ""
            )
        )
    return "\n".join(lines)


def _dry_run(lead_file: LeadFile, as_json: bool) -> None:
    conf = get_settings().imports
    if not as_json:
        typer.echo("\n".join(["mapping:", *_mapping_text(lead_file.describe()), "rejections:"]))
    result = dry_run(
        lead_file,
        sample_rows=conf.dry_run_rows,
        shown=conf.shown_rejections,
        need_required=get_rules().data_quality.need_required,
        on_rejection=None if as_json else lambda r: typer.echo(_rejection_line(r)),
    )
    sample = [
        f"  row {r['row']}: " + to_json({k: v for k, v in r.items() if k != "row"}, indent=None)
        for r in result.sample
    ]
    emit(
        result,
        as_json,
        "\n".join(
            [
                f"first {len(result.sample)} row(s) as parsed:",
                *sample,
                *_footer_text(result.file),
                f"dry run: {result.rows} row(s), {result.valid} valid, {result.rejected} rejected; "
                "nothing was stored",
            ]
        ),
    )


def _store(opened: Callable[[], LeadFile], by: str, on_progress: Report) -> ImportReport:
    """Import a file in one unit of work; when another import of the same rows (or a
    change to a lead it merges into) commits first, import it again as the second: it
    then skips the rows the other stored. `on_progress` hears the rows read."""
    conf = get_settings().imports
    with unit_of_work(by) as uow:

        def attempt() -> ImportReport:
            lead_file = opened()  # read afresh: an attempt consumes the rows
            report = import_leads(
                uow.session,
                lead_file,
                f"import {lead_file.path.name}",
                get_rules(),
                chunk_rows=conf.chunk_rows,
                shown=conf.shown_rejections,
                on_progress=on_progress,
            )
            uow.commit()
            return report

        return once_more_on_conflict(uow, attempt)


def import_file(
    file: Path = typer.Argument(
        ..., help="A .csv (UTF-8, GBK or another common encoding), .xlsx or .jsonl file of leads."
    ),
    sheet: str | None = typer.Option(None, help="The .xlsx sheet to read (default: the first)."),
    map_file: Path | None = typer.Option(
        None, "--map", help="A YAML file of header and value mappings to add or override."
    ),
    dry_run_: bool = typer.Option(
        False,
        "--dry-run",
        help="Print the mapping, the first rows as parsed and every rejection; store nothing.",
    ),
    ignore_unknown: bool = typer.Option(
        False,
        "--ignore-unknown",
        help="Leave out columns that map to no field instead of refusing the file.",
    ),
    encoding: str | None = typer.Option(
        None,
        help="The CSV's text encoding (latin-1, cp1252, gbk ...) instead of detecting it; "
        "a file whose detection is uncertain asks for it.",
    ),
    process: bool = typer.Option(True, help="Screen, score, grade and assign at once."),
    history: bool = typer.Option(
        False, "--history", help="The file is a CRM's history: leads with their past."
    ),
    activities: bool = typer.Option(
        False, "--activities", help="The file is a CRM's follow-up log of migrated leads."
    ),
    clock_from: dt.datetime | None = typer.Option(None, "--clock-from", help=CLOCK_FROM_HELP),
    by: str = BY,
    as_json: bool = JSON_OPTION,
) -> None:
    """Import leads from a team's sheet or a CRM export (help: IMPORT_HELP)."""
    if history and activities:
        raise InvalidInput(N_("--history and --activities: one file at a time"))
    if clock_from is not None and not history:
        raise InvalidInput(N_("--clock-from goes with --history"))
    mapping = load_mapping(map_file)
    mapping = (
        for_history(mapping) if history else for_activities(mapping) if activities else mapping
    )
    lead_file = open_leads(
        file,
        mapping,
        sheet,
        ignore_unknown=ignore_unknown or (dry_run_ and not (history or activities)),
        encoding=encoding,
    )
    if history or activities:
        import_past(lead_file, activities, utc(clock_from), dry_run_, by, as_json)
        return
    if dry_run_:
        if lead_file.plan is not None and lead_file.plan.unknown and not ignore_unknown:
            typer.echo(
                f"unmapped column(s), refused without --ignore-unknown: "
                f"{', '.join(lead_file.plan.unknown)}",
                err=True,
            )
        _dry_run(lead_file, as_json)
        return
    with steps(as_json) as shown:
        report = _store(
            lambda: open_leads(
                file,
                load_mapping(map_file),
                sheet,
                ignore_unknown=ignore_unknown,
                encoding=encoding,
            ),
            by,
            shown.stage("imported"),
        )
        intake = process_pending(on_progress=shown.stage("processed")) if process else None
    emit({"import": report, "intake": intake}, as_json, _import_text(report, intake))
    if report.accepted == report.duplicates == report.replayed == 0 and report.rejected:
        raise typer.Exit(1)


def export_file(
    fmt: str = typer.Option("csv", "--format", help="csv | xlsx"),
    state: str | None = typer.Option(None, help="Only leads in this state."),
    owner: int | None = typer.Option(None, help="Only this rep's leads (rep id)."),
    role: str = typer.Option(
        "manager",
        help="Who reads it: rep | manager | director | "
        "system; budgets and notes are masked below manager.",
    ),
    out: Path | None = typer.Option(
        None, help="Where to write (default: leads.csv or leads.xlsx here)."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Write the lead register as CSV or XLSX, in the columns `leads import` reads back."""
    path = out or Path(f"leads.{fmt}")
    with steps(as_json, "leads") as shown, unit_of_work() as uow:
        where = ExportFilter(role, state, owner)
        count = export_leads(uow.session, path, fmt, where, shown.stage("exported"))
    emit(
        {"file": str(path), "leads": count, "role": role},
        as_json,
        f"wrote {count} lead(s) to {path} (for a {role})",
    )
