"""The one lead writer and the one reassessment policy (issue 27), on SQLite and
PostgreSQL: paths that used to write a lead their own way now keep its version and its
history, and count every deadline on the same clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from leadflow.followup.reminders import flag_dormant
from leadflow.intake.process import process_new_leads
from leadflow.intake.receive import store_leads
from leadflow.lifecycle import operations as svc
from leadflow.lifecycle.update import update_lead
from leadflow.rules.timing import first_contact_due
from leadflow.rules.vocab import Priority
from leadflow.store.models import FieldChange, Lead
from leadflow.team.zones import zone_of
from tests import factories as f
from tests.integration.test_operations import _lead

NOW = f.NOW


def test_flagging_a_lead_dormant_moves_its_version_and_keeps_history(uow, rules):
    """Rule book: a lead with no interaction for `sla.dormant_after_days` is flagged
    dormant; the flag is a change like any other, so it is versioned and in the history."""
    lead_id = _lead(uow, rules)
    version = uow.session.get(Lead, lead_id).version
    later = NOW + dt.timedelta(days=rules.sla.dormant_after_days + 1)
    uow.session.info["actor"] = "reminders"
    assert flag_dormant(uow.session, later, rules) == [lead_id]
    uow.commit()
    uow.session.expire_all()
    lead = uow.session.get(Lead, lead_id)
    assert (lead.dormant, lead.version) == (True, version + 1)
    dormant = uow.session.scalars(
        select(FieldChange).where(FieldChange.lead_id == lead_id, FieldChange.field == "dormant")
    ).one()
    assert (dormant.old_value, dormant.new_value, dormant.actor) == ("False", "True", "reminders")


def test_a_returning_inquiry_is_due_on_the_business_clock(uow, rules):
    """Rule book: first-contact SLAs count business hours when `sla.clock` is business; a
    new inquiry from a contacted lead is answered within its priority's SLA on that same
    clock (it was counted in wall hours from the inquiry, weekend included)."""
    business = rules.model_copy(update={"sla": rules.sla.model_copy(update={"clock": "business"})})
    lead_id = _lead(uow, business, email="jo@acme.example")
    svc.log_activity(
        uow.session,
        lead_id,
        channel="phone",
        key_points="first call",
        now=NOW + dt.timedelta(hours=1),
        rules=business,
    )
    uow.commit()
    saturday = NOW + dt.timedelta(days=5)  # NOW is a Monday 10:00 UTC
    assert saturday.weekday() == 5
    summary = store_leads(
        uow.session,
        [(1, f.lead_record(email="jo@acme.example", need="now for 40 seats"))],
        "web",
        business,
        now=saturday,
    )
    process_new_leads(uow.session, summary.lead_ids, saturday, business)
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    zone = zone_of(uow.session, lead.team_id, business)
    due = first_contact_due(saturday, Priority(lead.priority), business, zone)
    assert lead.next_action_due == due
    hours = business.sla.first_contact_hours[Priority(lead.priority)]
    assert due.weekday() < 5 and due != saturday + dt.timedelta(hours=hours)


def test_an_edit_that_makes_a_queued_lead_assignable_gives_it_an_owner(uow, rules):
    """Rule book: a lead no rep is eligible for waits in its team's manager queue until
    one is; an edit is such a moment: reassess() sends a queued lead back to assignment."""
    team = f.team(uow.session, regions=["east", "west"])
    rep = f.rep(uow.session, team.id, regions=["east"])
    summary = store_leads(uow.session, [(1, f.lead_record(region="west"))], "web", rules, now=NOW)
    process_new_leads(uow.session, summary.lead_ids, NOW, rules)
    uow.commit()
    (lead_id,) = summary.lead_ids
    queued = uow.session.get(Lead, lead_id)
    assert (queued.state, queued.owner_id) == ("screened", None)
    later = NOW + dt.timedelta(hours=3)
    update_lead(uow.session, lead_id, {"region": "east"}, now=later, rules=rules)
    uow.commit()
    lead = uow.session.get(Lead, lead_id)
    assert (lead.state, lead.owner_id, lead.assigned_at) == ("nurturing", rep.id, later)
