"""Transitions in a batch: `fire` with its legality check, guards and audit rows, against
the bare `transitions` trigger of a machine with the same states and no callbacks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from transitions import Machine

from bench.core import Config, Result, median_time
from leadflow.settings import get_rules
from leadflow.statemachines.lead import STATES, TRANSITIONS, fire

# Each lead's path: screened, nurturing with an owner, then lost and reactivated in turn.
PATH = (
    "screen",
    "start_nurturing",
    "lose",
    "reactivate",
    "lose",
    "reactivate",
    "lose",
    "reactivate",
    "lose",
    "reactivate",
)


class PlainLead:
    """A lead outside the database: the audit rows it would write are kept in a list."""

    def __init__(self, lead_id: int) -> None:
        self.id, self.state, self.owner_id = lead_id, "new", 1
        self.audit: list[tuple[Any, ...]] = []

    def record_transition(
        self,
        from_state: str,
        to_state: str,
        trigger: str,
        actor: str,
        reason: str | None,
        at: dt.datetime,
    ) -> None:
        """Keep the audit row and stamp the state's time, as the stored lead does."""
        setattr(self, f"{to_state}_at", at)
        self.audit.append((self.id, from_state, to_state, trigger, actor, reason, at))


BARE = Machine(
    model=None,
    states=STATES,
    initial=None,
    auto_transitions=False,
    transitions=[{k: v for k, v in t.items() if k != "conditions"} for t in TRANSITIONS],
)


def transitions_batch(config: Config) -> Result:
    """1M triggers (reduced: 100k) over fresh plain leads, guarded and audited."""
    n = config.size(1_000_000, 100_000)
    leads_needed = n // len(PATH)
    rules, now = get_rules(), dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    leads: list[PlainLead] = []

    def fresh() -> None:
        leads[:] = [PlainLead(i) for i in range(leads_needed)]

    def guarded() -> None:
        for lead in leads:
            for trigger in PATH:
                fire(
                    lead,
                    trigger,
                    by="bench",
                    at=now,
                    rules=rules,
                    reason="competitor" if trigger == "lose" else None,
                )

    def bare() -> None:
        events = BARE.events
        for lead in leads:
            for trigger in PATH:
                events[trigger].trigger(lead)

    seconds, _ = median_time(guarded, config.repeat, setup=fresh)
    audited = sum(len(lead.audit) for lead in leads)
    floor_s, _ = median_time(bare, config.repeat, setup=fresh)
    triggers = leads_needed * len(PATH)
    result = Result(
        "transitions",
        "memory",
        {"triggers": triggers, "audit_rows": audited},
        metrics={
            "seconds": seconds,
            "per_s": triggers / seconds,
            "ratio_to_floor": seconds / floor_s,
        },
        floor={"seconds": floor_s, "per_s": triggers / floor_s},
    )
    result.target("triggers/s", triggers / seconds, 50_000, at_least=True)
    return result
