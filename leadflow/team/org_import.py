"""The organisation from a table: teams (office, managers, territory, time zone) and reps
(agent, email, office, seniority, capacity), created or updated by name and email, so an
import run again changes what changed and adds nothing twice. A bad row is rejected with
its number and the field named; the other rows are kept. One table may hold both: each
import reads its own columns and leaves the other's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.lifecycle.assign import assign_queued
from leadflow.phrases import N_, Phrase, listed
from leadflow.rules.config import RulesConfig
from leadflow.schemas import validated
from leadflow.sheets.tables import TableRow, header_name
from leadflow.store.models import SalesRep, Team
from leadflow.team import reps, teams
from leadflow.team.managers import ManagerIn, distinct, managers_of, parse_managers

# The columns each import reads, by the names a sheet may give them (in normal form).
TEAM_COLUMNS = {
    "name": ("office", "team", "team_name", "office_name"),
    "managers": ("managers", "manager_s", "manager", "manager_name", "manager_names"),
    "manager_email": ("manager_email", "manager_emails"),
    "regions": ("regions", "region"),
    "industries": ("industries", "industry"),
    "company_sizes": ("company_sizes", "company_size", "size", "sizes"),
    "customer_types": ("customer_types", "customer_type"),
    "timezone": ("timezone", "time_zone", "tz"),
    "notify_url": ("notify_url",),
}
REP_COLUMNS = {
    "name": ("agent", "rep", "rep_name", "agent_name", "name"),
    "email": ("email", "agent_email", "rep_email"),
    "team": ("office", "team", "team_name", "office_name"),
    "seniority": ("seniority",),
    "capacity": ("capacity",),
    "regions": ("regions", "region"),
    "industries": ("industries", "industry"),
    "notify_url": ("notify_url",),
}
_LISTS = {"regions", "industries", "company_sizes", "customer_types"}


class RejectedRow(BaseModel):
    """A row left out: its number in the file, the column at fault, and why."""

    row: int
    field: str
    error: str


class OrgImport(BaseModel):
    """What an import did (or, in a dry run, would do)."""

    kind: Literal["teams", "reps"]
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows that name no rep (a sheet's manager-only rows, for reps import)
    rejected: list[RejectedRow] = []
    ignored_columns: list[str] = []

    def summary(self) -> str:
        """One line: 'teams import: 4 rows, 2 created, 1 updated, 0 unchanged, 1 rejected'."""
        ran = "teams import" if self.kind == "teams" else "reps import"
        ignored = f"; ignored columns: {', '.join(self.ignored_columns)}" * bool(
            self.ignored_columns
        )
        return (
            f"{ran}{' (dry run, nothing saved)' * self.dry_run}: {self.rows} row(s), "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{f'{self.skipped} without a rep, ' * bool(self.skipped)}"
            f"{len(self.rejected)} rejected{ignored}"
        )


def table_rows(records: Iterable[dict[str, Any]]) -> list[TableRow]:
    """Records given as objects (the API's), numbered from 1, keys in normal form."""
    return [
        TableRow(n, {header_name(k): "" if v is None else str(v).strip() for k, v in r.items()})
        for n, r in enumerate(records, start=1)
    ]


def _columns(names: Iterable[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Each field's column: the first of its names the table has."""
    have = set(names)
    return {
        f: next(a for a in aliases if a in have)
        for f, aliases in wanted.items()
        if have & set(aliases)
    }


def _ignored(names: Iterable[str]) -> list[str]:
    known = {a for aliases in (*TEAM_COLUMNS.values(), *REP_COLUMNS.values()) for a in aliases}
    return sorted({n for n in names if n and n not in known})


def _opening(
    rows: list[TableRow],
    kind: Literal["teams", "reps"],
    wanted: dict[str, tuple[str, ...]],
    name_column: str,
    missing: Phrase,
    objects: bool,
) -> tuple[dict[str, str], OrgImport]:
    """The table's columns by field, and the report begun. A sheet without the name
    column is refused; rows given as `objects` (the API's) name it `name_column`, so a
    row without it is rejected as a row with it empty is."""
    names = list(dict.fromkeys(n for r in rows for n in r.cells))
    columns = _columns(names, wanted)
    report = OrgImport(kind=kind, rows=len(rows), ignored_columns=_ignored(names))
    if "name" not in columns and objects:
        columns["name"] = name_column
    elif "name" not in columns:
        raise InvalidInput(missing, {name_column: "missing"})
    return columns, report


def _split(value: str) -> list[str]:
    return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]


def _problem(field: str, error: InvalidInput, columns: dict[str, str]) -> tuple[str, str]:
    """The column at fault in an error from a team or rep service, and the message."""
    named = next(iter(error.errors), field) if error.errors else field
    base = named.split(".")[0].split("[")[0]
    return columns.get(base, columns.get(field, named)), str(error)


def import_teams(
    session: Session,
    rows: Iterable[TableRow],
    *,
    rules: RulesConfig,
    default_timezone: str,
    objects: bool = False,
) -> OrgImport:
    """Create or update a team per office named; an office on several rows gathers the
    managers of each. A team found by name gets the file's managers, time zone and
    customer types (its territory is kept, as `teams set` keeps it). A sheet without an
    office column is refused; rows given as `objects` (the API's) without one are each
    rejected, as a row with an empty office is."""
    rows = list(rows)
    missing = N_("office: the table has no office (or team) column")
    columns, report = _opening(rows, "teams", TEAM_COLUMNS, "office", missing, objects)
    offices: dict[str, dict[str, Any]] = {}
    numbers: dict[str, list[int]] = {}
    for row in rows:
        try:
            key, data = _team_row(row, columns, offices)
        except InvalidInput as exc:
            field, error = _problem("name", exc, columns)
            report.rejected.append(RejectedRow(row=row.number, field=field, error=error))
            continue
        offices[key] = data
        numbers.setdefault(key, []).append(row.number)
    for key, data in offices.items():
        try:
            _save_team(session, data, report, rules, default_timezone)
        except InvalidInput as exc:  # the office's rows together, as one team
            field, error = _problem("managers", exc, columns)
            report.rejected += [RejectedRow(row=n, field=field, error=error) for n in numbers[key]]
    report.rejected.sort(key=lambda r: r.row)
    return report


def _team_row(
    row: TableRow, columns: dict[str, str], offices: dict[str, dict[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """The office's data with this row's added (a new dict: a bad row changes nothing)."""
    if row.problem:
        raise InvalidInput(listed({columns["name"]: row.problem}), {"name": row.problem})
    cell = {f: row.cells.get(c, "") for f, c in columns.items()}
    if not cell["name"]:
        raise InvalidInput(N_("{column}: required", column=columns["name"]), {"name": "required"})
    key = cell["name"].casefold()
    before = offices.get(key, {"name": cell["name"], "managers": []})
    data = {**before, "managers": list(before["managers"])}
    people = parse_managers(cell.get("managers", ""))
    emails = parse_managers(cell.get("manager_email", ""))
    if len(people) == 1 and len(emails) == 1 and not people[0]["email"]:
        people[0]["email"] = emails[0]["email"] or emails[0]["name"]
    elif emails:
        people += emails
    for person in people:
        try:
            data["managers"].append(validated(ManagerIn, person))
        except InvalidInput as exc:
            column = columns.get("managers") or columns["manager_email"]
            raise InvalidInput(listed({column: exc.args[0]}), {"managers": str(exc)}) from None
    for field in ("timezone", "notify_url"):
        value = cell.get(field)
        if value and data.get(field) and data[field] != value:
            raise InvalidInput(
                N_(
                    "{column}: {value!r} differs from {data!r} given for {name} above",
                    column=columns[field],
                    value=value,
                    data=data[field],
                    name=data["name"],
                ),
                {field: "differs from an earlier row"},
            )
        if value:
            data[field] = value
    for field in _LISTS & columns.keys():
        data[field] = list(dict.fromkeys([*data.get(field, []), *_split(cell[field])]))
    probe = {k: v for k, v in data.items() if k != "managers"}
    validated(reps.TeamIn, {**probe, "managers": [m.model_dump() for m in data["managers"]]})
    return key, data


def _save_team(
    session: Session,
    data: dict[str, Any],
    report: OrgImport,
    rules: RulesConfig,
    default_timezone: str,
) -> None:
    """Create the team, or update the one of this name, and count which it was."""
    data = {**data, "managers": [m.model_dump() for m in distinct(data["managers"])]}
    found = session.scalars(
        select(Team).where(func.lower(Team.name) == data["name"].lower())
    ).first()
    if found is None:
        reps.add_team(session, data, default_timezone=default_timezone)
        report.created += 1
        return
    before = _team_state(found)
    changes = {
        k: v
        for k, v in data.items()
        if k in ("managers", "timezone", "notify_url", "customer_types")
    }
    if not data["managers"]:
        changes.pop("managers")
    if not changes:  # the sheet gives nothing `teams set` changes: its territory stays
        report.unchanged += 1
        return
    teams.update_team(session, found.id, changes, rules=rules)
    if _team_state(found) == before:
        report.unchanged += 1
    else:
        report.updated += 1


def _team_state(team: Team) -> tuple[Any, ...]:
    return (
        [m.model_dump() for m in managers_of(team)],
        team.timezone,
        team.notify_url,
        list(team.customer_types),
    )


def import_reps(
    session: Session,
    rows: Iterable[TableRow],
    *,
    now: dt.datetime,
    rules: RulesConfig,
    objects: bool = False,
) -> OrgImport:
    """Create or update a rep per row, found by email (or, without one, by name in the
    office); then leads waiting in manager queues that the new reps can take are assigned.
    A sheet without an agent column is refused; rows given as `objects` (the API's) are
    each read as a row naming no rep."""
    rows = list(rows)
    missing = N_("agent: the table has no agent (or name) column")
    columns, report = _opening(rows, "reps", REP_COLUMNS, "agent", missing, objects)
    by_name = {t.name.casefold(): t.id for t in session.scalars(select(Team))}
    seen: dict[str, int] = {}
    for row in rows:
        try:
            _save_rep(session, row, columns, by_name, seen, report)
        except InvalidInput as exc:
            field, error = _problem("name", exc, columns)
            report.rejected.append(RejectedRow(row=row.number, field=field, error=error))
    if report.created or report.updated:
        assign_queued(session, now, rules)
    return report


def _save_rep(
    session: Session,
    row: TableRow,
    columns: dict[str, str],
    by_name: dict[str, int],
    seen: dict[str, int],
    report: OrgImport,
) -> None:
    """Create or update the row's rep, and count which it was."""
    if row.problem:
        raise InvalidInput(listed({columns["name"]: row.problem}), {"name": row.problem})
    cell = {f: row.cells.get(c, "") for f, c in columns.items()}
    if not (cell.get("name") or cell.get("email")):
        report.skipped += 1  # a row of the sheet for its office or manager only
        return
    data: dict[str, Any] = {
        k: v for k, v in cell.items() if v and k in ("name", "email", "seniority", "notify_url")
    }
    if "capacity" in cell and cell["capacity"]:
        data["capacity"] = cell["capacity"]
    for field in ("regions", "industries"):
        if cell.get(field):
            data[field] = _split(cell[field])
    if cell.get("team"):
        team_id = by_name.get(cell["team"].casefold())
        if team_id is None:
            raise InvalidInput(
                N_(
                    "{team}: no team named {team2!r} (import the teams first)",
                    team=columns["team"],
                    team2=cell["team"],
                ),
                {"team": "unknown"},
            )
        data["team_id"] = team_id
    if "seniority" in data:
        data["seniority"] = data["seniority"].lower()
    who = (
        data.get("email") or ""
    ).casefold() or f"{cell.get('name', '').casefold()}@{data.get('team_id')}"
    if who in seen:
        raise InvalidInput(
            N_(
                "{email}: the same rep as row {seen}",
                email=columns.get("email", columns["name"]),
                seen=seen[who],
            ),
            {"email" if data.get("email") else "name": "repeats an earlier row"},
        )
    found = _find_rep(session, data)
    if found is None:
        reps.add_rep(session, data)
        report.created += 1
    else:
        before = {f: getattr(found, f) for f in reps.STORED}
        reps.update_rep(session, found.id, data)
        after = {f: getattr(found, f) for f in reps.STORED}
        if after == before:
            report.unchanged += 1
        else:
            report.updated += 1
    seen[who] = row.number


def _find_rep(session: Session, data: dict[str, Any]) -> SalesRep | None:
    """The rep with this email (any case), else the one of this name in this team."""
    if data.get("email"):
        query = select(SalesRep).where(func.lower(SalesRep.email) == data["email"].lower())
    else:
        query = select(SalesRep).where(
            SalesRep.name == data.get("name", ""), SalesRep.team_id == data.get("team_id")
        )
    return session.scalars(query.order_by(SalesRep.id)).unique().first()
