"""The monthly re-verification of a lead's facts (seed 001, L22: 每月核实客户信息)."""

from __future__ import annotations

from pathlib import Path

from leadflow.followup.reminders import due_items, remind
from leadflow.intake.checks import verify_facts
from tests import factories as f
from tests.integration.test_seed_rules import days, intake, team  # noqa: F401

# Rule book §1, "Monthly re-verification".
RULE = (
    "An open lead's owner is reminded once when its facts were last confirmed 30 days ago "
    "(`config/rules.yaml: data_quality.reverify_days`; 0 turns it off); the reminder is not "
    "escalated, and confirming the facts sets the next one a month later."
)


def _reverify(uow, rules, lead_id, at):  # type: ignore[no-untyped-def]
    return [
        i for i in due_items(uow.session, at, rules) if (i.lead_id, i.kind) == (lead_id, "reverify")
    ]


def test_the_owner_is_reminded_once_a_month_and_never_escalated(uow, rules, team):  # noqa: F811
    """Rule book §1: RULE."""
    assert RULE in (Path(__file__).parents[2] / "docs" / "rules.md").read_text().replace("\n", " ")
    f.rep(uow.session, team.id)
    lead = intake(uow, rules)
    assert lead.owner_id is not None and _reverify(uow, rules, lead.id, days(29)) == []
    (item,) = _reverify(uow, rules, lead.id, days(31))
    assert item.due_at == days(30)
    first = remind(uow.session, [item], days(31), rules)
    later = remind(uow.session, [item], days(40), rules)  # past the escalation delay
    assert (first.reminded, first.escalated) == ({"reverify": 1}, {})
    assert (later.reminded, later.escalated) == ({}, {})

    verify_facts(uow.session, lead.id, now=days(41))
    assert _reverify(uow, rules, lead.id, days(70)) == []
    assert [i.due_at for i in _reverify(uow, rules, lead.id, days(72))] == [days(71)]


def test_a_team_may_turn_it_off(uow, rules, team):  # noqa: F811
    f.rep(uow.session, team.id)
    off = rules.model_copy(
        update={"data_quality": rules.data_quality.model_copy(update={"reverify_days": 0})}
    )
    lead = intake(uow, off)
    assert [i for i in due_items(uow.session, days(400), off) if i.kind == "reverify"] == []
    assert _reverify(uow, rules, lead.id, days(31)) != []
