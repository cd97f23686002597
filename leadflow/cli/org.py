"""`leadflow teams import`, `leadflow reps import` and `leadflow teams managers ...`: the
organisation from a sheet, and a team's several managers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import typer
from sqlalchemy.orm import Session

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.leads import utcnow
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.cli.reps import app, teams_app
from leadflow.settings import get_rules, get_settings
from leadflow.sheets.tables import TableRow, read_table
from leadflow.team import reps as svc
from leadflow.team import teams
from leadflow.team.org_import import OrgImport, import_reps, import_teams

managers_app = App(no_args_is_help=True, help="A team's managers: notices go to each.")
teams_app.add_typer(managers_app, name="managers")
_DRY_RUN = typer.Option(False, "--dry-run", help="Check every row and report; save nothing.")


def _run(
    file: Path,
    dry_run: bool,
    as_json: bool,
    service: Callable[[Session, Iterator[TableRow]], OrgImport],
) -> None:
    """Read the file, run the import in one unit of work (kept unless a dry run), show it."""
    headers, rows = read_table(file)
    with unit_of_work("cli") as uow:
        report = service(uow.session, rows)
        report.dry_run = dry_run
        if not dry_run:
            uow.commit()
    _show(report, as_json, headers)


def _show(report: OrgImport, as_json: bool, headers: dict[str, str]) -> None:
    """The rejected rows by the column as the file writes it, then the summary line."""
    lines = []
    for r in report.rejected:
        error = r.error.removeprefix(f"{r.field}: ")
        lines.append(f"row {r.row}: {headers.get(r.field, r.field)}: {error}")
    emit(report.model_dump(), as_json, "\n".join([*lines, report.summary()]))


# Help paragraphs are one line each: Typer keeps a docstring's single line breaks.
TEAMS_IMPORT_HELP = (
    "Create or update teams from a sheet (CSV or XLSX), one team an office.\n\n"
    "Columns: office (or team), manager(s) as 'Name <email>' (several separated by ';' or on "
    "several rows), region, industry, size, customer_types, timezone.\n\n"
    "Bad rows are named and left out; the others are saved."
)
REPS_IMPORT_HELP = (
    "Create or update reps from a sheet (CSV or XLSX); a rep is found by email.\n\n"
    "Columns: agent (or name), email, office (a team's name), seniority, capacity, region, "
    "industry.\n\n"
    "Bad rows are named and left out; the others are saved."
)


@teams_app.command("import", help=TEAMS_IMPORT_HELP)
def import_teams_cmd(
    file: Path = typer.Argument(..., help="A .csv or .xlsx file: office, manager(s), ..."),
    dry_run: bool = _DRY_RUN,
    as_json: bool = JSON_OPTION,
) -> None:
    """`leadflow teams import`: TEAMS_IMPORT_HELP."""
    zone = get_settings().default_timezone
    _run(
        file,
        dry_run,
        as_json,
        lambda s, rows: import_teams(s, rows, rules=get_rules(), default_timezone=zone),
    )


@app.command("import", help=REPS_IMPORT_HELP)
def import_reps_cmd(
    file: Path = typer.Argument(..., help="A .csv or .xlsx file: agent, email, office, ..."),
    dry_run: bool = _DRY_RUN,
    as_json: bool = JSON_OPTION,
) -> None:
    """`leadflow reps import`: REPS_IMPORT_HELP."""
    now = utcnow()
    _run(file, dry_run, as_json, lambda s, rows: import_reps(s, rows, now=now, rules=get_rules()))


def _managers_shown(team_id: int, as_json: bool, verb: str) -> None:
    with unit_of_work() as uow:
        row = next((r for r in svc.team_rows(uow.session) if r["id"] == team_id), None)
    people = row["managers"] if row else []
    text = table(people, ["name", "email"])
    emit(people, as_json, f"{verb}\n{text}" if verb else text)


@managers_app.command("add")
def add_manager(
    team_id: int,
    name: str | None = typer.Option(None, help="The manager's name."),
    email: str | None = typer.Option(None, help="The manager's email: notices go to it."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a manager to a team (after the others); the team's notices go to each."""
    with unit_of_work("cli") as uow:
        teams.add_manager(uow.session, team_id, {"name": name, "email": email}, rules=get_rules())
        uow.commit()
    _managers_shown(team_id, as_json, f"team {team_id}: manager {email or name} added")


@managers_app.command("remove")
def remove_manager(
    team_id: int,
    who: str = typer.Argument(..., help="The manager's email (or, without one, name)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Remove a manager from a team (a team keeps at least one address for its notices)."""
    with unit_of_work("cli") as uow:
        teams.remove_manager(uow.session, team_id, who, rules=get_rules())
        uow.commit()
    _managers_shown(team_id, as_json, f"team {team_id}: manager {who} removed")


@managers_app.command("list")
def list_managers(team_id: int, as_json: bool = JSON_OPTION) -> None:
    """A team's managers in order."""
    with unit_of_work() as uow:
        teams.get_team(uow.session, team_id)
    _managers_shown(team_id, as_json, "")
