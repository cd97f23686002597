"""Team time zones through the real services, SQLite and PostgreSQL: a lead's first-contact
deadline, its reminders and a rep's review period run on the clock of the lead's team.

Issue "Unattended operation that ops can trust", item 9: "A team has a time zone ...
SLAs, business hours, reminders and period boundaries in reviews use it." The clock is
factories.NOW, a Monday at 10:00 UTC: 18:00 in Shanghai, where the office has just closed."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import text

from leadflow.errors import InvalidInput, NotFound
from leadflow.followup.reminders import due_items, flag_dormant
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle.assign import escalate_waiting
from leadflow.review.export import review_for
from leadflow.review.period import Period
from leadflow.review.render import review_markdown
from leadflow.rules.access import Viewer
from leadflow.rules.config import RulesConfig
from leadflow.settings import get_settings
from leadflow.store.db import engine_for
from leadflow.store.migrate import alembic_config, upgrade
from leadflow.store.models import Lead, Team
from leadflow.team.teams import update_team
from leadflow.team.zones import team_zones
from tests import factories as f

NOW = f.NOW
HOUR = dt.timedelta(hours=1)


@pytest.fixture
def business(rules: RulesConfig) -> RulesConfig:
    """The rule book with the SLA counted on business hours (sla.clock: business)."""
    return rules.model_copy(update={"sla": rules.sla.model_copy(update={"clock": "business"})})


def _assigned(uow, rules: RulesConfig, region: str, at: dt.datetime = NOW) -> Lead:
    """A medium-priority lead (score 70) of `region`, taken in and assigned at `at`."""
    record = f.lead_record(region=region)
    lead_id = store_leads(uow.session, [(1, record)], "test", rules, now=at).lead_ids[0]
    process_new_leads(uow.session, [lead_id], at, rules)
    lead = uow.session.get(Lead, lead_id)
    assert lead is not None and lead.owner_id is not None and lead.priority == "medium"
    return lead


def _teams(uow) -> tuple[Team, Team]:
    """A Shanghai team covering the east and a UTC team covering the west, a rep each."""
    shanghai = f.team(uow.session, regions=["east"], timezone="Asia/Shanghai")
    london = f.team(uow.session, regions=["west"])
    for team in (shanghai, london):
        f.rep(uow.session, team.id, regions=[])
    return shanghai, london


def test_first_contact_deadline_follows_the_teams_zone(uow, business):
    """Rule book §6: "First contact: within the response SLA by priority: high 2 h, medium
    4 h, low 24 h", here counted on each team's business hours (09:00-18:00 local)."""
    shanghai, london = _teams(uow)
    assert (shanghai.timezone, london.timezone) == ("Asia/Shanghai", "UTC")
    east, west = _assigned(uow, business, "east"), _assigned(uow, business, "west")
    assert (east.team_id, west.team_id) == (shanghai.id, london.id)
    # Monday 10:00 UTC in London: 4 business hours end at 14:00 UTC the same day.
    assert west.first_contact_due == NOW + 4 * HOUR
    # Monday 18:00 in Shanghai: closed; Tuesday 09:00-13:00 local is 01:00-05:00 UTC.
    assert east.first_contact_due == NOW + 19 * HOUR


def test_a_new_zone_recounts_the_deadlines_still_owed(uow, business):
    shanghai, london = _teams(uow)
    west = _assigned(uow, business, "west")
    assert west.first_contact_due == NOW + 4 * HOUR
    update_team(uow.session, london.id, {"timezone": "Asia/Shanghai"}, rules=business)
    assert west.first_contact_due == NOW + 19 * HOUR
    update_team(uow.session, london.id, {"timezone": None}, rules=business)  # the default
    assert (london.timezone, west.first_contact_due) == ("UTC", NOW + 4 * HOUR)
    uow.commit()


def test_a_bad_zone_or_team_is_refused_naming_it(uow, rules):
    shanghai, london = _teams(uow)
    with pytest.raises(InvalidInput, match="timezone: 'Asia/Shangai' is not an IANA") as bad:
        update_team(uow.session, london.id, {"timezone": "Asia/Shangai"}, rules=rules)
    assert set(bad.value.errors) == {"timezone"}
    with pytest.raises(InvalidInput, match="timezone: 'Mars/Base'"):
        f.team(uow.session, timezone="Mars/Base")
    with pytest.raises(InvalidInput, match="name: a team named"):
        update_team(uow.session, london.id, {"name": shanghai.name}, rules=rules)
    with pytest.raises(InvalidInput, match="regions: not a field that can be changed"):
        update_team(uow.session, london.id, {"regions": ["north"]}, rules=rules)
    with pytest.raises(NotFound, match="team 999 does not exist"):
        update_team(uow.session, 999, {"timezone": "UTC"}, rules=rules)
    assert uow.session.get(Team, london.id).timezone == "UTC"


def test_reminders_go_out_in_the_teams_business_hours(uow, rules):
    """A lead's reminders wait for its team's business hours: at 01:30 UTC Shanghai is at
    work (09:30) and London is not; at 10:30 UTC it is the other way round."""
    _teams(uow)
    east, west = _assigned(uow, rules, "east"), _assigned(uow, rules, "west")
    zones = team_zones(uow.session, rules)

    def first_contact_due(at: dt.datetime) -> set[int]:
        working = zones.at_work(at, rules.calendar)
        return {i.lead_id for i in due_items(uow.session, at, rules, working)}

    tuesday = NOW.replace(hour=0) + dt.timedelta(days=1)
    assert first_contact_due(tuesday + 1.5 * HOUR) == {east.id}
    assert first_contact_due(tuesday + 10.5 * HOUR) == {west.id}
    assert first_contact_due(tuesday + 22 * HOUR) == set()
    assert {i.lead_id for i in due_items(uow.session, tuesday, rules)} == {east.id, west.id}


def test_dormancy_and_queue_escalations_wait_for_the_teams_hours(uow, rules):
    """Rule book §5 and §6: a lead waiting in the manager queue escalates, and one with no
    interaction for 90 days is flagged dormant with a reactivation plan for its owner; both
    are messages, sent in the team's business hours like the reminders."""
    shanghai = f.team(uow.session, regions=["east"], timezone="Asia/Shanghai")
    f.rep(uow.session, shanghai.id, regions=[], capacity=1)
    owned = _assigned(uow, rules, "east")  # takes the rep's only slot
    record = f.lead_record(region="east")
    waiting = store_leads(uow.session, [(1, record)], "test", rules, now=NOW).lead_ids[0]
    process_new_leads(uow.session, [waiting], NOW, rules)
    queued = uow.session.get(Lead, waiting)
    assert (queued.team_id, queued.owner_id) == (shanghai.id, None)
    zones = team_zones(uow.session, rules)
    late = NOW + dt.timedelta(hours=rules.assignment.queue_escalate_hours + 1)
    assert zones.at_work(late, rules.calendar).team_ids == []  # 23:00 in Shanghai
    assert escalate_waiting(uow.session, late, rules, zones.at_work(late, rules.calendar)) == 0
    next_morning = NOW + 15 * HOUR  # Tuesday 09:00 in Shanghai
    assert zones.at_work(next_morning, rules.calendar).team_ids == [shanghai.id]
    working = zones.at_work(next_morning, rules.calendar)
    assert escalate_waiting(uow.session, next_morning, rules, working) == 1
    silent = NOW + dt.timedelta(weeks=13)  # over 90 days: a Monday again, 18:00 in Shanghai
    assert rules.sla.dormant_after_days < 91
    for at, flagged in ((silent, []), (silent + 15 * HOUR, [owned.id])):
        assert flag_dormant(uow.session, at, rules, zones.at_work(at, rules.calendar)) == flagged


def test_a_reps_review_runs_on_the_teams_clock(uow, rules):
    """A lead that arrived on October 1st at 01:00 in Shanghai (September 30th, 17:00 UTC)
    is the Shanghai rep's Q4 lead, and the company's (UTC) Q3 lead."""
    shanghai, _ = _teams(uow)
    arrived = dt.datetime(2026, 9, 30, 17, tzinfo=dt.UTC)
    lead = _assigned(uow, rules, "east", at=arrived)
    rep = Viewer.of("rep", lead.owner_id)
    reviewed = dt.datetime(2027, 1, 5, tzinfo=dt.UTC)
    q3, q4 = Period.parse("2026-Q3"), Period.parse("2026-Q4")
    assert review_for(uow.session, q3, reviewed).total_leads == 1
    assert review_for(uow.session, q4, reviewed).total_leads == 0
    mine = review_for(uow.session, q4, reviewed, rep)
    assert (mine.total_leads, mine.timezone) == (1, "Asia/Shanghai")
    assert mine.start == dt.datetime(2026, 9, 30, 16, tzinfo=dt.UTC)
    assert review_for(uow.session, q3, reviewed, rep).total_leads == 0
    assert "Quarter from Oct 1, 2026 to Dec 31, 2026 (Asia/Shanghai)" in review_markdown(mine)


def test_existing_teams_get_the_default_zone_at_upgrade(tmp_path, monkeypatch):
    """Migration 0013: teams made before time zones take the settings' default_timezone."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0012_rep_claims")
    engine = engine_for(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO teams (name, regions, industries, company_sizes) "
                "VALUES ('East', '[]', '[]', '[]')"
            )
        )
    monkeypatch.setenv("LEADFLOW_DEFAULT_TIMEZONE", "Asia/Shanghai")
    get_settings.cache_clear()
    try:
        upgrade(url)
    finally:
        get_settings.cache_clear()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT timezone FROM teams")) == "Asia/Shanghai"
    command.downgrade(alembic_config(url), "0012_rep_claims")
    with engine.connect() as conn:
        assert "timezone" not in {c[1] for c in conn.execute(text("PRAGMA table_info(teams)"))}
    engine.dispose()
