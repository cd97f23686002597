"""`leadflow leads import FILE --history` and `--activities`: a team's past from its old CRM
(the leads with their owners, dates and outcomes, then its follow-up log), one command
per file; the service is leadflow/intake/history.py."""

from __future__ import annotations

import datetime as dt

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.leads import utcnow
from leadflow.cli.output import emit
from leadflow.errors import InvalidInput
from leadflow.intake.history import import_history
from leadflow.intake.history_log import import_activities
from leadflow.intake.history_rows import HistoryReport, preview
from leadflow.intake.row_keys import file_digest
from leadflow.phrases import N_
from leadflow.settings import get_rules, get_settings
from leadflow.sheets.files import LeadFile

CLOCK_FROM_HELP = (
    "With --history: when open deals' clocks (first contact, cadence, silence) start; "
    "not in the future, not before an open deal was created (default: now)."
)


def _text(report: HistoryReport, what: str, dry_run: bool) -> str:
    kinds = f" ({report.closed} closed, {report.open} open)" if what == "leads" else ""
    lines = [
        f"{'dry run: ' if dry_run else ''}{what}: accepted {report.accepted}{kinds}, "
        f"rejected {report.rejected}"
        + (f", already imported {report.replayed} (skipped)" if report.replayed else "")
    ]
    if report.clock_from is not None and report.open:
        lines.append(f"open deals' clocks start at {report.clock_from.isoformat()}")
    for r in report.rejections:
        errs = "; ".join(f"{k}: {v}" for k, v in r["errors"].items())
        kept = f" (quarantine #{r['quarantine_id']})" if "quarantine_id" in r else ""
        lines.append(f"  row {r['row']}: {errs}{kept}")
    if report.rejected > len(report.rejections):
        lines.append(f"  ... and {report.rejected - len(report.rejections)} more in the quarantine")
    if dry_run:
        lines.append("nothing was stored")
    return "\n".join(lines)


def import_past(
    lead_file: LeadFile,
    activities: bool,
    clock_from: dt.datetime | None,
    dry_run: bool,
    by: str,
    as_json: bool,
) -> None:
    """Import (or, `dry_run`, read and check) a history file or a follow-up log."""
    if activities and clock_from is not None:
        raise InvalidInput(N_("--clock-from goes with --history, not --activities"))
    now = utcnow()  # the import's time, read once
    shown = get_settings().imports.shown_rejections
    what = "activities" if activities else "leads"
    if dry_run:
        report = preview(lead_file.rows, get_rules(), now, activities, shown)
    else:
        with unit_of_work(by) as uow:
            origin = f"history {lead_file.path.name}"
            if activities:
                report = import_activities(
                    uow.session, lead_file.rows, origin, get_rules(), now=now, shown=shown
                )
            else:
                report = import_history(
                    uow.session,
                    lead_file.rows,
                    origin,
                    get_rules(),
                    now=now,
                    clock_from=clock_from,
                    shown=shown,
                    file_digest=file_digest(lead_file.path),
                )
            uow.commit()
    emit(report, as_json, _text(report, what, dry_run))
    if report.accepted == report.replayed == 0 and report.rejected:
        raise typer.Exit(1)
