"""`leadflow status` and GET /health: one answer to "is the pipeline healthy?", each
problem named.

Unhealthy: no Prefect server answers; a scheduled deployment is missing, not served or
overdue; a flow run is stuck in Pending, Running or Cancelling; a notice has waited in the
outbox longer than the limit; the database cannot be read or is not at the migration
head; the local Prefect server logged an error in the last minutes. Reps and managers whom
no notice can reach are listed, and count as a problem too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from leadflow.ops.prefect_runs import DeploymentRuns, PrefectView, UnfinishedRun, read_prefect
from leadflow.ops.server_log import LogError, scan_errors
from leadflow.rules.cadence import Cadence, check_overdue
from leadflow.settings import Health, Settings
from leadflow.store.migrate import HEAD, revision
from leadflow.store.outbound_models import OutboxMessage
from leadflow.team.reachability import Unreachable, unreachable_people


class Problem(BaseModel):
    """One reason the pipeline is unhealthy: the check, what it is about, and what is wrong."""

    check: str  # prefect | deployment | run | outbox | people | database | server-log
    subject: str
    message: str


class DeploymentStatus(BaseModel):
    """A scheduled deployment: its cadence, last completed and next scheduled run, and
    state (ok, overdue, not scheduled, not served, missing, paused, or unknown)."""

    name: str
    cadence: str
    state: str
    last_completed: dt.datetime | None = None
    next_scheduled: dt.datetime | None = None
    due_by: dt.datetime | None = None
    detail: str = ""


class OutboxStatus(BaseModel):
    """Notices not sent yet, the oldest one's time, and how long it may wait."""

    backlog: int
    oldest_undelivered_at: dt.datetime | None
    oldest_age_minutes: float | None
    alert_minutes: int


class DatabaseStatus(BaseModel):
    """The database (password hidden), its migration and the head the code expects."""

    url: str
    revision: str | None = None
    head: str = HEAD
    error: str | None = None


class LogStatus(BaseModel):
    """The local Prefect server's log and the errors of its last minutes."""

    path: str
    exists: bool
    window_minutes: int
    errors: list[LogError]


class StatusReport(BaseModel):
    """Everything `leadflow status --json` prints and GET /health answers."""

    healthy: bool
    checked_at: dt.datetime
    problems: list[Problem]
    prefect_url: str
    deployments: list[DeploymentStatus]
    stuck_runs: list[UnfinishedRun]
    outbox: OutboxStatus | None
    unreachable_people: list[Unreachable] | None
    database: DatabaseStatus
    server_log: LogStatus
    unchecked: list[str] = Field(default_factory=list)


def _minutes(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


def judge_deployment(
    name: str, cadence: Cadence, found: DeploymentRuns | None, now: dt.datetime, limits: Health
) -> DeploymentStatus:
    """One scheduled deployment's state at `now`, from what Prefect has of it."""
    status = DeploymentStatus(name=name, cadence=cadence.describe(), state="ok")
    if found is None:
        status.state, status.detail = "missing", "not deployed (is `leadflow serve` running?)"
        return status
    status.last_completed, status.next_scheduled = found.last_completed, found.next_scheduled
    if found.paused:
        status.state, status.detail = "paused", "its schedule is paused in Prefect"
        return status
    grace = dt.timedelta(minutes=limits.cron_grace_minutes)
    verdict = check_overdue(cadence, found.last_completed, found.created, found.updated, now, grace)
    status.due_by, status.detail = verdict.due_by, verdict.reason
    if verdict.overdue:
        status.state = "overdue"
    waited = now - found.updated > dt.timedelta(seconds=limits.scheduler_grace_seconds)
    if found.next_scheduled is None and waited:
        status.state = "not scheduled"
        status.detail = (
            f"no run is scheduled, {_minutes(now - found.updated):.0f} min after it was "
            "deployed: is the Prefect server's scheduler failing (see its log)? " + status.detail
        )
    if found.status == "NOT_READY":
        polled = f"{found.last_polled:%Y-%m-%d %H:%M:%S} UTC" if found.last_polled else "never"
        status.state = "not served"
        status.detail = f"no runner or worker polls for its runs (last poll: {polled}); " + (
            status.detail
        )
    return status


def stuck_runs(runs: list[UnfinishedRun], now: dt.datetime, limits: Health) -> list[UnfinishedRun]:
    """The runs in Pending, Running or Cancelling for longer than their state's limit."""
    minutes = {
        "PENDING": limits.pending_stuck_minutes,
        "RUNNING": limits.running_stuck_minutes,
        "CANCELLING": limits.cancelling_stuck_minutes,
    }
    return [
        run
        for run in runs
        if now - run.since > dt.timedelta(minutes=minutes.get(run.state_type, 0))
    ]


def outbox_status(session: Session, now: dt.datetime, limits: Health) -> OutboxStatus:
    """How many notices are not sent, and since when the oldest waits."""
    backlog, oldest = session.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.sent_at.is_(None)
        )
    ).one()
    return OutboxStatus(
        backlog=backlog,
        oldest_undelivered_at=oldest,
        oldest_age_minutes=_minutes(now - oldest) if oldest else None,
        alert_minutes=limits.outbox_alert_minutes,
    )


def _database(session: Session) -> DatabaseStatus:
    where = session.get_bind().engine.url
    url = where.render_as_string(hide_password=True)
    if where.get_backend_name() == "sqlite" and where.database not in (None, "", ":memory:"):
        if not Path(where.database).is_file():  # connecting would create an empty one
            return DatabaseStatus(url=url, error=f"no database file at {where.database}")
    try:
        return DatabaseStatus(url=url, revision=revision(session.connection()))
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return DatabaseStatus(url=url, error=f"{exc.__class__.__name__}: {first}")


def status_report(
    session: Session,
    now: dt.datetime,
    settings: Settings,
    cadences: Mapping[str, Cadence],
    prefect_url: str,
) -> StatusReport:
    """Check everything at `now`: the deployments expected by `cadences` on the Prefect
    API at `prefect_url`, its runs, the outbox, who cannot be notified, the database and
    the local server's log. Reads only; the session is never committed."""
    limits = settings.health
    problems: list[Problem] = []
    unchecked: list[str] = []
    database = _database(session)
    outbox = people = None
    if database.error:
        problems.append(Problem(check="database", subject=database.url, message=database.error))
    elif database.revision != HEAD:
        problems.append(
            Problem(
                check="database",
                subject=database.url,
                message=f"at migration {database.revision or 'none'}, not {HEAD}: "
                "run `leadflow db upgrade`",
            )
        )
    if database.error or database.revision != HEAD:
        unchecked += ["outbox", "unreachable_people"]
    else:
        outbox = outbox_status(session, now, limits)
        people = unreachable_people(session, now)
        problems += _outbox_problems(outbox) + [
            Problem(check="people", subject=f"{p.role} {p.name}", message=p.why) for p in people
        ]
    view = read_prefect(prefect_url, cadences, limits.prefect_timeout_seconds)
    deployments, stuck = _prefect_part(view, cadences, now, limits, problems)
    if view.error:
        unchecked += ["deployments", "stuck_runs"]
    log = settings.server_log()
    window = limits.log_window_minutes
    errors = scan_errors(log, now - dt.timedelta(minutes=window))
    problems += [
        Problem(check="server-log", subject=str(log), message=e.describe()) for e in errors
    ]
    return StatusReport(
        healthy=not problems,
        checked_at=now,
        problems=problems,
        prefect_url=view.url,
        deployments=deployments,
        stuck_runs=stuck,
        outbox=outbox,
        unreachable_people=people,
        database=database,
        server_log=LogStatus(
            path=str(log), exists=log.is_file(), window_minutes=window, errors=errors
        ),
        unchecked=unchecked,
    )


def _outbox_problems(outbox: OutboxStatus) -> list[Problem]:
    age = outbox.oldest_age_minutes
    if age is None or age <= outbox.alert_minutes:
        return []
    return [
        Problem(
            check="outbox",
            subject="outbox",
            message=f"{outbox.backlog} notice(s) not delivered; the oldest, from "
            f"{outbox.oldest_undelivered_at:%Y-%m-%d %H:%M} UTC, has waited {age:.0f} min "
            f"(limit {outbox.alert_minutes} min): see `leadflow outbox list --unsent`",
        )
    ]


def _prefect_part(
    view: PrefectView,
    cadences: Mapping[str, Cadence],
    now: dt.datetime,
    limits: Health,
    problems: list[Problem],
) -> tuple[list[DeploymentStatus], list[UnfinishedRun]]:
    if view.error:
        problems.append(Problem(check="prefect", subject=view.url, message=view.error))
        return [
            DeploymentStatus(name=name, cadence=c.describe(), state="unknown")
            for name, c in cadences.items()
        ], []
    deployments = [
        judge_deployment(name, cadence, view.deployments.get(name), now, limits)
        for name, cadence in cadences.items()
    ]
    problems += [
        Problem(check="deployment", subject=d.name, message=f"{d.state}: {d.detail}")
        for d in deployments
        if d.state not in ("ok", "paused")
    ]
    stuck = stuck_runs(view.unfinished, now, limits)
    problems += [
        Problem(
            check="run",
            subject=f"{run.deployment or 'flow run'} {run.name}",
            message=f"{run.state} for {_minutes(now - run.since):.0f} min (since "
            f"{run.since:%Y-%m-%d %H:%M} UTC)",
        )
        for run in stuck
    ]
    return deployments, stuck
