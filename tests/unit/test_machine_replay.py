"""Spec §2 property on plain objects: whatever triggers are fired, in any order and with any
facts, the recorded transitions replay to the lead's state and are all edges of the table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from leadflow.errors import GuardRefused, IllegalTransition
from leadflow.statemachines.lead import TRIGGERS, allowed_triggers, fire
from tests.unit.plain_lead import PlainLead, table_edges

AT = dt.datetime(2024, 7, 1, 10, 0, tzinfo=dt.UTC)

STEP = st.tuples(
    st.integers(0, len(TRIGGERS) - 1),
    st.booleans(),  # True: pick among the state's allowed triggers, to reach deep states
    st.sampled_from([None, "", "price", "competitor: X", "bogus", "no_budget"]),
    st.sampled_from([None, 1, 2]),
    st.sets(
        st.sampled_from(
            ["intent_stated", "decision_maker_engaged", "target_date", "budget_confirmed"]
        )
    ),
    st.sampled_from([None, "A", "B", "C"]),
    st.sampled_from([None, "rep", "manager", "director"]),
)


# The rules fixture is a frozen model, so sharing it between examples is safe.
@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEP, max_size=40))
def test_state_is_replay_of_recorded_transitions(rules, steps):
    lead = PlainLead()
    legal = table_edges()
    for i, (pick, follow, reason, owner, criteria, grade, role) in enumerate(steps):
        allowed = allowed_triggers(lead.state)
        trigger = allowed[pick % len(allowed)] if follow and allowed else TRIGGERS[pick]
        lead.owner_id, lead.opportunity_grade, lead.approved_role = owner, grade, role
        lead.intent_stated = "intent_stated" in criteria
        lead.decision_maker_engaged = "decision_maker_engaged" in criteria
        lead.target_date = dt.date(2025, 1, 1) if "target_date" in criteria else None
        lead.budget_confirmed = Decimal("100000") if "budget_confirmed" in criteria else None
        before, count = lead.state, len(lead.recorded)
        try:
            fire(
                lead,
                trigger,
                by="prop",
                at=AT + dt.timedelta(minutes=i),
                rules=rules,
                reason=reason,
            )
        except IllegalTransition:
            assert trigger not in allowed_triggers(before)
            assert (lead.state, len(lead.recorded)) == (before, count)
        except GuardRefused:
            assert trigger in allowed_triggers(before)
            assert (lead.state, len(lead.recorded)) == (before, count)
        else:
            assert len(lead.recorded) == count + 1
            assert lead.recorded[-1]["at"] == AT + dt.timedelta(minutes=i)
    state = "new"
    for rec in lead.recorded:
        assert (rec["from"], rec["trigger"], rec["to"]) in legal
        assert rec["from"] == state
        state = rec["to"]
    assert lead.state == state
    event(f"final state {state}")
