"""Scoring (spec §4): behaviour and attribute points with caps, priority and nurture stage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from leadflow.rules.config import NurtureStage, RulesConfig
from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.vocab import BudgetMatch, Priority


class ScoreBreakdown(BaseModel):
    """A score with every point traced to where it came from."""

    model_config = ConfigDict(frozen=True)

    behaviour: int
    attribute: int
    total: int
    priority: Priority
    nurture_stage: str
    budget_match: BudgetMatch
    points: dict[str, float]  # "behaviour.webinar" -> 15, "attribute.company_size" -> 20 ...


def budget_match(facts: LeadFacts, rules: RulesConfig) -> BudgetMatch:
    """From a confirmed budget when there is one (the newest fact), else the stated match,
    else derived from budget_max, or budget_min for an open-ended budget ("100万以上": at
    least that much); amounts compare with the minimum deal size."""
    amount = facts.budget_confirmed
    if amount is None:
        if facts.budget_match is not None:
            return facts.budget_match
        amount = facts.budget_max if facts.budget_max is not None else facts.budget_min
    if amount is None:
        return BudgetMatch.none
    size = rules.scoring.min_deal_size
    if amount >= size:
        return BudgetMatch.full
    if amount >= size * rules.scoring.partial_ratio:
        return BudgetMatch.partial
    return BudgetMatch.none


def decayed_counts(
    events: Iterable[tuple[str, dt.datetime]], now: dt.datetime, rules: RulesConfig
) -> BehaviourCounts:
    """Count events by kind; with decay on, each counts half per half-life of age."""
    decay = rules.scoring.decay
    counts: dict[str, float] = {}
    for kind, at in events:
        weight = 1.0
        if decay.enabled:
            age_days = max((now - at).total_seconds() / 86400, 0.0)
            weight = 0.5 ** (age_days / decay.half_life_days)
        counts[kind] = counts.get(kind, 0.0) + weight
    return BehaviourCounts(**counts)


def priority_for(total: int, rules: RulesConfig) -> Priority:
    """high at or above the high bound, medium at or above the medium bound, else low."""
    bounds = rules.scoring.priority
    if total >= bounds.high:
        return Priority.high
    if total >= bounds.medium:
        return Priority.medium
    return Priority.low


def nurture_stage_for(total: int, rules: RulesConfig) -> NurtureStage:
    """The highest stage whose lower bound the score reaches."""
    stage = rules.scoring.nurture_stages[0]
    for candidate in rules.scoring.nurture_stages:
        if total >= candidate.min_score:
            stage = candidate
    return stage


def score(facts: LeadFacts, behaviour: BehaviourCounts, rules: RulesConfig) -> ScoreBreakdown:
    """Behaviour (capped) plus attribute (capped) points, with priority and nurture stage."""
    cfg = rules.scoring
    points: dict[str, float] = {}
    for kind, count in behaviour.model_dump().items():
        if count:
            points[f"behaviour.{kind}"] = count * cfg.behaviour_points.get(kind, 0)
    match = budget_match(facts, rules)
    if facts.company_size is not None:
        points["attribute.company_size"] = cfg.company_size_points.get(facts.company_size, 0)
    if facts.contact_role is not None:
        points["attribute.contact_role"] = cfg.contact_role_points.get(facts.contact_role, 0)
    points["attribute.budget_match"] = cfg.budget_match_points.get(match, 0)
    raw_behaviour = sum(v for k, v in points.items() if k.startswith("behaviour."))
    raw_attribute = sum(v for k, v in points.items() if k.startswith("attribute."))
    behaviour_total = int(min(raw_behaviour, cfg.behaviour_cap))
    attribute_total = int(min(raw_attribute, cfg.attribute_cap))
    total = behaviour_total + attribute_total
    return ScoreBreakdown(
        behaviour=behaviour_total,
        attribute=attribute_total,
        total=total,
        priority=priority_for(total, rules),
        nurture_stage=nurture_stage_for(total, rules).name,
        budget_match=match,
        points=points,
    )
