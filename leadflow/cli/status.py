"""`leadflow status`: is the pipeline healthy? One command for ops, and an exit code for
cron or a monitor (0 healthy, 1 not)."""

from __future__ import annotations

import datetime as dt

import typer

from leadflow.bootstrap import unit_of_work
from leadflow.cli.output import JSON_OPTION, emit, table
from leadflow.ops.health import StatusReport, status_report
from leadflow.ops.prefect_runs import DEFAULT_URL, configured_url
from leadflow.prefect_env import configure_prefect
from leadflow.settings import get_settings


def status(
    prefect_url: str | None = typer.Option(
        None,
        "--prefect-url",
        help=f"The Prefect API to ask (default: PREFECT_API_URL, else {DEFAULT_URL}, "
        "where `leadflow serve` starts it).",
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Is the pipeline healthy? Exit 0 if so, 1 if not (for cron or a monitor).

    Per scheduled deployment: its last completed and next scheduled run, and whether it is late.

    Also: stuck runs, the outbox's oldest undelivered notice, who cannot be notified.

    And: the database's migration, and what the local Prefect server logged lately.
    """
    configure_prefect()
    from leadflow.deployments import cadences  # imports Prefect and the flows

    settings = get_settings()
    with unit_of_work("status", check_schema=False) as uow:
        report = status_report(
            uow.session,
            dt.datetime.now(dt.UTC),
            settings,
            cadences(settings.schedules),
            configured_url(prefect_url),
        )
    emit(report, as_json, render(report))
    if not report.healthy:
        raise typer.Exit(1)


def _at(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}" if moment else "-"


def render(report: StatusReport) -> str:
    """The report for people: the verdict and its problems first, then each section."""
    verdict = "healthy" if report.healthy else f"UNHEALTHY ({len(report.problems)} problems)"
    lines = [f"LeadFlow status at {_at(report.checked_at)} UTC: {verdict}"]
    lines += [f"  ! {p.check} {p.subject}: {p.message}" for p in report.problems]
    rows = [
        {
            "deployment": d.name,
            "cadence": d.cadence,
            "last_completed": _at(d.last_completed),
            "next_scheduled": _at(d.next_scheduled),
            "state": d.state,
        }
        for d in report.deployments
    ]
    lines += ["", f"deployments (Prefect API {report.prefect_url}):"]
    lines.append(
        table(rows, ["deployment", "cadence", "last_completed", "next_scheduled", "state"])
    )
    stuck = [
        f"{r.deployment or '-'} {r.name}: {r.state} since {_at(r.since)}" for r in report.stuck_runs
    ]
    lines.append("stuck runs: " + ("; ".join(stuck) or "none"))
    if report.outbox is not None:
        box = report.outbox
        oldest = (
            f"the oldest waits since {_at(box.oldest_undelivered_at)} UTC "
            f"({box.oldest_age_minutes:.0f} min; limit {box.alert_minutes})"
            if box.oldest_undelivered_at
            else "nothing waits"
        )
        lines.append(f"outbox: {box.backlog} not sent; {oldest}")
    if report.unreachable_people is not None:
        people = [f"{p.role} {p.name} (#{p.id}): {p.why}" for p in report.unreachable_people]
        lines.append("cannot be notified: " + ("; ".join(people) or "nobody"))
    db = report.database
    lines.append(
        f"database: {db.url}: "
        + (db.error or f"migration {db.revision or 'none'} (head {db.head})")
    )
    log = report.server_log
    lines.append(
        f"server log: {log.path}"
        + (
            f": {len(log.errors)} kind(s) of error in the last {log.window_minutes} min"
            if log.exists
            else " (not there: no local server has written it)"
        )
    )
    if report.unchecked:
        lines.append("not checked: " + ", ".join(report.unchecked))
    return "\n".join(lines)
