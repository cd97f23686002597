"""Request and response shapes of the per-lead actions: events, follow-ups, transitions,
objections, assessment, approval and conversion criteria."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from leadflow.amounts import Amount, Price
from leadflow.api.schemas import Note, StrictIn, Text, links
from leadflow.lifecycle.plans import PlanIn
from leadflow.rules.facts import OpportunityFacts
from leadflow.rules.vocab import (
    ActivityChannel,
    BehaviourKind,
    Competition,
    DecisionChain,
    ObjectionKind,
    Urgency,
)
from leadflow.schemas import MAX_ID, Flag, Moment
from leadflow.statemachines.lead import allowed_triggers
from leadflow.store.models import Lead


class EventIn(StrictIn):
    """A tracked behaviour."""

    kind: BehaviourKind
    detail: Note | None = None
    at: Moment | None = None


class ScoreOut(BaseModel):
    """A lead's score after an event."""

    id: int
    score: int
    behaviour_score: int
    priority: str | None
    nurture_stage: str | None
    grade: str | None


class ActivityIn(StrictIn):
    """A follow-up contact (spec §6); times must carry a zone."""

    channel: ActivityChannel
    key_points: Text
    at: Moment | None = None
    feedback: Text | None = None
    next_action: Text | None = None
    next_action_due: Moment | None = None


class CreatedOut(BaseModel):
    """A record added to a lead."""

    id: int
    lead_id: int
    links: dict[str, str]


class TransitionIn(StrictIn):
    """Fire a trigger, optionally only if the lead is still at `expected_version`."""

    trigger: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    reason: Note | None = None
    expected_version: int | None = Field(None, ge=1, le=MAX_ID)
    at: Moment | None = None


class TransitionOut(BaseModel):
    """Where a lead stands after a trigger."""

    id: int
    state: str
    version: int
    allowed_triggers: list[str]
    links: dict[str, str]

    @classmethod
    def of(cls, lead: Lead) -> TransitionOut:
        """Where this lead stands now."""
        return cls(
            id=lead.id,
            state=lead.state,
            version=lead.version,
            allowed_triggers=list(allowed_triggers(lead.state)),
            links=links(lead.id),
        )


class ObjectionIn(StrictIn):
    """An objection raised in negotiation."""

    kind: ObjectionKind
    detail: Text
    key: Flag = Field(False, description="A key objection: the team's manager is told.")
    at: Moment | None = None


class AssessmentIn(StrictIn):
    """An opportunity assessment (spec §7)."""

    urgency: Urgency
    budget: Amount
    competition: Competition
    decision_chain: DecisionChain
    at: Moment | None = Field(None, description="When it was assessed, if earlier.")

    def facts(self) -> OpportunityFacts:
        """The rules' value object."""
        return OpportunityFacts.model_validate(self.model_dump(exclude={"at"}))


class AssessmentOut(BaseModel):
    """The opportunity grade."""

    lead_id: int
    points: int
    grade: str


class ApprovalIn(StrictIn):
    """When the plan was approved, if earlier than now (the body may be left out)."""

    at: Moment | None = None


class PlanAtIn(PlanIn):
    """A conversion plan, and when it was submitted if earlier than now."""

    at: Moment | None = None


class ApprovalOut(BaseModel):
    """Who approved the conversion plan."""

    id: int
    approved_role: str | None
    approved_by: str | None
    approved_at: dt.datetime | None


class DeviationIn(StrictIn):
    """A contract value outside the approved plan's range, and why it is approved."""

    value: Price
    reason: Text


class DeviationOut(BaseModel):
    """An approved price deviation: win accepts exactly this value."""

    lead_id: int
    value: Decimal
    reason: str
    approved_role: str
    approved_by: str
    approved_at: dt.datetime


class CriteriaIn(StrictIn):
    """The conversion criteria of spec §6; omitted fields stay as they are."""

    intent_stated: Flag | None = None
    budget_confirmed: Amount | None = None
    decision_maker_engaged: Flag | None = None
    target_date: dt.date | None = None
    at: Moment | None = Field(None, description="When they were learned, if earlier.")


class CriteriaOut(BaseModel):
    """The conversion criteria as recorded."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    intent_stated: bool
    budget_confirmed: Decimal | None
    decision_maker_engaged: bool
    target_date: dt.date | None


class StageIn(StrictIn):
    """Move a deal to one of its state's sub-stages (config/rules.yaml: stages)."""

    stage: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    at: Moment | None = Field(None, description="When it was reached, if earlier.")
    expected_version: int | None = Field(None, ge=1, le=MAX_ID)


class StageOut(BaseModel):
    """A deal's state, its sub-stage and when that was reached."""

    id: int
    version: int
    state: str
    sub_stage: str | None
    sub_stage_at: dt.datetime | None
