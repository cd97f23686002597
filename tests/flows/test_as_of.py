"""Every flow runs as of a past time (`as_of`, a backfill of a missed run): it works at that
time, not today's, and the time is kept on the run as its parameter and in its name."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from sqlalchemy import select, update

from leadflow.errors import InvalidInput
from leadflow.flows.followup import follow_up_reminders, regrade_worker, weekly_regrade
from leadflow.flows.handoff import deliver_notifications, delivery_handoff
from leadflow.flows.intake import lead_intake
from leadflow.flows.review import pipeline_review
from leadflow.flows.winmodel import rules_simulation, win_model
from leadflow.followup.reminders import ReminderResult
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.notify.messages import enqueue
from leadflow.review.period import Period
from leadflow.settings import get_rules, get_settings
from leadflow.store.db import engine_for
from leadflow.store.models import Lead, TransitionAudit
from leadflow.store.outbound_models import Handoff, OutboxMessage
from tests import factories as f
from tests.conftest import migrated_sqlite
from tests.flows.test_upkeep_flows import _uow, _win
from tests.flows.test_winmodel_flows import _history
from tests.integration.test_winmodel import START

NOW = f.NOW  # a Monday, 10:00 UTC, in business hours, one to two weeks ago
ARRIVED = NOW - dt.timedelta(days=7)  # the Monday before: the leads came in
TAKEN_IN = ARRIVED + dt.timedelta(hours=1)  # the intake run they missed
# A quarter long past, with one lead in it: what a review as of its end looks at.
REVIEWED = Period.containing(NOW - dt.timedelta(days=100), "quarter").previous()


@pytest.fixture(scope="module")
def history_template(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team covering the east with two reps, 12 leads that arrived at ARRIVED and one
    that arrived in REVIEWED; all of them still new."""
    path = tmp_path_factory.mktemp("as-of") / "as_of.db"
    url = migrated_sqlite(sqlite_template, path)
    rules = get_rules()
    with _uow(url) as uow:
        east = f.team(uow.session)
        f.rep(uow.session, east.id)
        f.rep(uow.session, east.id, seniority="junior")
        old = REVIEWED.start + dt.timedelta(days=1)
        store_leads(uow.session, [(1, f.lead_record())], "test", rules, now=old)
        records = [f.lead_record() for _ in range(12)]
        store_leads(uow.session, enumerate(records, 1), "test", rules, now=ARRIVED)
        uow.commit()
    engine_for(url).dispose()
    return path


@pytest.fixture
def history_url(history_template: Path, tmp_path: Path) -> str:
    """A copy of the history template."""
    return migrated_sqlite(history_template, tmp_path / "as_of.db")


def _taken_in(url: str) -> list[int]:
    """Run the intake as of TAKEN_IN; the ids of the leads that got an owner."""
    lead_intake(url=url, as_of=TAKEN_IN)
    with _uow(url) as uow:
        return list(
            uow.session.scalars(select(Lead.id).where(Lead.owner_id.is_not(None)).order_by(Lead.id))
        )


def test_intake_as_of_takes_leads_in_at_that_time_and_keeps_it_on_the_run(history_url):
    state = lead_intake(url=history_url, as_of=TAKEN_IN, return_state=True)
    assert state.result().processed == 13
    with _uow(history_url) as uow:
        assert set(uow.session.scalars(select(Lead.screened_at))) == {TAKEN_IN}
        assert set(uow.session.scalars(select(TransitionAudit.at))) == {TAKEN_IN}
        notices = set(uow.session.scalars(select(OutboxMessage.created_at)))
    assert notices == {TAKEN_IN}
    with get_client(sync_client=True) as client:  # what the Prefect UI shows
        run = client.read_flow_run(UUID(str(state.state_details.flow_run_id)))
    assert dt.datetime.fromisoformat(run.parameters["as_of"]) == TAKEN_IN
    assert run.name.startswith(f"lead-intake as of {TAKEN_IN:%Y-%m-%d %H:%M}")


def test_reminders_as_of_a_monday_send_what_was_due_then(history_url):
    owned = _taken_in(history_url)
    with _uow(history_url) as uow:  # three were due by NOW; the rest only days later
        uow.session.execute(
            update(Lead)
            .where(Lead.id.in_(owned))
            .values(first_contact_due=NOW + dt.timedelta(days=2))
        )
        uow.session.execute(
            update(Lead)
            .where(Lead.id.in_(owned[:3]))
            .values(first_contact_due=NOW - dt.timedelta(hours=1))
        )
        uow.commit()
    saturday = NOW - dt.timedelta(days=2)
    assert follow_up_reminders(url=history_url, as_of=saturday) == ReminderResult()
    result = follow_up_reminders(url=history_url, as_of=NOW)  # business hours: not forced
    assert result.reminded["first_contact"] == 3
    with _uow(history_url) as uow:
        reminders = uow.session.execute(
            select(OutboxMessage.lead_id, OutboxMessage.created_at).where(
                OutboxMessage.kind == "reminder", OutboxMessage.subject.contains("first contact")
            )
        ).all()
    assert sorted(reminders) == [(i, NOW) for i in owned[:3]]


def test_regrade_as_of_a_monday_decays_behaviour_as_of_that_monday(
    history_url, tmp_path, monkeypatch
):
    (tmp_path / "rules.yaml").write_text(
        "scoring:\n  decay:\n    enabled: true\n    half_life_days: 6\n", encoding="utf-8"
    )
    monkeypatch.setenv("LEADFLOW_CONFIG_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        first, second = _taken_in(history_url)[:2]
        with _uow(history_url, "tracking") as uow:  # a download (10 points) on the Monday
            for lead_id in (first, second):
                svc.track_event(uow.session, lead_id, "download", now=NOW, rules=get_rules())
            uow.commit()
        # Today the download is a week or more old: counted at most half (4 points or less).
        regrade_worker(first_id=first, last_id=first, as_of=NOW, url=history_url)
        weekly_regrade(url=history_url, as_of=NOW)
        assert _behaviour(history_url, first, second) == [10, 10]
        weekly_regrade(url=history_url, as_of=NOW + dt.timedelta(days=6))  # one half-life
        assert _behaviour(history_url, first, second) == [5, 5]
    finally:
        get_settings.cache_clear()


def _behaviour(url: str, *ids: int) -> list[int]:
    with _uow(url) as uow:
        return list(
            uow.session.scalars(
                select(Lead.behaviour_score).where(Lead.id.in_(ids)).order_by(Lead.id)
            )
        )


def test_handoff_as_of_is_made_at_that_time(history_url):
    # The last lead: the artifact key names the lead, and other tests' handoffs on the
    # session's Prefect server are of the first leads of their databases.
    lead_id = _taken_in(history_url)[-1]
    _win(history_url, lead_id, at=NOW - dt.timedelta(days=1))
    assert delivery_handoff(url=history_url, as_of=NOW) == [lead_id]
    with _uow(history_url) as uow:
        handoff = uow.session.scalar(select(Handoff).where(Handoff.lead_id == lead_id))
        assert handoff is not None and handoff.created_at == NOW
        mails = set(
            uow.session.scalars(
                select(OutboxMessage.created_at).where(OutboxMessage.kind == "handoff")
            )
        )
    assert mails == {NOW}


def test_review_as_of_the_start_of_a_quarter_reviews_the_quarter_before(history_url, tmp_path):
    as_of = REVIEWED.end + dt.timedelta(hours=7)  # when the quarterly schedule runs
    review = pipeline_review(kind="quarter", url=history_url, out=str(tmp_path), as_of=as_of)
    assert (review.period, review.total_leads) == (REVIEWED.label, 1)
    monthly = pipeline_review(url=history_url, out=str(tmp_path), as_of=as_of)
    assert monthly.period == Period.containing(REVIEWED.end - dt.timedelta(days=1), "month").label


def test_notifications_as_of_deliver_what_was_queued_by_then(history_url, mailbox, monkeypatch):
    with _uow(history_url) as uow:
        for n, queued in enumerate([NOW - dt.timedelta(hours=1), NOW + dt.timedelta(days=1)]):
            enqueue(
                uow.session,
                key=f"test:{n}",
                kind="test",
                lead_id=None,
                recipient="mia@example.com",
                subject=f"queued {queued:%Y-%m-%d %H:%M}",
                body="-",
                now=queued,
            )
        uow.commit()
    monkeypatch.setenv("LEADFLOW_MAIL_URL", f"mailto://127.0.0.1:{mailbox.port}")
    get_settings.cache_clear()
    try:
        assert deliver_notifications(url=history_url, as_of=NOW) == 1
        (mail,) = mailbox.to("mia@example.com")
        assert mail["Subject"] == f"queued {NOW - dt.timedelta(hours=1):%Y-%m-%d %H:%M}"
        assert deliver_notifications(url=history_url) == 1  # now: the later one goes too
    finally:
        get_settings.cache_clear()


def test_win_model_and_simulation_as_of_see_the_history_of_then(tmp_path):
    url = _history(tmp_path, 30)  # one lead a day from START, each closed the same day
    refused = win_model(url=url, as_of=START + dt.timedelta(days=10))
    assert "10 closed leads" in refused["refused"]
    candidate = tmp_path / "high85.yaml"
    candidate.write_text("scoring:\n  priority:\n    high: 85\n", encoding="utf-8")
    report = rules_simulation(str(candidate), url=url, as_of=START + dt.timedelta(days=100))
    assert (report.period, report.leads) == (Period.containing(START).label, 30)


def test_a_future_or_prehistoric_as_of_is_refused(history_url):
    with pytest.raises(InvalidInput, match="as_of: .* is later than now"):
        weekly_regrade(url=history_url, as_of=f.wall_clock() + dt.timedelta(hours=1))
    with pytest.raises(InvalidInput, match="as_of: .* is before the first lead"):
        pipeline_review(url=history_url, as_of=REVIEWED.start)


def test_every_flow_that_leadflow_run_starts_takes_as_of():
    from leadflow.cli.orchestrate import FLOW_NAMES
    from leadflow.deployments import FLOWS

    assert set(FLOW_NAMES) == set(FLOWS)
    for name, flow in FLOWS.items():
        assert "as_of" in flow.parameters.properties, name
