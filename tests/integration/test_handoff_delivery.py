"""The handoff's delivery details and the escalation of a deal not handed over (issue 29
item 6), on the services with an injected clock."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from leadflow.api.deps import Principal
from leadflow.followup.due import due_items
from leadflow.followup.reminders import remind
from leadflow.handoff.details import HandoffIn, set_handoff
from leadflow.handoff.package import produce_handoffs
from leadflow.rules.vocab import Role
from leadflow.settings import Settings
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import Handoff, OutboxMessage
from leadflow.web.day import my_day
from tests import factories as f
from tests.integration.test_handoff_outputs import won  # noqa: F401 (a fixture)
from tests.integration.test_review import at

SETTINGS = Settings(delivery_recipients=["delivery@example.com"])


def _handoffs(uow, now, rules) -> list[tuple[int, str, dt.datetime]]:
    return [
        (i.lead_id, i.kind, i.due_at)
        for i in due_items(uow.session, now, rules)
        if i.kind == "handoff"
    ]


def _escalations(uow) -> list[tuple[str, str]]:
    return [
        (m.recipient, m.subject)
        for m in uow.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "escalation")
            .order_by(OutboxMessage.id)
        )
    ]


def test_a_deal_not_handed_over_in_a_working_day_reaches_the_manager_once(uow, rules, won):  # noqa: F811
    """Rule book §8: "A won deal not delivered 1 business day after the win ... is
    escalated once to the team's manager" (seed 002: the handoff within one working day)."""
    # Won Monday 2026-07-20 09:00; the package goes out the same day without an owner.
    produce_handoffs(uow.session, [won], at(7, 20, 10), rules, SETTINGS)
    stored = uow.session.scalar(select(Handoff).where(Handoff.lead_id == won))
    assert stored.delivered_at is None and "to assign" in stored.markdown
    assert _handoffs(uow, at(7, 21, 8, 59), rules) == []
    assert _handoffs(uow, at(7, 21, 9), rules) == [(won, "handoff", at(7, 21, 9))]

    first = remind(
        uow.session, list(due_items(uow.session, at(7, 21, 10), rules)), at(7, 21, 10), rules
    )
    assert first.escalated.get("handoff") == 1 and "handoff" not in first.reminded
    (escalation,) = [e for e in _escalations(uow) if "handoff to delivery" in e[1]]
    assert escalation[0] == "mia@example.com"  # the team's manager
    again = remind(
        uow.session, list(due_items(uow.session, at(7, 22, 10), rules)), at(7, 22, 10), rules
    )
    assert "handoff" not in again.escalated and "handoff" not in again.reminded

    # The manager names the delivery owner: the package goes out again and is delivered.
    details = HandoffIn(
        delivery_owner="Dee Delivery",
        delivery_start=dt.date(2026, 8, 3),
        go_live=dt.date(2026, 9, 1),
        customer_contact="Li Lei，138 0000 0000",
    )
    shown = set_handoff(uow.session, won, details, now=at(7, 22, 11), settings=SETTINGS)
    assert shown["delivered_at"] == at(7, 22, 11)
    assert _handoffs(uow, at(7, 23, 10), rules) == []
    stored = uow.session.scalar(select(Handoff).where(Handoff.lead_id == won))
    for expected in ("Dee Delivery", "Aug 3, 2026", "Sep 1, 2026", "Li Lei (138 0000 0000)"):
        assert expected in stored.markdown, expected
    assert "to assign" not in stored.markdown
    resent = uow.session.scalars(
        select(OutboxMessage.recipient).where(
            OutboxMessage.kind == "handoff", OutboxMessage.created_at == at(7, 22, 11)
        )
    ).all()
    assert sorted(resent) == ["delivery@example.com", "mia@example.com"]
    changed = uow.session.scalars(
        select(FieldChange.field).where(
            FieldChange.lead_id == won,
            FieldChange.field.in_(
                ["delivery_owner", "delivery_start", "go_live", "delivery_contact"]
            ),
        )
    ).all()
    assert sorted(changed) == ["delivery_contact", "delivery_owner", "delivery_start", "go_live"]


def test_the_day_is_counted_on_the_team_calendar_and_a_missing_package_counts(uow, rules, won):  # noqa: F811
    """Rule book §6: "a business day" is one of the team's working days; §8: a won deal
    whose package never went out escalates too."""
    holiday = rules.model_copy(
        update={"calendar": rules.calendar.model_copy(update={"holidays": [dt.date(2026, 7, 21)]})}
    )
    assert _handoffs(uow, at(7, 21, 12), holiday) == []
    assert _handoffs(uow, at(7, 22, 9), holiday) == [(won, "handoff", at(7, 22, 9))]
    # A delivery owner set before the package is made: the package names them at once.
    set_handoff(
        uow.session, won, HandoffIn(delivery_owner="Dee"), now=at(7, 20, 9, 30), settings=SETTINGS
    )
    assert _handoffs(uow, at(7, 22, 9), holiday) == [(won, "handoff", at(7, 22, 9))]
    produce_handoffs(uow.session, [won], at(7, 20, 10), holiday, SETTINGS)
    assert _handoffs(uow, at(7, 22, 9), holiday) == []


def test_a_reps_own_due_items_hold_their_deals_and_no_one_elses(uow, rules, won):  # noqa: F811
    """My day reads a rep's due items with `owner`: the owner's late handoff is there, and
    a teammate's day holds none of it, though the team's whole list does."""
    produce_handoffs(uow.session, [won], at(7, 20, 10), rules, SETTINGS)
    lead = uow.session.get(Lead, won)
    teammate = f.rep(uow.session, lead.team_id, name="Bo").id
    moment = at(7, 21, 10)
    team = {(i.lead_id, i.kind) for i in due_items(uow.session, moment, rules)}
    owner = {
        (i.lead_id, i.kind) for i in due_items(uow.session, moment, rules, owner=lead.owner_id)
    }
    assert (won, "handoff") in owner and owner == team
    assert list(due_items(uow.session, moment, rules, owner=teammate)) == []


def test_a_late_handoff_is_on_the_owners_day_and_its_escalation_on_the_managers(uow, rules, won):  # noqa: F811
    """The workbench's My day: the owner sees the late handoff among their reminders; a
    manager's day lists what the follow-up escalated in the last week (it does not read
    every won deal to find late handoffs itself)."""
    produce_handoffs(uow.session, [won], at(7, 20, 10), rules, SETTINGS)
    remind(uow.session, list(due_items(uow.session, at(7, 21, 10), rules)), at(7, 21, 10), rules)
    lead = uow.session.get(Lead, won)
    owner = Principal(1, Role.rep, lead.owner_id, "Ann")
    manager = Principal(2, Role.manager, None, "Mia")
    assert (won, "handoff") in {
        (d["lead_id"], d["kind"]) for d in my_day(uow.session, owner, at(7, 22, 9), rules)["due"]
    }
    day = my_day(uow.session, manager, at(7, 22, 9), rules)
    assert [(e["lead_id"], e["kind"], e["at"]) for e in day["escalations"]] == [
        (won, "handoff", at(7, 21, 10))
    ]
    assert "handoff" not in {d["kind"] for d in day["approvals"]}
    assert my_day(uow.session, manager, at(7, 29, 11), rules)["escalations"] == []
