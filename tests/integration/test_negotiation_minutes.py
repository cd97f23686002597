"""Issue 29, item 4: negotiation minutes (docs/rules.md §7, seed 003: 形成《谈判纪要》…由
客户方联系人签字确认), through the real services on a real store; the clock is passed in."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import inspect, select

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.followup.reminders import due_items, preview, remind
from leadflow.handoff.package import build_package
from leadflow.handoff.render import package_markdown
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.minutes import list_minutes, record_minutes
from leadflow.settings import get_settings
from leadflow.store.db import engine_for, session_factory
from leadflow.store.migrate import alembic_config, current, upgrade
from leadflow.store.models import FieldChange, Lead
from leadflow.store.uow import UnitOfWork
from tests import factories as f

MON = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)  # a Monday; negotiation starts here
ANN = "ann@example.com"


def hours(n: float) -> dt.datetime:
    return MON + dt.timedelta(hours=n)


@pytest.fixture
def lead(uow, rules) -> Lead:
    team = f.team(uow.session)
    f.rep(uow.session, team.id, name="Ann", email=ANN)  # the only rep: the owner
    found = uow.session.get(Lead, f.negotiating(uow.session, rules, MON))
    assert found is not None and found.state == "negotiation"
    return found


def minutes(uow, lead: Lead, at: dt.datetime, **given):
    values = {
        "held_at": at,
        "agreed": ["phased payment", "pilot in 4 weeks"],
        "open_issues": ["SLA penalties"],
        "confirmed_by": "王经理",
        "confirmed_title": "采购总监",
        "by": "ann",
        "now": at + dt.timedelta(hours=1),
    }
    values.update(given)
    return record_minutes(uow.session, lead.id, **values)


def reminders(uow, rules, when: dt.datetime) -> list[tuple[str, str | None]]:
    return [
        (m.action, m.recipient) for m in preview(uow.session, when, rules) if m.kind == "minutes"
    ]


def test_minutes_record_what_was_agreed_and_who_confirmed_it(uow, rules, lead):
    """Rule book §7: "The product records who confirmed and when; the signature itself
    stays on paper."""
    row = minutes(uow, lead, hours(2), confirmed_at=hours(2.5))
    assert (row.held_at, row.confirmed_at, row.recorded_at) == (hours(2), hours(2.5), hours(3))
    assert (row.confirmed_by, row.confirmed_title, row.recorded_by) == ("王经理", "采购总监", "ann")
    assert row.agreed == ["phased payment", "pilot in 4 weeks"]
    later = minutes(uow, lead, hours(30), agreed=[" 3-year term ", ""], open_issues=[])
    assert later.confirmed_at == hours(31)  # confirmed when recorded, unless given
    now = minutes(uow, lead, hours(40), held_at=None)
    assert now.held_at == now.recorded_at == hours(41)  # held now, unless given
    assert [m["agreed"] for m in list_minutes(uow.session, lead.id)] == [
        ["phased payment", "pilot in 4 weeks"],
        ["3-year term"],
        ["phased payment", "pilot in 4 weeks"],
    ]
    # "Each entry is kept in the lead's history."
    notes = uow.session.scalars(
        select(FieldChange.new_value).where(
            FieldChange.lead_id == lead.id, FieldChange.field == "negotiation_minutes"
        )
    ).all()
    assert len(notes) == 3 and "confirmed by 王经理 (采购总监)" in notes[0]


def test_refusals_name_what_is_missing(uow, rules, lead):
    """Rule book §7: "Minutes are refused, naming what is missing, when the lead is not in
    negotiation, when no point agreed is given, or when no customer contact confirmed
    them." and "it is refused when it is in the future or before the lead's negotiation
    started"."""
    with pytest.raises(InvalidInput, match="agreed: no point agreed"):
        minutes(uow, lead, hours(2), agreed=["  "])
    with pytest.raises(InvalidInput, match="confirmed_by: no customer contact"):
        minutes(uow, lead, hours(2), confirmed_by=" ")
    with pytest.raises(InvalidInput, match="held_at: .* is in the future"):
        minutes(uow, lead, hours(5), now=hours(2))
    with pytest.raises(InvalidInput, match="held_at: .* before lead .* entered 'negotiation'"):
        minutes(uow, lead, hours(-1))
    with pytest.raises(InvalidInput, match="confirmed_at: .* before the negotiation was held"):
        minutes(uow, lead, hours(2), confirmed_at=hours(1))
    svc.fire_trigger(
        uow.session, lead.id, "lose", by="ann", now=hours(3), rules=rules, reason="price"
    )
    with pytest.raises(GuardRefused, match="while the lead is in negotiation"):
        minutes(uow, lead, hours(2))
    assert list_minutes(uow.session, lead.id) == []


def test_a_negotiation_without_minutes_reminds_the_owner_once(uow, rules, lead):
    """Rule book §7: "with no minutes recorded after it within 24 hours ... reminds the
    owner once (never escalated); minutes recorded after that contact clear it."""
    due = rules.negotiation.minutes_due_hours
    # An email is no negotiation; a meeting is.
    svc.log_activity(
        uow.session,
        lead.id,
        channel="email",
        key_points="sent the terms",
        now=hours(1),
        rules=rules,
    )
    assert reminders(uow, rules, hours(1 + due)) == []
    svc.log_activity(
        uow.session, lead.id, channel="meeting", key_points="price talks", now=hours(2), rules=rules
    )
    assert reminders(uow, rules, hours(1 + due)) == []
    assert reminders(uow, rules, hours(2 + due)) == [("remind", ANN)]
    remind(uow.session, list(due_items(uow.session, hours(2 + due), rules)), hours(2 + due), rules)
    assert reminders(uow, rules, hours(2 + 5 * due)) == []  # once: never escalated
    # Minutes recorded after the contact clear it.
    minutes(uow, lead, hours(2), now=hours(2 + 2 * due))
    assert [i for i in due_items(uow.session, hours(200), rules) if i.kind == "minutes"] == []
    # The next negotiation owes its own minutes.
    svc.log_activity(
        uow.session, lead.id, channel="visit", key_points="terms", now=hours(60), rules=rules
    )
    assert reminders(uow, rules, hours(60 + due)) == [("remind", ANN)]


def test_the_handoff_package_lists_the_minutes(uow, rules, lead):
    """Rule book §7: "The handoff package (section 8) lists every negotiation's minutes
    (what was agreed, what was still open, and who confirmed it)"."""
    minutes(uow, lead, hours(2))
    package = build_package(uow.session, lead, get_settings())
    assert package["minutes"] == [
        {
            "held_at": hours(2).isoformat(),
            "agreed": ["phased payment", "pilot in 4 weeks"],
            "open_issues": ["SLA penalties"],
            "confirmed_by": "王经理 (采购总监)",
            "confirmed_at": hours(3).isoformat(),
        }
    ]
    text = package_markdown(package, MON.date(), "delivery")
    assert "phased payment; pilot in 4 weeks" in text and "王经理 (采购总监)" in text
    assert "SLA penalties" in text


def test_migration_0020_up_and_down_on_a_database_with_minutes(tmp_path, rules):
    """0020_negotiation_minutes adds the table over 0017, and takes it away again."""
    url = f"sqlite:///{tmp_path / 'minutes.db'}"
    upgrade(url)
    with UnitOfWork(session_factory(url), actor="test") as uow:
        f.rep(uow.session, f.team(uow.session).id)
        lead = uow.session.get(Lead, f.negotiating(uow.session, rules, MON))
        minutes(uow, lead, hours(1))
        uow.commit()
    command.downgrade(alembic_config(url), "0017_grade_confirmation")
    engine = engine_for(url)
    assert "negotiation_minutes" not in inspect(engine).get_table_names()
    assert current(url) == "0017_grade_confirmation"
    upgrade(url, "0020_negotiation_minutes")
    assert "negotiation_minutes" in inspect(engine).get_table_names()
    assert current(url) == "0020_negotiation_minutes"
    engine.dispose()
