"""All rules on one lead at once: what `leadflow rules check` prints and intake applies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import BehaviourCounts, LeadFacts, OpportunityFacts
from leadflow.rules.grading import GradeResult, OpportunityGrade, lead_grade, opportunity_grade
from leadflow.rules.scoring import ScoreBreakdown, score
from leadflow.rules.screening import BantResult, screen


class RuleInput(LeadFacts):
    """A lead record as `rules check` reads it: spec §1 fields plus events and opportunity."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    events: BehaviourCounts = BehaviourCounts()
    opportunity: OpportunityFacts | None = None

    @field_validator("events", mode="before")
    @classmethod
    def _intake_form(cls, value: Any) -> Any:
        """Accept the intake record's list of events ({"kind", "at"}) as counts by kind."""
        if not isinstance(value, list):
            return value
        counts: dict[str, int] = {}
        for event in value:
            kind = event.get("kind") if isinstance(event, dict) else event
            counts[str(kind)] = counts.get(str(kind), 0) + 1
        return counts


class Evaluation(BaseModel):
    """Screening, score and grade of one lead, each able to explain itself."""

    model_config = ConfigDict(frozen=True)

    bant: BantResult
    score: ScoreBreakdown
    grade: GradeResult
    opportunity: OpportunityGrade | None = None

    def summary(self) -> dict[str, Any]:
        """The flat shape of `rules check --json`, with the explanation beside it."""
        out: dict[str, Any] = {
            "valid": self.bant.valid,
            "bant": {k: getattr(self.bant, k) for k in ("budget", "authority", "need", "timeline")},
            "behaviour_score": self.score.behaviour,
            "attribute_score": self.score.attribute,
            "score": self.score.total,
            "priority": self.score.priority.value,
            "nurture_stage": self.score.nurture_stage,
            "grade": self.grade.grade.value,
        }
        if self.opportunity is not None:
            out["opportunity"] = {
                "points": self.opportunity.points,
                "grade": self.opportunity.grade.value,
            }
        out["explain"] = {
            "invalid_reason": self.bant.reason,
            "target_profile": self.bant.profile,
            "budget_match": self.score.budget_match.value,
            "points": self.score.points,
            "grade_reasons": self.grade.reasons,
            **({"opportunity": self.opportunity.breakdown} if self.opportunity else {}),
        }
        return out


def evaluate(
    facts: LeadFacts,
    behaviour: BehaviourCounts,
    today: dt.date,
    rules: RulesConfig,
    opportunity: OpportunityFacts | None = None,
) -> Evaluation:
    """Screen, score and grade one lead (and grade its opportunity when one is given)."""
    bant = screen(facts, rules)
    breakdown = score(facts, behaviour, rules)
    grade = lead_grade(facts, bant, breakdown.budget_match, today, rules)
    return Evaluation(
        bant=bant,
        score=breakdown,
        grade=grade,
        opportunity=opportunity_grade(opportunity, rules) if opportunity else None,
    )
