"""Who approves a conversion plan (spec §2, §7): a director for grade A, a manager for B/C."""

from __future__ import annotations

from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Grade, Role

# A director may approve what a manager may; nobody else approves plans.
_RANK = {Role.manager: 1, Role.director: 2}


def plan_grade(opportunity_grade: str | None, lead_grade: str | None) -> Grade:
    """The grade an approval is judged by: the opportunity grade, else the lead grade."""
    return Grade(opportunity_grade or lead_grade or Grade.C.value)


def role_needed(grade: Grade, rules: RulesConfig) -> Role:
    """The least role that approves a plan of this grade."""
    return rules.opportunity.approval_roles[grade]


def role_suffices(role: str | Role | None, grade: Grade, rules: RulesConfig) -> bool:
    """Whether an approval by `role` covers a plan of this grade."""
    if role is None or str(role) not in Role.__members__:
        return False
    return _RANK.get(Role(str(role)), 0) >= _RANK[role_needed(grade, rules)]
