"""The lead lifecycle (spec §2): one `transitions` machine shared by every lead.

The machine is built once at import with model=None, so binding a lead costs nothing:
`fire` passes the lead to the event directly (the transitions FAQ's pattern) instead of
`add_model`, which is quadratic and would reset a loaded row's state."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, cast

from transitions import EventData, Machine

from leadflow.errors import GuardRefused, IllegalTransition
from leadflow.phrases import N_
from leadflow.rules.approval import plan_grade, role_needed, role_suffices
from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import ConversionFacts
from leadflow.rules.grading import conversion
from leadflow.rules.vocab import OPEN_STATES, LossReason, State


class Stateful(Protocol):
    """What the machine needs of a lead: an id, a state, and a place to record changes."""

    id: Any
    state: str

    def record_transition(
        self,
        from_state: str,
        to_state: str,
        trigger: str,
        actor: str,
        reason: str | None,
        at: dt.datetime,
    ) -> None:
        """Stamp the new state's time and keep an audit row in the same transaction."""


def _ctx(event: EventData) -> dict[str, Any]:
    return event.kwargs


def _lead(event: EventData) -> Stateful:
    return cast(Stateful, event.model)


_REASONS = ", ".join(r.value for r in LossReason)


def reason_given(event: EventData) -> bool:
    """A reason must be given."""
    reason = _ctx(event).get("reason")
    if not reason or not str(reason).strip():
        raise GuardRefused(
            _lead(event).id,
            event.event.name,
            N_("a reason is required: one of {reasons}", reasons=_REASONS),
        )
    return True


def loss_reason(event: EventData) -> bool:
    """A known loss reason must be given."""
    reason_given(event)
    code = str(_ctx(event)["reason"]).split(":", 1)[0].strip()
    if code not in LossReason.__members__:
        raise GuardRefused(
            _lead(event).id,
            "lose",
            N_(
                "unknown loss reason {code}; use one of {reasons}",
                code=repr(code),
                reasons=_REASONS,
            ),
        )
    return True


def has_owner(event: EventData) -> bool:
    """The lead must have an owner."""
    if getattr(event.model, "owner_id", None) is None:
        raise GuardRefused(_lead(event).id, event.event.name, N_("the lead has no owner yet"))
    return True


def conversion_criteria(event: EventData) -> bool:
    """Enough conversion criteria must hold (spec §6)."""
    rules: RulesConfig = _ctx(event)["rules"]
    result = conversion(ConversionFacts.model_validate(event.model, from_attributes=True), rules)
    if not result.qualifies:
        held = [
            k
            for k in ("intent_stated", "budget_confirmed", "decision_maker_engaged", "target_date")
            if getattr(result, k)
        ]
        raise GuardRefused(
            _lead(event).id,
            "qualify",
            N_(
                "{met} of 4 conversion criteria hold ({held}); {needed} needed",
                met=result.met,
                held=", ".join(held) or N_("none"),
                needed=rules.conversion.min_criteria,
            ),
        )
    return True


def plan_approved(event: EventData) -> bool:
    """The conversion plan must be approved by the role its grade needs."""
    rules: RulesConfig = _ctx(event)["rules"]
    lead = _lead(event)
    grade = plan_grade(getattr(lead, "opportunity_grade", None), getattr(lead, "grade", None))
    approved = getattr(lead, "approved_role", None)
    if not role_suffices(approved, grade, rules):
        raise GuardRefused(
            lead.id,
            "start_negotiation",
            N_(
                "grade {grade} needs the conversion plan approved by a {role}{approved}",
                grade=grade.value,
                role=role_needed(grade, rules).value,
                approved=N_(" (approved by a {role})", role=approved) if approved else "",
            ),
        )
    return True


def contract_signed(event: EventData) -> bool:
    """A win carries the signed contract's value (spec §2: the value is required), and,
    when the rules ask for it, the draft was approved first (seed 001: 拟定合同并提交审批)."""
    lead = _lead(event)
    rules: RulesConfig = _ctx(event)["rules"]
    approval = rules.contract.approval_required
    value = getattr(event.model, "contract_value", None)
    if value is None or value <= 0:
        how = (
            N_(
                "draft it with `leadflow leads contract ID --value AMOUNT ...` (PUT "
                "/leads/{id}/contract) and have it approved"
            )
            if approval
            else N_("record it with `leadflow leads win ID --value AMOUNT` or POST /leads/{id}/win")
        )
        raise GuardRefused(lead.id, "win", N_("a win needs the contract: {how}", how=how))
    if approval and getattr(event.model, "contract_approved_at", None) is None:
        raise GuardRefused(
            lead.id,
            "win",
            N_(
                "the contract has not been approved: `leadflow leads approve-contract {lead}` "
                "or POST /leads/{{id}}/contract-approval",
                lead=lead.id,
            ),
        )
    return True


def owned(event: EventData) -> bool:
    """Whether the lead has an owner (no error: it chooses between two transitions)."""
    return getattr(event.model, "owner_id", None) is not None


def disqualified(event: EventData) -> bool:
    """Only a lead lost as invalid at screening is reinstated to screening."""
    if getattr(event.model, "loss_reason", None) != LossReason.invalid.value:
        raise GuardRefused(
            _lead(event).id,
            "reinstate",
            N_(
                "only a lead disqualified as invalid goes back to screening; "
                "use reactivate for a lost deal"
            ),
        )
    return True


STATES = [s.value for s in State]
TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "screen", "source": "new", "dest": "screened"},
    {"trigger": "disqualify", "source": "new", "dest": "lost", "conditions": [reason_given]},
    {
        "trigger": "start_nurturing",
        "source": "screened",
        "dest": "nurturing",
        "conditions": [has_owner],
    },
    {
        "trigger": "qualify",
        "source": "nurturing",
        "dest": "opportunity",
        "conditions": [conversion_criteria],
    },
    {"trigger": "requalify", "source": "opportunity", "dest": "nurturing"},
    {
        "trigger": "start_negotiation",
        "source": "opportunity",
        "dest": "negotiation",
        "conditions": [plan_approved],
    },
    {"trigger": "win", "source": "negotiation", "dest": "won", "conditions": [contract_signed]},
    {
        "trigger": "lose",
        "source": [s.value for s in OPEN_STATES],
        "dest": "lost",
        "conditions": [loss_reason],
    },
    # Reactivation resumes nurturing with an owner; without one the lead waits in its
    # team's manager queue (screened, no owner) until a rep is eligible.
    {"trigger": "reactivate", "source": "lost", "dest": "nurturing", "conditions": [owned]},
    {"trigger": "reactivate", "source": "lost", "dest": "screened", "unless": [owned]},
    {"trigger": "reinstate", "source": "lost", "dest": "new", "conditions": [disqualified]},
]
TRIGGERS = tuple(dict.fromkeys(t["trigger"] for t in TRANSITIONS))


def _record(event: EventData) -> None:
    ctx = _ctx(event)
    assert event.transition is not None and event.transition.dest is not None
    _lead(event).record_transition(
        from_state=event.transition.source,
        to_state=event.transition.dest,
        trigger=event.event.name,
        actor=ctx["by"],
        reason=ctx.get("reason"),
        at=ctx["at"],
    )


LIFECYCLE = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial=None,
    auto_transitions=False,
    send_event=True,
    after_state_change=[_record],
)

_ALLOWED: dict[str, tuple[str, ...]] = {
    state: tuple(name for name, ev in LIFECYCLE.events.items() if state in ev.transitions)
    for state in STATES
}


def allowed_triggers(state: str) -> tuple[str, ...]:
    """Triggers the lifecycle accepts from this state."""
    return _ALLOWED.get(state, ())


def fire(
    lead: Stateful,
    trigger: str,
    *,
    by: str,
    at: dt.datetime,
    rules: RulesConfig,
    reason: str | None = None,
) -> str:
    """Move one loaded lead; raises IllegalTransition or GuardRefused and changes nothing.

    Returns the new state."""
    if trigger not in allowed_triggers(lead.state):
        raise IllegalTransition(lead.id, lead.state, trigger, list(allowed_triggers(lead.state)))
    LIFECYCLE.events[trigger].trigger(lead, by=by, at=at, rules=rules, reason=reason)
    return lead.state


def mermaid() -> str:
    """The lifecycle as a mermaid state diagram."""
    from transitions.extensions.diagrams import GraphMachine

    graph = GraphMachine(
        states=STATES,
        transitions=TRANSITIONS,
        initial="new",
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
    )
    return str(graph.get_graph().draw(None))
