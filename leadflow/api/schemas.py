"""Request and response shapes of the HTTP API (leads come in as leadflow.schemas.LeadIn)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from leadflow.rules.vocab import Seniority
from leadflow.schemas import Flag, LeadIn, RowId, Share, refuse_controls
from leadflow.team.managers import ManagerIn

MAX_BATCH = 1000
# What a person writes about a lead (key points, feedback, reasons): tab and line breaks,
# no other control character, refused naming the field (issue 30).
_LINES = AfterValidator(partial(refuse_controls, lines=True))
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), _LINES
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), _LINES]


def links(lead_id: int) -> dict[str, str]:
    """Where to go next from a lead."""
    base = f"/leads/{lead_id}"
    return {
        "self": base,
        "events": f"{base}/events",
        "activities": f"{base}/activities",
        "transitions": f"{base}/transitions",
    }


class StrictIn(BaseModel):
    """Request bodies: unknown fields are refused, strings stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LeadBatchIn(StrictIn):
    """A batch of leads (documentation shape: items are validated one by one)."""

    leads: list[LeadIn] = Field(min_length=1, max_length=MAX_BATCH)


class LeadRef(BaseModel):
    """A lead as a create call answers: id, state and links."""

    id: int
    state: str
    links: dict[str, str]


class BatchItem(BaseModel):
    """What became of one lead of a batch."""

    index: int
    status: str = Field(description="created | duplicate | rejected")
    id: int | None = None
    state: str | None = None
    links: dict[str, str] | None = None
    errors: dict[str, str] | None = None
    quarantine_id: int | None = None


class BatchOut(BaseModel):
    """What a batch did, item by item."""

    accepted: int
    duplicates: int
    rejected: int
    results: list[BatchItem]


class LeadSummary(BaseModel):
    """A lead in a list (no sensitive fields)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    state: str
    sub_stage: str | None = None
    company_name: str
    contact_name: str
    source: str
    grade: str | None
    priority: str | None
    score: int
    owner_id: int | None
    created_at: dt.datetime


class LeadPage(BaseModel):
    """One page of leads; pass next_cursor as `cursor` for the next one."""

    items: list[LeadSummary]
    next_cursor: int | None


class WinOut(BaseModel):
    """A lead's learned win probability, the factors that moved it most, and the model."""

    probability: float
    factors: list[dict[str, Any]]
    model_id: int
    scored_at: dt.datetime


class LeadOut(BaseModel):
    """A lead in full, with explanation, owner, due times, history and transitions."""

    model_config = ConfigDict(extra="ignore")

    id: int
    external_id: str | None
    state: str
    version: int
    source: str
    source_detail: str | None
    company_name: str
    contact_name: str
    contact_title: str | None
    contact_role: str | None
    phone: str | None
    email: str | None
    need: str
    industry: str | None
    company_size: str | None
    employees: int | None
    annual_revenue: Decimal | None
    region: str | None
    budget_min: Decimal | None
    budget_max: Decimal | None
    budget_match: str | None
    timeline: dt.date | None
    tags: list[str]
    decision_chain_notes: str | None
    internal_notes: str | None
    valid: bool | None
    invalid_reason: str | None
    score: int
    behaviour_score: int
    attribute_score: int
    priority: str | None
    nurture_stage: str | None
    grade: str | None
    opportunity_grade: str | None
    explanation: dict[str, Any] | None
    assignment_reason: str | None
    owner: dict[str, Any] | None
    team_id: int | None
    intent_stated: bool
    budget_confirmed: Decimal | None
    decision_maker_engaged: bool
    target_date: dt.date | None
    approved_role: str | None
    approved_by: str | None
    approved_at: dt.datetime | None
    loss_reason: str | None
    dormant: bool
    slipped: bool = False
    brief_due: dt.datetime | None = None
    brief_at: dt.datetime | None = None
    assess_due: dt.datetime | None = Field(
        default=None, description="When the opportunity's assessment is due after qualify."
    )
    grade_confirm_due: dt.datetime | None = Field(
        default=None, description="When the manager's confirmation of the grade is due."
    )
    grade_confirmed_by: str | None = None
    grade_confirmed_at: dt.datetime | None = None
    grade_override: str | None = Field(
        default=None, description="The grade a manager set in place of the assessed one."
    )
    followers: list[str] = Field(
        default=[], description="Who follows the deal: the directors and the core team."
    )
    sub_stage: str | None = Field(
        default=None, description="The stage inside an opportunity or negotiation (seed 001)."
    )
    sub_stage_at: dt.datetime | None = None
    first_opportunity_at: dt.datetime | None = None
    customer_type: str | None = None
    entered_by: str | None = None
    entered_at: dt.datetime | None = None
    migrated_at: dt.datetime | None = Field(
        default=None,
        description="When the lead was brought with its past from another CRM (its clocks "
        "start then); none for a lead that came in live.",
    )
    to_confirm: dict[str, str | None] = Field(
        default={},
        description="What a person should confirm: a budget or time that could not be read, "
        "or that was read from the need (field -> the words as written).",
    )
    missing: list[str] = Field(
        default=[], description="Required fields (data_quality.required_fields) left empty."
    )
    check_state: str | None = Field(
        default=None,
        description="A supervisor's check of a lead entered by hand or file: pending, ok or "
        "fixed (none for leads other systems send).",
    )
    checked_by: str | None = None
    checked_at: dt.datetime | None = None
    facts_confirmed_at: dt.datetime | None = Field(
        default=None, description="When the facts were last confirmed (monthly re-verification)."
    )
    sla: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    allowed_triggers: list[str]
    transitions: list[dict[str, Any]]
    history: list[dict[str, Any]]
    activities: list[dict[str, Any]]
    objections: list[dict[str, Any]]
    minutes: list[dict[str, Any]] = Field(
        default=[],
        description="The negotiation minutes: points agreed, open issues, who confirmed them.",
    )
    touches: list[dict[str, Any]] = Field(
        description="Every inquiry: the first touch (the lead's source), then each later one."
    )
    customer: list[dict[str, Any]] = Field(
        description="The customer's other leads (repeat business links)."
    )
    plan: dict[str, Any] | None
    repeat_of_id: int | None
    contract_value: Decimal | None
    payment_terms: str | None
    delivery_date: dt.date | None
    promised: str | None
    legal_reviewed_by: str | None
    contract: dict[str, Any] | None = Field(
        default=None,
        description="The contract: its terms, who drafted it, legal's review, who approved "
        "it, and its status (draft, approved, signed).",
    )
    invalid_review: str | None
    screening: str | None = Field(
        default=None,
        description="Where the lead stands with screening: a disqualified lead whose facts "
        "pass now (and how to reinstate it), or a reinstated one that screening would fail "
        "(who reinstated it, when and why).",
    )
    masked: list[str] = Field(description="Sensitive fields hidden from this key's role.")
    links: dict[str, str]
    win: WinOut | None = Field(
        default=None,
        description="Win probability from the active "
        "model, with its top factors (informs people; no rule reads it).",
    )


class RepPatch(StrictIn):
    """Changes to a rep: any subset of these fields."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    team_id: RowId | None = None
    regions: list[Annotated[str, StringConstraints(max_length=100)]] | None = None
    industries: list[Annotated[str, StringConstraints(max_length=100)]] | None = None
    seniority: Seniority | None = None
    capacity: int | None = Field(None, ge=0, le=100_000)
    away: Flag | None = None
    close_rate: Share | None = None
    notify_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    no_email: Flag | None = Field(None, description="true: remove the rep's email, on purpose")


class TeamPatch(StrictIn):
    """Changes to a team: any subset of these fields (the service checks them)."""

    name: str | None = None
    manager_name: str | None = None
    manager_email: str | None = None
    managers: list[ManagerIn] | None = Field(
        None, description="Every manager in order, replacing the team's; notices go to each."
    )
    notify_url: str | None = None
    no_email: Flag | None = Field(None, description="true: remove the manager's email, on purpose")
    timezone: str | None = Field(
        None, description="IANA time zone (Asia/Shanghai); null: the default zone."
    )
    customer_types: list[str] | None = Field(
        None, description="company, individual (seed 000); []: the team takes both."
    )


class TeamOut(BaseModel):
    """A team, its territory and its time zone."""

    id: int
    name: str
    manager: str | None = Field(description="The first manager's name.")
    manager_email: str | None = Field(description="The first manager's email.")
    managers: list[ManagerIn] = Field(
        default_factory=list, description="Every manager in order; notices go to each."
    )
    regions: list[str]
    industries: list[str]
    company_sizes: list[str]
    customer_types: list[str] = Field(
        default_factory=list, description="company, individual; empty: both."
    )
    timezone: str = Field(
        description="IANA time zone: its business hours, SLAs, reminders and review periods."
    )


class RepOut(BaseModel):
    """A rep with their open-lead load."""

    id: int
    name: str
    team: str | None
    seniority: str
    regions: list[str]
    industries: list[str]
    open_leads: int
    capacity: int
    away: bool
    close_rate: float


class QuarantineItem(BaseModel):
    """A rejected payload, verbatim less refused personal data, with its errors (the last
    one says what was removed)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    origin: str
    payload: str
    errors: list[str]
    received_at: dt.datetime
    replayed_lead_id: int | None


class QuarantinePage(BaseModel):
    """One page of quarantined records."""

    items: list[QuarantineItem]
    next_cursor: int | None


class ErrorOut(BaseModel):
    """Every error: a message, and per-field messages when input was invalid."""

    detail: str
    errors: dict[str, str] | None = Field(None, description="A message per field")
    quarantine_id: int | None = Field(None, description="Where the refused payload is kept")
    allowed: list[str] | None = Field(None, description="Triggers the lead's state allows")
    state: str | None = None
    trigger: str | None = None
    reason: str | None = Field(None, description="Why a guard refused the trigger")
    error_id: str | None = Field(None, description="The server log's id for this failure")
