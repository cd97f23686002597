"""A lead as a plain object (no database) for the lifecycle's tests: the state machine needs
only these attributes and `record_transition`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from leadflow.statemachines.lead import TRANSITIONS


@dataclass
class PlainLead:
    id: int = 7
    state: str = "new"
    owner_id: int | None = None
    grade: str | None = None
    opportunity_grade: str | None = None
    approved_role: str | None = None
    intent_stated: bool = False
    budget_confirmed: Decimal | None = None
    decision_maker_engaged: bool = False
    target_date: dt.date | None = None
    contract_value: Decimal | None = None
    contract_approved_at: dt.datetime | None = None
    loss_reason: str | None = None
    recorded: list[dict[str, Any]] = field(default_factory=list)

    def record_transition(self, from_state, to_state, trigger, actor, reason, at):
        self.recorded.append(
            {
                "from": from_state,
                "to": to_state,
                "trigger": trigger,
                "actor": actor,
                "reason": reason,
                "at": at,
            }
        )


def table_edges() -> set[tuple[str, str, str]]:
    edges = set()
    for t in TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        edges |= {(s, t["trigger"], t["dest"]) for s in sources}
    return edges
