"""`leadflow reps ...` and `leadflow teams ...`."""

from __future__ import annotations

import datetime as dt

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.app import App
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.settings import get_rules, get_settings
from leadflow.team import reps as svc
from leadflow.team.managers import parse_managers
from leadflow.team.reachability import unreachable_people
from leadflow.team.teams import update_team

app = App(no_args_is_help=True, help="Sales reps.")
teams_app = App(no_args_is_help=True, help="Sales teams and their territory.")
_TYPES_HELP = "Customer types taken: company, individual (repeat or comma-separate; none: both)."
_MANAGERS_HELP = (
    "Every manager, in order: 'Name <email>; Name <email>' (notices go to each); "
    "instead of --manager and --manager-email."
)
_ZONE_HELP = (
    "IANA time zone (Asia/Shanghai): the team's business hours, SLAs, reminders "
    "and review periods run on it."
)


def _split(values: list[str]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


@teams_app.command("add")
def add_team(
    name: str = typer.Option(...),
    manager: str | None = typer.Option(None),
    manager_email: str | None = typer.Option(None),
    managers: str | None = typer.Option(None, help=_MANAGERS_HELP),
    region: list[str] = typer.Option([], help="A covered region (repeat or comma-separate)."),
    industry: list[str] = typer.Option([], help="A covered industry."),
    size: list[str] = typer.Option([], help="A covered company size."),
    customer_types: list[str] = typer.Option([], help=_TYPES_HELP),
    notify_url: str | None = typer.Option(None, help="Apprise URL for the manager queue."),
    timezone: str | None = typer.Option(
        None, help=f"{_ZONE_HELP} Default: LEADFLOW_DEFAULT_TIMEZONE, else UTC."
    ),
    no_email: bool = typer.Option(False, "--no-email", help=svc.NO_EMAIL),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a team; its manager needs --manager-email (or --notify-url) or --no-email."""
    with unit_of_work("cli") as uow:
        team = svc.add_team(
            uow.session,
            {
                "name": name,
                "manager_name": manager,
                "manager_email": manager_email,
                "regions": _split(region),
                "industries": _split(industry),
                "company_sizes": _split(size),
                "customer_types": _split(customer_types),
                "notify_url": notify_url,
                "timezone": timezone,
                "no_email": no_email,
                **({"managers": parse_managers(managers)} if managers is not None else {}),
            },
            default_timezone=get_settings().default_timezone,
        )
        uow.commit()
        data = {"id": team.id, "name": team.name, "timezone": team.timezone}
    emit(data, as_json, f"team {team.id} {team.name} added ({team.timezone})")


@teams_app.command("set")
def set_team(
    team_id: int,
    timezone: str | None = typer.Option(None, help=_ZONE_HELP),
    name: str | None = typer.Option(None),
    manager: str | None = typer.Option(None),
    manager_email: str | None = typer.Option(None),
    managers: str | None = typer.Option(None, help=_MANAGERS_HELP + " Replaces the list."),
    notify_url: str | None = typer.Option(None, help="Apprise URL for the manager queue."),
    customer_types: list[str] | None = typer.Option(None, help=_TYPES_HELP),
    no_email: bool = typer.Option(
        False, "--no-email", help="Remove the manager's email. " + svc.NO_EMAIL
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change a team's time zone, name, manager or customer types (what is not given stays)."""
    given: dict[str, object] = {
        "timezone": timezone,
        "name": name,
        "manager_name": manager,
        "manager_email": manager_email,
        "notify_url": notify_url,
    }
    if customer_types:
        given["customer_types"] = _split(customer_types)
    if managers is not None:
        given["managers"] = parse_managers(managers)
    changes = {k: v for k, v in given.items() if v is not None}
    if no_email:
        changes.update(manager_email=None, no_email=True)
    with unit_of_work("cli") as uow:
        team = update_team(uow.session, team_id, changes, rules=get_rules())
        uow.commit()
        data = next(row for row in svc.team_rows(uow.session) if row["id"] == team.id)
    emit(
        data,
        as_json,
        f"team {team_id} {data['name']}: timezone={data['timezone']} "
        f"customer_types={','.join(data['customer_types']) or 'any'}",
    )


# `teams update` is `teams set` under the name the issue gives it.
teams_app.command("update", hidden=True)(set_team)


@teams_app.command("list")
def list_teams(as_json: bool = JSON_OPTION) -> None:
    """List teams."""
    with unit_of_work() as uow:
        rows = svc.team_rows(uow.session)
    shown = [{**r, "managers": [m["name"] or m["email"] for m in r["managers"]]} for r in rows]
    emit(
        rows,
        as_json,
        table(
            shown,
            [
                "id",
                "name",
                "managers",
                "timezone",
                "regions",
                "industries",
                "company_sizes",
                "customer_types",
            ],
        ),
    )


@app.command("add")
def add_rep(
    name: str = typer.Option(...),
    team: int | None = typer.Option(None, help="Team id."),
    email: str | None = typer.Option(None),
    region: list[str] = typer.Option([], help="A covered region (repeat or comma-separate)."),
    industry: list[str] = typer.Option([], help="A covered industry."),
    seniority: str = typer.Option("junior", help="junior | senior"),
    capacity: int = typer.Option(50, help="Most open leads at once."),
    away: bool = typer.Option(False, "--away/--present"),
    close_rate: float = typer.Option(0.0, help="Share of opportunities won, 0-1."),
    notify_url: str | None = typer.Option(None, help="Apprise URL for notifications."),
    no_email: bool = typer.Option(False, "--no-email", help=svc.NO_EMAIL),
    as_json: bool = JSON_OPTION,
) -> None:
    """Add a rep; give --email (or --notify-url), or --no-email to add one without."""
    with unit_of_work("cli") as uow:
        rep = svc.add_rep(
            uow.session,
            {
                "name": name,
                "team_id": team,
                "email": email,
                "regions": _split(region),
                "industries": _split(industry),
                "seniority": seniority,
                "capacity": capacity,
                "away": away,
                "close_rate": close_rate,
                "notify_url": notify_url,
                "no_email": no_email,
            },
            now=dt.datetime.now(dt.UTC),
            rules=get_rules(),
        )
        uow.commit()
        data = {"id": rep.id, "name": rep.name}
    emit(data, as_json, f"rep {rep.id} {rep.name} added")


@app.command("set")
def set_rep(
    rep_id: int,
    away: bool | None = typer.Option(None, "--away/--present"),
    capacity: int | None = typer.Option(None),
    seniority: str | None = typer.Option(None),
    email: str | None = typer.Option(None, help="The rep's email address."),
    notify_url: str | None = typer.Option(None, help="Apprise URL for notifications."),
    no_email: bool = typer.Option(
        False, "--no-email", help="Remove the rep's email. " + svc.NO_EMAIL
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Mark a rep away or present, or change capacity, seniority or addresses."""
    given = (
        ("away", away),
        ("capacity", capacity),
        ("seniority", seniority),
        ("email", email),
        ("notify_url", notify_url),
        ("no_email", no_email or None),
    )
    changes = {k: v for k, v in given if v is not None}
    with unit_of_work("cli") as uow:
        rep = svc.update_rep(
            uow.session, rep_id, changes, now=dt.datetime.now(dt.UTC), rules=get_rules()
        )
        uow.commit()
        data = {
            "id": rep.id,
            "away": rep.away,
            "capacity": rep.capacity,
            "seniority": rep.seniority,
        }
    emit(
        data,
        as_json,
        f"rep {rep_id}: away={rep.away} capacity={rep.capacity} seniority={rep.seniority}",
    )


@app.command("delete")
def delete_rep(rep_id: int, as_json: bool = JSON_OPTION) -> None:
    """Delete a rep that nothing refers to.

    A rep who owns leads, or has activities, targets or keys, is kept: use reps set ID --away."""
    with unit_of_work("cli") as uow:
        svc.delete_rep(uow.session, rep_id)
        uow.commit()
    emit({"id": rep_id, "deleted": True}, as_json, f"rep {rep_id} deleted")


@app.command("list")
def list_reps(
    unreachable: bool = typer.Option(
        False, "--unreachable", help="Only reps and managers without a working address, and why."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """List reps with their load (or, with --unreachable, who notices cannot reach)."""
    if unreachable:
        with unit_of_work() as uow:
            people = [
                p.model_dump() for p in unreachable_people(uow.session, dt.datetime.now(dt.UTC))
            ]
        emit(
            people,
            as_json,
            table(people, ["id", "name", "role", "team", "why"])
            + f"\n{len(people)} cannot be reached",
        )
        return
    with unit_of_work() as uow:
        rows = svc.rep_rows(uow.session)
    emit(
        rows,
        as_json,
        table(
            rows, ["id", "name", "team", "seniority", "regions", "open_leads", "capacity", "away"]
        ),
    )
