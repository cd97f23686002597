"""Lead grade (spec §5), conversion criteria (spec §6) and opportunity grade (spec §7)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from leadflow.rules.config import RulesConfig
from leadflow.rules.explain import (
    BUDGET_MATCH,
    CLOSE_WITHIN,
    DECISION_POWER,
    NEED_CLEAR,
    NEED_VAGUE,
    NO_BUDGET,
    NO_TIMELINE,
    NOT_A,
)
from leadflow.rules.facts import ConversionFacts, LeadFacts, OpportunityFacts
from leadflow.rules.screening import BantResult
from leadflow.rules.vocab import BudgetMatch, Competition, Grade, Urgency


class GradeResult(BaseModel):
    """A grade and the reasons for it."""

    model_config = ConfigDict(frozen=True)

    grade: Grade
    reasons: list[str]


def lead_grade(
    facts: LeadFacts, bant: BantResult, match: BudgetMatch, today: dt.date, rules: RulesConfig
) -> GradeResult:
    """A: clear need, budget, decision power and a close soon; C: vague need or neither
    budget nor timeline; B otherwise."""
    cfg = rules.grading.a
    close_soon = (
        facts.timeline is not None and 0 <= (facts.timeline - today).days <= cfg.close_within_days
    )
    a_checks = {
        NEED_CLEAR: bant.need,
        BUDGET_MATCH.format(match=match.value): match in cfg.budget_match,
        DECISION_POWER: facts.contact_role in cfg.contact_roles,
        CLOSE_WITHIN.format(days=cfg.close_within_days): close_soon,
    }
    if all(a_checks.values()):
        return GradeResult(grade=Grade.A, reasons=list(a_checks))
    if not bant.need:
        return GradeResult(grade=Grade.C, reasons=[NEED_VAGUE])
    if not bant.budget and not bant.timeline:
        return GradeResult(grade=Grade.C, reasons=[NO_BUDGET, NO_TIMELINE])
    missing = [name for name, ok in a_checks.items() if not ok]
    return GradeResult(grade=Grade.B, reasons=[NOT_A.format(missing=", ".join(missing))])


class ConversionResult(BaseModel):
    """Which conversion criteria hold and whether the lead may be qualified."""

    model_config = ConfigDict(frozen=True)

    intent_stated: bool
    budget_confirmed: bool
    decision_maker_engaged: bool
    target_date: bool
    met: int
    qualifies: bool


def conversion(facts: ConversionFacts, rules: RulesConfig) -> ConversionResult:
    """Spec §6: at least min_criteria of the four hold."""
    checks = {
        "intent_stated": facts.intent_stated,
        "budget_confirmed": facts.budget_confirmed is not None
        and facts.budget_confirmed >= rules.conversion.min_deal_size,
        "decision_maker_engaged": facts.decision_maker_engaged,
        "target_date": facts.target_date is not None,
    }
    met = sum(checks.values())
    return ConversionResult(**checks, met=met, qualifies=met >= rules.conversion.min_criteria)


class OpportunityGrade(BaseModel):
    """Points per dimension, their total, and the grade."""

    model_config = ConfigDict(frozen=True)

    points: int
    breakdown: dict[str, int]
    budget_band: str
    grade: Grade
    reason: str
    slipped: bool = False


def urgency_for(target_date: dt.date, today: dt.date, rules: RulesConfig) -> Urgency:
    """Immediate within a month, urgent within 2-3 months, normal later."""
    days = (target_date - today).days
    if days <= rules.opportunity.urgency_days.immediate:
        return Urgency.immediate
    if days <= rules.opportunity.urgency_days.urgent:
        return Urgency.urgent
    return Urgency.normal


def current_facts(
    assessed: OpportunityFacts,
    budget_confirmed: Decimal | None,
    target_date: dt.date | None,
    today: dt.date,
    rules: RulesConfig,
) -> tuple[OpportunityFacts, bool]:
    """The assessment brought up to the lead's current facts: its confirmed budget and the
    urgency of its target date. A target date already past has slipped: lowest urgency.
    Returns the facts and whether the deal slipped."""
    urgency, slipped = assessed.urgency, False
    if target_date is not None:
        slipped = target_date < today
        urgency = (
            min(rules.opportunity.urgency_points, key=rules.opportunity.urgency_points.__getitem__)
            if slipped
            else urgency_for(target_date, today, rules)
        )
    budget = assessed.budget if budget_confirmed is None else budget_confirmed
    return assessed.model_copy(update={"urgency": urgency, "budget": budget}), slipped


def opportunity_grade(
    facts: OpportunityFacts, rules: RulesConfig, slipped: bool = False
) -> OpportunityGrade:
    """Spec §7: A is high budget with immediate urgency or an advantage; C is low budget
    with normal urgency or a disadvantage; B otherwise."""
    cfg = rules.opportunity
    if facts.budget >= cfg.budget_bands.high:
        band = "high"
    elif facts.budget >= cfg.budget_bands.medium:
        band = "medium"
    else:
        band = "low"
    breakdown = {
        "urgency": cfg.urgency_points[facts.urgency],
        "budget": cfg.budget_points[band],
        "competition": cfg.competition_points[facts.competition],
        "decision_chain": cfg.decision_chain_points[facts.decision_chain],
    }
    if band == "high" and (
        facts.urgency == Urgency.immediate or facts.competition == Competition.advantage
    ):
        grade, reason = Grade.A, "high budget with immediate urgency or competitive advantage"
    elif band == "low" and (
        facts.urgency == Urgency.normal or facts.competition == Competition.disadvantage
    ):
        grade, reason = Grade.C, "low budget with normal urgency or competitive disadvantage"
    else:
        grade, reason = Grade.B, "standard process"
    if slipped:
        reason += "; the target date has passed without a win (slipped): re-assess"
    return OpportunityGrade(
        points=sum(breakdown.values()),
        breakdown=breakdown,
        budget_band=band,
        grade=grade,
        reason=reason,
        slipped=slipped,
    )
