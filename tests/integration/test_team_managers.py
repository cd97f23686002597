"""Issue 31 item 3: a team has several managers, and every notice for "the team's manager"
goes to each of them, once (the outbox's key is per recipient), on the services with an
injected clock and the real database."""

from __future__ import annotations

from sqlalchemy import select

from leadflow.errors import InvalidInput
from leadflow.followup.due import due_items
from leadflow.followup.reminders import remind
from leadflow.handoff.package import produce_handoffs
from leadflow.notify.forward import forward_undelivered
from leadflow.settings import Settings
from leadflow.store.models import Lead
from leadflow.store.outbound_models import OutboxMessage
from leadflow.team.reachability import unreachable_people
from leadflow.team.teams import add_manager, remove_manager, update_team
from tests import factories as f
from tests.integration.test_handoff_outputs import won  # noqa: F401 (a fixture)
from tests.integration.test_review import at
from tests.integration.test_seed_rules import intake

MIA, NED = "mia@example.com", "ned@example.com"
SETTINGS = Settings(delivery_recipients=["delivery@example.com"])


def _sent(uow, kind: str) -> list[tuple[str, str]]:
    rows = uow.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    )
    return [(m.recipient, m.subject) for m in rows]


def test_a_late_handoff_escalates_once_to_each_of_two_managers(uow, rules, won):  # noqa: F811
    """Rule book §8: "A won deal not delivered 1 business day after the win ... is
    escalated once to the team's manager": with two managers, once to each."""
    team_id = uow.session.get(Lead, won).team_id
    add_manager(uow.session, team_id, {"name": "Ned", "email": NED}, rules=rules)
    produce_handoffs(uow.session, [won], at(7, 20, 10), rules, SETTINGS)
    assert {to for to, _ in _sent(uow, "handoff")} == {MIA, NED, "delivery@example.com"}
    for day in (21, 22, 23):  # later passes escalate nothing again
        when = at(7, day, 10)
        remind(uow.session, list(due_items(uow.session, when, rules)), when, rules)
    late = [to for to, subject in _sent(uow, "escalation") if "handoff to delivery" in subject]
    assert sorted(late) == [MIA, NED]


def test_a_rep_without_email_is_stood_in_for_by_every_manager(db_url, uow, rules):
    """Rule book: a rep's notices go, marked as theirs, to the team's managers; a manager
    who cannot be reached is listed by name."""
    team = f.team(
        uow.session,
        manager_name=None,
        manager_email=None,
        managers=[{"name": "Mia", "email": MIA}, {"name": "Ned", "email": NED}],
    )
    f.rep(uow.session, team.id, name="Bo", email=None, no_email=True)
    lead_id = intake(uow, rules, when=at(7, 20, 10)).id
    stood_in = _sent(uow, "unreachable")
    assert sorted(to for to, _ in stood_in) == [MIA, NED]
    assert all(
        s.startswith(f"For Bo, who cannot be reached: Lead #{lead_id} ") for _, s in stood_in
    )
    people = unreachable_people(uow.session, at(7, 20, 11), Settings())
    assert [(p.role, p.name) for p in people] == [("rep", "Bo")]
    assert forward_undelivered(uow.session, at(7, 20, 11), rules, Settings()) == 0


def test_managers_are_added_changed_and_removed_with_the_fields_named(uow, rules):
    team = f.team(uow.session, manager_name="Mia", manager_email=MIA)
    add_manager(uow.session, team.id, {"name": "Ned", "email": NED}, rules=rules)
    # The old first-manager fields still change the first manager, and keep the others.
    update_team(uow.session, team.id, {"manager_email": "mia2@example.com"}, rules=rules)
    assert [(m.name, m.email) for m in team.managers] == [
        ("Mia", "mia2@example.com"),
        ("Ned", NED),
    ]
    assert (team.manager_name, team.manager_email) == ("Mia", "mia2@example.com")
    remove_manager(uow.session, team.id, "mia2@example.com", rules=rules)
    assert (team.manager_name, team.manager_email) == ("Ned", NED)
    refusals = (
        (lambda: add_manager(uow.session, team.id, {"email": NED}, rules=rules), "manager: "),
        (lambda: remove_manager(uow.session, team.id, "zed@example.com", rules=rules), "manager: "),
        (lambda: remove_manager(uow.session, team.id, NED, rules=rules), "manager_email: "),
        (
            lambda: update_team(
                uow.session, team.id, {"managers": [{"name": "Kai"}, {"email": "x"}]}, rules=rules
            ),
            "managers.1.email",
        ),
        (
            lambda: update_team(uow.session, team.id, {"managers": [{"name": "Kai"}]}, rules=rules),
            "manager_email: required",
        ),
    )
    for call, named in refusals:
        try:
            call()
        except InvalidInput as exc:
            assert named in str(exc), str(exc)
        else:
            raise AssertionError(f"accepted: {named}")
    assert [(m.name, m.email) for m in team.managers] == [("Ned", NED)]
