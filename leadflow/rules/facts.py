"""What the rules look at: value objects built from a lead row or a JSON record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from leadflow.rules.vocab import (
    BudgetMatch,
    CompanySize,
    Competition,
    ContactRole,
    DecisionChain,
    Urgency,
)


class LeadFacts(BaseModel):
    """The facts of one lead that screening, scoring and grading read."""

    model_config = ConfigDict(from_attributes=True, frozen=True, extra="ignore")

    phone: str | None = None
    email: str | None = None
    need: str | None = None
    industry: str | None = None
    company_size: CompanySize | None = None
    region: str | None = None
    contact_role: ContactRole | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None
    budget_match: BudgetMatch | None = None  # stated by a rep; otherwise derived
    budget_confirmed: Decimal | None = None  # confirmed by a rep: the newest budget fact
    timeline: dt.date | None = None


class ConversionFacts(BaseModel):
    """The four conversion criteria of spec §6, as recorded on the lead."""

    model_config = ConfigDict(from_attributes=True, frozen=True, extra="ignore")

    intent_stated: bool = False
    budget_confirmed: Decimal | None = None
    decision_maker_engaged: bool = False
    target_date: dt.date | None = None


class OpportunityFacts(BaseModel):
    """An opportunity assessment's four dimensions (spec §7)."""

    model_config = ConfigDict(from_attributes=True, frozen=True, extra="forbid")

    urgency: Urgency
    budget: Decimal = Field(ge=0)
    competition: Competition
    decision_chain: DecisionChain


class BehaviourCounts(BaseModel):
    """How often each behaviour happened; fractional once decay is applied."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    page_visit: float = Field(default=0, ge=0)
    download: float = Field(default=0, ge=0)
    webinar: float = Field(default=0, ge=0)
    reply: float = Field(default=0, ge=0)
