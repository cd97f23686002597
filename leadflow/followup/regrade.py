"""Weekly re-grade (spec §4, §5, §7): rescore with optional decay, re-grade leads and
opportunities in both directions, and say what changed and why."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.i18n import day, label
from leadflow.i18n import gettext as _
from leadflow.lifecycle.opportunity import approval_falls_short
from leadflow.lifecycle.reassess import REASSESS_COLUMNS, behaviour_counts, reassess
from leadflow.notify.messages import tell_owners
from leadflow.rules.config import RulesConfig
from leadflow.rules.facts import BehaviourCounts, LeadFacts, OpportunityFacts
from leadflow.rules.grading import current_facts, opportunity_grade
from leadflow.rules.vocab import Competition, DecisionChain, Urgency
from leadflow.rules.zones import TeamZones
from leadflow.store.deal_models import OpportunityAssessment
from leadflow.store.models import Lead
from leadflow.store.rows import ChunkRows, LeadRow, chunk_rows, load_rows
from leadflow.store.writer import save_rows
from leadflow.team.zones import team_zones
from leadflow.winmodel.score import score_leads

REGRADED_STATES = ["screened", "nurturing", "opportunity", "negotiation"]
# What a re-grade reads and writes: the rules' facts and conclusions, the opportunity grade
# and the date urgency is counted to (loading every column cost a third of a chunk).
REGRADE_COLUMNS = (
    *LeadFacts.model_fields,
    *REASSESS_COLUMNS,
    "target_date",
    "approved_role",
    "team_id",
)
MAX_LISTED = 2000  # changes listed per chunk and per pass; counts always cover all


class GradeChange(BaseModel):
    """One lead's changed grade, priority or opportunity grade, with the reason."""

    lead_id: int
    field: str
    old: str | None
    new: str | None
    why: str


class RegradeResult(BaseModel):
    """What a re-grade pass looked at and changed."""

    examined: int = 0
    rescored: int = 0
    changes: list[GradeChange] = []
    counts: dict[str, int] = {}  # "grade B->A": 12
    slipped: list[int] = []  # deals whose target date passed in this pass (owners told)

    @classmethod
    def combine(cls, parts: list[RegradeResult]) -> RegradeResult:
        """Add passes together."""
        total = cls()
        for p in parts:
            total.examined += p.examined
            total.rescored += p.rescored
            # A listing, not a record (FieldChange is): bounded so memory stays flat.
            total.changes.extend(p.changes[: max(0, MAX_LISTED - len(total.changes))])
            for k, v in p.counts.items():
                total.counts[k] = total.counts.get(k, 0) + v
            total.slipped.extend(p.slipped[: max(0, MAX_LISTED - len(total.slipped))])
        return total


def count_open_leads(session: Session) -> int:
    """How many leads a re-grade pass covers."""
    return session.scalar(select(func.count()).where(Lead.state.in_(REGRADED_STATES))) or 0


def open_lead_ids(session: Session, after_id: int, limit: int) -> list[int]:
    """The next page of re-gradable lead ids (keyset paging: flat memory at any size)."""
    return list(
        session.scalars(
            select(Lead.id)
            .where(Lead.state.in_(REGRADED_STATES), Lead.id > after_id)
            .order_by(Lead.id)
            .limit(limit)
        )
    )


def _latest_assessments(session: Session, ids: list[int]) -> dict[int, OpportunityAssessment]:
    newest = (
        select(func.max(OpportunityAssessment.id))
        .where(OpportunityAssessment.lead_id.in_(ids))
        .group_by(OpportunityAssessment.lead_id)
    )
    rows = session.scalars(
        select(OpportunityAssessment).where(OpportunityAssessment.id.in_(newest))
    )
    return {row.lead_id: row for row in rows}


def regrade_chunk(
    session: Session, ids: list[int], now: dt.datetime, rules: RulesConfig
) -> RegradeResult:
    """Rescore and re-grade one chunk in the caller's transaction."""
    result = RegradeResult()
    # The chunk's changed leads in one UPDATE, their grade history in one statement.
    with chunk_rows(session) as rows:
        leads = load_rows(
            rows, Lead.id.in_(ids) & Lead.state.in_(REGRADED_STATES), columns=REGRADE_COLUMNS
        )
        counts = behaviour_counts(session, [lead.id for lead in leads], now, rules)
        assessments = _latest_assessments(
            session, [lead.id for lead in leads if lead.state in ("opportunity", "negotiation")]
        )
        zones = team_zones(session, rules)
        for lead in leads:
            _regrade_one(lead, counts, assessments, now, rules, result, zones)
        save_rows(rows, leads, now)
        slipped = set(result.slipped)  # built once: a set per lead made this quadratic
        _tell_slipped(rows, [lead for lead in leads if lead.id in slipped], now, rules)
    score_leads(session, [lead.id for lead in leads], now)
    return result


def _tell_slipped(
    rows: ChunkRows, leads: list[LeadRow], now: dt.datetime, rules: RulesConfig
) -> None:
    """Tell each slipped deal's owner to re-assess it (once per target date)."""
    tell_owners(
        rows.session,
        leads,
        now,
        "slipped",
        rules=rules,
        into=rows,
        message=lambda lead: (
            f"slipped:{lead.id}:{lead.target_date}",
            _("Re-assess lead #{id}: its target date has passed").format(id=lead.id),
            _(
                "Lead #{id}'s target date {date} passed without a win, so the deal counts as "
                "slipped (grade {grade}). Re-assess it: confirm a new target date and budget, or "
                "requalify or lose it."
            ).format(
                id=lead.id, date=day(lead.target_date), grade=label("grade", lead.opportunity_grade)
            ),
        ),
    )


def _regrade_one(
    lead: LeadRow,
    counts: dict[int, BehaviourCounts],
    assessments: dict[int, OpportunityAssessment],
    now: dt.datetime,
    rules: RulesConfig,
    result: RegradeResult,
    zones: TeamZones,
) -> None:
    """Rescore and re-grade one lead, counting (and listing) what changed and why."""
    result.examined += 1
    before = {
        "grade": lead.grade,
        "priority": lead.priority,
        "opportunity_grade": lead.opportunity_grade,
    }
    was_slipped, old_score = lead.slipped, lead.score
    graded = None
    why: dict[str, str] = {}
    assessment = assessments.get(lead.id)
    if assessment is not None:
        facts, slipped = current_facts(
            OpportunityFacts(
                urgency=Urgency(assessment.urgency),
                budget=assessment.budget,
                competition=Competition(assessment.competition),
                decision_chain=DecisionChain(assessment.decision_chain),
            ),
            lead.budget_confirmed,
            lead.target_date,
            now.date(),
            rules,
        )
        graded = opportunity_grade(facts, rules, slipped)
        why["opportunity_grade"] = (
            f"{graded.reason} ({graded.points} points, budget "
            f"{facts.budget:,.0f}, urgency {facts.urgency.value})"
        )
    counted = counts.get(lead.id, BehaviourCounts())
    ev = reassess(lead, counted, now, rules, zones.of(lead.team_id), opportunity=graded).evaluation
    if lead.score != old_score:
        result.rescored += 1
    why["grade"] = "; ".join(ev.grade.reasons)
    why["priority"] = f"score {old_score} -> {lead.score}"
    short = approval_falls_short(lead, rules) if graded is not None else None
    if short:
        why["opportunity_grade"] += f"; {short}"
    if lead.slipped and not was_slipped:
        result.slipped.append(lead.id)
    for field, old in before.items():
        new = getattr(lead, field)
        if new != old:
            key = f"{field} {old or '-'}->{new or '-'}"
            result.counts[key] = result.counts.get(key, 0) + 1
            if len(result.changes) < MAX_LISTED:
                result.changes.append(
                    GradeChange(lead_id=lead.id, field=field, old=old, new=new, why=why[field])
                )
