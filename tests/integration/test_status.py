"""`status_report` on a real database: the outbox, who cannot be notified, the migration,
and the local Prefect server's log. (The Prefect side is tested served: tests/e2e.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from leadflow.notify.messages import enqueue
from leadflow.ops.health import StatusReport, status_report
from leadflow.settings import Settings
from leadflow.store.db import session_factory
from leadflow.store.migrate import HEAD
from leadflow.store.uow import UnitOfWork
from tests import factories as f
from tests.factories import NOW
from tests.mailserver import free_port

# Two records of the scheduler's failure under SQLAlchemy 2.1, as the server logged them
# (tests/e2e shows the format is the one `start_server` sets), and the traceback's end.
SCHEDULER_ERROR = (
    "{at}.042 | ERROR   | docket.dependencies - \u21a9 [   206ms] "
    "schedule_deployments(){{schedule_deployments}}\n"
    "Traceback (most recent call last):\n"
    '  File "/venv/site-packages/prefect/server/services/scheduler.py", line 273, in '
    "schedule_deployments\n"
    "    inserted_runs = await models.deployments._insert_scheduled_flow_runs(\n"
    "sqlalchemy.exc.InvalidRequestError: Can't evaluate bulk DML statement; please supply "
    "a bulk_dml decorated function\n"
)
SHUTDOWN_NOISE = """\
{at}.500 | ERROR   | prefect.server.services.task_run_recorder - the loop ended
Traceback (most recent call last):
asyncio.exceptions.CancelledError
"""


def _log_time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def _check(session, settings: Settings, now: dt.datetime = NOW) -> StatusReport:
    nobody = f"http://127.0.0.1:{free_port()}/api"  # nothing listens: Prefect is a problem
    return status_report(session, now, settings, {}, nobody)


def _others(report: StatusReport) -> list[str]:
    """The problems other than "no Prefect server answers"."""
    assert [p.check for p in report.problems if p.check == "prefect"] == ["prefect"]
    return [f"{p.check}: {p.message}" for p in report.problems if p.check != "prefect"]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, prefect_server_log=tmp_path / "prefect-server.log")


def test_a_clean_database_has_nothing_to_report(uow: UnitOfWork, settings: Settings):
    team = f.team(uow.session)
    f.rep(uow.session, team.id)
    uow.commit()
    report = _check(uow.session, settings)
    assert _others(report) == []
    assert report.healthy is False  # only because no Prefect server answers
    assert report.database.revision == HEAD and report.database.error is None
    assert report.outbox is not None and report.outbox.backlog == 0
    assert report.unreachable_people == []
    assert report.unchecked == ["deployments", "stuck_runs"]


def test_an_undelivered_notice_older_than_the_limit_is_named(uow, settings: Settings):
    limit = settings.health.outbox_alert_minutes
    for minutes, key in ((limit + 15, "old"), (5, "new")):
        enqueue(
            uow.session,
            key=key,
            kind="assignment",
            lead_id=None,
            recipient="ann@example.com",
            subject="s",
            body="b",
            now=NOW - dt.timedelta(minutes=minutes),
        )
    uow.commit()
    report = _check(uow.session, settings)
    (problem,) = _others(report)
    assert problem.startswith("outbox: 2 notice(s) not delivered; the oldest")
    assert f"has waited {limit + 15} min (limit {limit} min)" in problem
    assert report.outbox is not None and report.outbox.oldest_age_minutes == limit + 15
    # The same notices are within the limit a quarter of an hour earlier.
    assert _others(_check(uow.session, settings, NOW - dt.timedelta(minutes=16))) == []


def test_reps_and_managers_no_notice_can_reach_are_named(uow, settings: Settings):
    team = f.team(uow.session, manager_name="Mia", manager_email=None, no_email=True)
    f.rep(uow.session, team.id, name="Ann", email=None, no_email=True)
    f.rep(uow.session, team.id, name="Bob", email=None, notify_url="json://hooks.example.com/b")
    uow.commit()
    report = _check(uow.session, settings)
    assert sorted(_others(report)) == [
        "people: no address",
        "people: no address",
    ]
    assert [(p.role, p.name) for p in report.unreachable_people or []] == [
        ("rep", "Ann"),
        ("manager", "Mia"),
    ]


def test_recent_server_errors_count_and_old_ones_and_shutdown_noise_do_not(uow, settings: Settings):
    log = settings.server_log()
    window = dt.timedelta(minutes=settings.health.log_window_minutes)
    log.write_text(
        SCHEDULER_ERROR.format(at=_log_time(NOW - window - dt.timedelta(minutes=1)))
        + SHUTDOWN_NOISE.format(at=_log_time(NOW - dt.timedelta(minutes=2)))
        + "".join(
            SCHEDULER_ERROR.format(at=_log_time(NOW - dt.timedelta(minutes=m))) for m in (3, 1)
        ),
        encoding="utf-8",
    )
    report = _check(uow.session, settings)
    (problem,) = _others(report)
    assert problem.startswith("server-log: docket.dependencies: schedule_deployments()")
    assert "InvalidRequestError: Can't evaluate bulk DML statement" in problem
    assert "(2x, last at " in problem  # the one before the window is not counted
    later = NOW + dt.timedelta(minutes=settings.health.log_window_minutes)
    assert _others(_check(uow.session, settings, later)) == []


def test_a_database_behind_the_head_or_missing_is_named(tmp_path: Path):
    empty = tmp_path / "empty.db"
    empty.touch()
    with UnitOfWork(session_factory(f"sqlite:///{empty}")) as uow:
        report = _check(uow.session, Settings(database_url=f"sqlite:///{empty}"))
    assert _others(report) == [
        f"database: at migration none, not {HEAD}: run `leadflow db upgrade`"
    ]
    assert report.unchecked[:2] == ["outbox", "unreachable_people"]
    missing = tmp_path / "missing.db"
    with UnitOfWork(session_factory(f"sqlite:///{missing}")) as uow:
        report = _check(uow.session, Settings(database_url=f"sqlite:///{missing}"))
    assert _others(report) == [f"database: no database file at {missing}"]
    assert not missing.exists()  # looking did not create it
