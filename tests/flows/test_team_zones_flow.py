"""follow-up-reminders on a real Prefect server, not forced: a lead's reminders go out in
its team's business hours, on the team's own clock.

The flow reads the wall clock, so the teams' zones are chosen from it: one whose clock
shows 13:00 now (open, four hours from either edge) and one showing 01:00 (closed), with
every day a workday so that the test does not depend on the day of the week either."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from leadflow.flows.followup import follow_up_reminders
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.settings import get_rules, get_settings
from leadflow.store.db import session_factory
from leadflow.store.models import Lead
from leadflow.store.outbound_models import Reminder
from leadflow.store.uow import UnitOfWork
from tests import factories as f


def zone_showing(hour: int, now: dt.datetime) -> str:
    """A fixed-offset IANA zone (Etc/GMT-3 is UTC+3) whose clock shows `hour` at `now`."""
    offset = (hour - now.hour + 12) % 24 - 12  # -12 .. +11 hours
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


@pytest.fixture
def every_day_a_workday(tmp_path, monkeypatch) -> Iterator[None]:
    """The rule book with all seven days business days (a team's rules.yaml)."""
    (tmp_path / "rules.yaml").write_text(
        "calendar:\n  workdays: [mon, tue, wed, thu, fri, sat, sun]\n", encoding="utf-8"
    )
    monkeypatch.setenv("LEADFLOW_CONFIG_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        yield
    finally:
        get_settings.cache_clear()


def test_reminders_wait_for_each_teams_business_hours(sqlite_url, every_day_a_workday):
    now = f.wall_clock()
    rules = get_rules()
    assert len(rules.calendar.workdays) == 7
    arrived = now - dt.timedelta(days=3)  # every first-contact SLA has run out since
    with UnitOfWork(session_factory(sqlite_url), actor="test") as uow:
        teams = {}
        for region, hour in (("east", 13), ("west", 1)):
            team = f.team(uow.session, regions=[region], timezone=zone_showing(hour, now))
            f.rep(uow.session, team.id, regions=[])
            teams[region] = team.id
        records = [(n, f.lead_record(region=r)) for n, r in enumerate(["east", "west"] * 2, 1)]
        ids = store_leads(uow.session, records, "test", rules, now=arrived).lead_ids
        process_new_leads(uow.session, ids, arrived, rules)
        uow.commit()
        team_of = dict(uow.session.execute(select(Lead.id, Lead.team_id)).tuples().all())

    def reminded() -> dict[int, int]:
        """Leads reminded of their first contact, by team."""
        with UnitOfWork(session_factory(sqlite_url)) as uow:
            found = uow.session.scalars(
                select(Reminder.lead_id).where(Reminder.kind == "first_contact")
            )
            counts: dict[int, int] = {}
            for lead_id in found:
                counts[team_of[lead_id]] = counts.get(team_of[lead_id], 0) + 1
            return counts

    result = follow_up_reminders(url=sqlite_url)
    assert result.reminded["first_contact"] == 2
    assert reminded() == {teams["east"]: 2}  # the west team's clock shows 01:00
    forced = follow_up_reminders(url=sqlite_url, force=True)
    assert forced.reminded["first_contact"] == 2
    assert reminded() == {teams["east"]: 2, teams["west"]: 2}
