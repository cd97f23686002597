"""The review's stage funnel: how many of the cohort reached each state, and under
opportunity and negotiation how many of them are now at each sub-stage (seed 001:
技术评估阶段, 价格谈判阶段; config/rules.yaml: stages)."""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from leadflow.i18n import gettext as _
from leadflow.i18n import label
from leadflow.rules.config import SUB_STAGED, StageRules
from leadflow.store.models import Lead


class StageCount(BaseModel):
    """Leads of the cohort now at one sub-stage of their state (None: at none)."""

    stage: str | None
    count: int
    share: float


class FunnelStep(BaseModel):
    """How many of the cohort reached a state, and their share of the leads created."""

    state: str
    count: int
    share: float
    sub_stages: list[StageCount] = Field(
        default_factory=list,
        description="Under opportunity and negotiation: the cohort's leads now in the state, "
        "per sub-stage in the configured order (stage null: at none).",
    )


class FunnelRow(NamedTuple):
    """One line of the funnel as the reports show it (`sub`: a sub-stage under its state)."""

    label: str
    leads: int
    share: float
    sub: bool


def stage_counts(
    session: Session, cohort: ColumnElement[bool], total: int, stages: StageRules
) -> dict[str, list[StageCount]]:
    """Per state with sub-stages on: the cohort's leads now in it at each configured
    sub-stage (zero included), then any other name stored, then those at none."""
    found: dict[tuple[str, str | None], int] = {
        (state, stage): n
        for state, stage, n in session.execute(
            select(Lead.state, Lead.sub_stage, func.count())
            .where(cohort, Lead.state.in_(SUB_STAGED))
            .group_by(Lead.state, Lead.sub_stage)
        )
    }
    counts: dict[str, list[StageCount]] = {}
    for state in SUB_STAGED:
        configured: list[str | None] = list(stages.of(state))
        if not configured:
            continue
        others = sorted(
            s for st, s in found if st == state and s is not None and s not in configured
        )
        names = [*configured, *others, *([None] if (state, None) in found else [])]
        counts[state] = [
            StageCount(
                stage=n,
                count=found.get((state, n), 0),
                share=ratio(found.get((state, n), 0), total),
            )
            for n in names
        ]
    return counts


def ratio(part: int, whole: int) -> float:
    """part / whole to 4 places; 0.0 over an empty base (as review.results.ratio, which
    this module cannot import: results imports the review's shapes)."""
    return round(part / whole, 4) if whole else 0.0


def funnel_rows(funnel: list[FunnelStep]) -> list[FunnelRow]:
    """The funnel's lines in the current language: each state, and under it its sub-stages
    (the team's own names, as configured)."""
    rows: list[FunnelRow] = []
    for step in funnel:
        rows.append(FunnelRow(label("state", step.state), step.count, step.share, False))
        rows += [
            FunnelRow(sub_stage_label(s.stage), s.count, s.share, True) for s in step.sub_stages
        ]
    return rows


def sub_stage_label(stage: str | None) -> str:
    """How a sub-stage line is named: 'now at 技术评估阶段', or 'now at no sub-stage'."""
    if stage is None:
        return _("now at no sub-stage")
    return _("now at {stage}").format(stage=stage)


def steps(
    names: list[str], counts: list[int], total: int, subs: dict[str, Any]
) -> list[FunnelStep]:
    """The funnel's steps, each with its share of the leads created and its sub-stages."""
    return [
        FunnelStep(state=name, count=n, share=ratio(n, total), sub_stages=subs.get(name, []))
        for name, n in zip(names, counts, strict=True)
    ]
