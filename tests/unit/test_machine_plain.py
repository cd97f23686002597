"""Spec §2 lifecycle on plain objects (no database): legal moves, refusals, guards, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leadflow.errors import GuardRefused, IllegalTransition
from leadflow.statemachines.lead import allowed_triggers, fire
from tests.unit.plain_lead import PlainLead, table_edges

AT = dt.datetime(2024, 7, 1, 10, 0, tzinfo=dt.UTC)
OPEN = ["new", "screened", "nurturing", "opportunity", "negotiation"]


READY = {
    "owner_id": 3,
    "intent_stated": True,
    "target_date": dt.date(2024, 9, 1),
    "opportunity_grade": "B",
    "approved_role": "manager",
    "contract_value": Decimal(5),
    "contract_approved_at": dt.datetime(2024, 8, 1, tzinfo=dt.UTC),
    "loss_reason": "invalid",
}

SPEC_EDGES = {
    ("new", "screen", "screened"),
    ("new", "disqualify", "lost"),
    ("screened", "start_nurturing", "nurturing"),
    ("nurturing", "qualify", "opportunity"),
    ("opportunity", "requalify", "nurturing"),
    ("opportunity", "start_negotiation", "negotiation"),
    ("negotiation", "win", "won"),
    ("lost", "reactivate", "nurturing"),
    *((s, "lose", "lost") for s in OPEN),
    # "a sales manager reviews invalid leads before they are archived, and may reinstate
    # one (back to screening, reason kept)"
    ("lost", "reinstate", "new"),
    # "No eligible rep: the lead goes to the team's manager queue, never dropped" (spec §5):
    # a reactivated lead without an eligible owner waits in the queue (screened, no owner).
    ("lost", "reactivate", "screened"),
}


def test_table_is_exactly_the_spec_diagram():
    assert table_edges() == SPEC_EDGES


@pytest.mark.parametrize(
    "state, allowed",
    [
        ("new", {"screen", "disqualify", "lose"}),
        ("screened", {"start_nurturing", "lose"}),
        ("nurturing", {"qualify", "lose"}),
        ("opportunity", {"requalify", "start_negotiation", "lose"}),
        ("negotiation", {"win", "lose"}),
        ("won", set()),
        ("lost", {"reactivate", "reinstate"}),
    ],
)
def test_allowed_triggers(state, allowed):
    assert set(allowed_triggers(state)) == allowed


@pytest.mark.parametrize("source, trigger, dest", sorted(SPEC_EDGES))
def test_every_legal_transition(rules, source, trigger, dest):
    lead = PlainLead(state=source, **READY)
    if dest == "screened" and source == "lost":
        lead.owner_id = None  # no owner: reactivation waits in the manager queue
    reason = "competitor: cheaper offer" if trigger in ("lose", "disqualify") else None
    assert fire(lead, trigger, by="rep:3", at=AT, rules=rules, reason=reason) == dest
    assert lead.state == dest
    assert lead.recorded == [
        {
            "from": source,
            "to": dest,
            "trigger": trigger,
            "actor": "rep:3",
            "reason": reason,
            "at": AT,
        }
    ]


def test_happy_path_and_reactivation(rules):
    lead = PlainLead(**READY)
    for trigger in (
        "screen",
        "start_nurturing",
        "qualify",
        "requalify",
        "qualify",
        "start_negotiation",
        "lose",
        "reactivate",
        "qualify",
        "start_negotiation",
        "win",
    ):
        fire(lead, trigger, by="system", at=AT, rules=rules, reason="no_decision")
    assert lead.state == "won"
    assert [r["to"] for r in lead.recorded] == [
        "screened",
        "nurturing",
        "opportunity",
        "nurturing",
        "opportunity",
        "negotiation",
        "lost",
        "nurturing",
        "opportunity",
        "negotiation",
        "won",
    ]


@pytest.mark.parametrize(
    "state, trigger",
    [
        ("new", "win"),
        ("new", "qualify"),
        ("new", "start_nurturing"),
        ("new", "reactivate"),
        ("screened", "screen"),
        ("screened", "qualify"),
        ("screened", "disqualify"),
        ("nurturing", "win"),
        ("nurturing", "requalify"),
        ("nurturing", "start_negotiation"),
        ("opportunity", "win"),
        ("opportunity", "qualify"),
        ("negotiation", "requalify"),
        ("won", "lose"),
        ("won", "reactivate"),
        ("won", "win"),
        ("lost", "lose"),
        ("lost", "screen"),
        ("new", "explode"),
    ],
)
def test_illegal_transitions_refused(rules, state, trigger):
    lead = PlainLead(state=state, **READY)
    with pytest.raises(IllegalTransition) as exc:
        fire(lead, trigger, by="rep:3", at=AT, rules=rules, reason="price")
    err = exc.value
    assert (err.lead_id, err.state, err.trigger) == (7, state, trigger)
    assert err.allowed == list(allowed_triggers(state))
    message = str(err)
    assert "lead 7" in message and repr(trigger) in message and repr(state) in message
    expected = ", ".join(allowed_triggers(state)) or "none (final state)"
    assert f"allowed: {expected}" in message
    assert lead.state == state
    assert lead.recorded == []


def refused(rules, lead: PlainLead, trigger: str, reason: str | None = None) -> GuardRefused:
    before = lead.state
    with pytest.raises(GuardRefused) as exc:
        fire(lead, trigger, by="rep:3", at=AT, rules=rules, reason=reason)
    assert lead.state == before
    assert lead.recorded == []
    assert exc.value.lead_id == 7 and exc.value.trigger == trigger
    return exc.value


@pytest.mark.parametrize("state", OPEN)
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_lose_needs_a_reason(rules, state, reason):
    err = refused(rules, PlainLead(state=state, **READY), "lose", reason)
    assert "a reason is required" in err.why and "unresponsive" in err.why


@pytest.mark.parametrize("reason", ["bored", "Price", "cheaper: competitor"])
def test_lose_needs_a_known_reason(rules, reason):
    err = refused(rules, PlainLead(state="nurturing", **READY), "lose", reason)
    assert "unknown loss reason" in err.why


@pytest.mark.parametrize(
    "reason",
    [
        "price",
        "need_changed",
        "competitor",
        "no_budget",
        "no_decision",
        "unresponsive",
        "invalid",
        "other",
        "price: 20% above budget",
    ],
)
def test_every_loss_reason_accepted(rules, reason):
    lead = PlainLead(state="opportunity")
    assert fire(lead, "lose", by="rep:3", at=AT, rules=rules, reason=reason) == "lost"
    assert lead.recorded[0]["reason"] == reason


def test_disqualify_needs_a_reason(rules):
    refused(rules, PlainLead(), "disqualify", None)
    lead = PlainLead()
    fire(lead, "disqualify", by="system", at=AT, rules=rules, reason="invalid: BANT 1/4")
    assert lead.state == "lost"


def test_start_nurturing_needs_an_owner(rules):
    err = refused(rules, PlainLead(state="screened"), "start_nurturing")
    assert "no owner" in err.why
    lead = PlainLead(state="screened", owner_id=9)
    assert fire(lead, "start_nurturing", by="system", at=AT, rules=rules) == "nurturing"


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"intent_stated": True},
        {"decision_maker_engaged": True},
        {"intent_stated": True, "budget_confirmed": Decimal("99999")},
    ],
)
def test_qualify_refused_with_fewer_than_two_criteria(rules, kw):
    err = refused(rules, PlainLead(state="nurturing", **kw), "qualify")
    assert "of 4 conversion criteria hold" in err.why and "2 needed" in err.why


@pytest.mark.parametrize(
    "kw",
    [
        {"intent_stated": True, "budget_confirmed": Decimal("100000")},
        {"decision_maker_engaged": True, "target_date": dt.date(2024, 10, 1)},
        {"budget_confirmed": Decimal("250000"), "target_date": dt.date(2024, 10, 1)},
    ],
)
def test_qualify_with_two_criteria(rules, kw):
    lead = PlainLead(state="nurturing", **kw)
    assert fire(lead, "qualify", by="rep:3", at=AT, rules=rules) == "opportunity"


@pytest.mark.parametrize(
    "grades, role, ok",
    [
        ({"opportunity_grade": "A"}, None, False),
        ({"opportunity_grade": "A"}, "rep", False),
        ({"opportunity_grade": "A"}, "manager", False),
        ({"opportunity_grade": "A"}, "director", True),
        ({"opportunity_grade": None, "grade": "A"}, "manager", False),  # falls back to lead grade
        ({"opportunity_grade": None, "grade": "A"}, "director", True),
        ({"opportunity_grade": "B", "grade": "A"}, "manager", True),  # opportunity grade wins
        ({"opportunity_grade": "B"}, None, False),
        ({"opportunity_grade": "B"}, "rep", False),
        ({"opportunity_grade": "B"}, "manager", True),
        ({"opportunity_grade": "B"}, "director", True),
        ({"opportunity_grade": "C"}, "rep", False),
        ({"opportunity_grade": "C"}, "ceo", False),  # unknown role: refused
        ({"opportunity_grade": "C"}, "manager", True),
        ({"opportunity_grade": "C"}, "director", True),
        ({}, "manager", True),  # ungraded counts as C
    ],
)
def test_start_negotiation_approval(rules, grades, role, ok):
    lead = PlainLead(state="opportunity", approved_role=role, **grades)
    if ok:
        assert fire(lead, "start_negotiation", by="rep:3", at=AT, rules=rules) == "negotiation"
    else:
        err = refused(rules, lead, "start_negotiation")
        needed = (
            "director"
            if "A" in (grades.get("opportunity_grade") or grades.get("grade") or "")
            else "manager"
        )
        assert f"approved by a {needed}" in err.why


def test_win_needs_the_contract_value(rules):
    """Spec §2: "win (negotiation -> won): contract signed; the contract value (required)"."""
    lead = PlainLead(state="negotiation", **{**READY, "contract_value": None})
    with pytest.raises(GuardRefused, match="leads contract ID --value"):
        fire(lead, "win", by="rep:3", at=AT, rules=rules)
    assert (lead.state, lead.recorded) == ("negotiation", [])


def test_win_needs_the_approved_contract(rules):
    """docs/rules.md §8: "A win needs the approved contract: the draft must have been
    approved (`leads approve-contract`) before `leads win` signs it"."""
    lead = PlainLead(state="negotiation", **{**READY, "contract_approved_at": None})
    with pytest.raises(
        GuardRefused,
        match="the contract has not been approved: `leadflow leads approve-contract 7`",
    ):
        fire(lead, "win", by="rep:3", at=AT, rules=rules)
    one_step = rules.model_copy(
        update={"contract": rules.contract.model_copy(update={"approval_required": False})}
    )
    assert fire(lead, "win", by="rep:3", at=AT, rules=one_step) == "won"


def test_only_a_disqualified_lead_is_reinstated(rules):
    """Spec §2: a sales manager "may reinstate one (back to screening, reason kept)"."""
    lead = PlainLead(state="lost", **{**READY, "loss_reason": "price"})
    with pytest.raises(GuardRefused, match="only a lead disqualified"):
        fire(lead, "reinstate", by="manager:mia", at=AT, rules=rules, reason="budget found")
    lead.loss_reason = "invalid"
    assert (
        fire(lead, "reinstate", by="manager:mia", at=AT, rules=rules, reason="budget found")
        == "new"
    )
    assert lead.recorded[-1]["reason"] == "budget found"
