"""SQLAlchemy 2 models: leads and everything the lifecycle records about them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import (
    Mapped,
    WriteOnlyMapped,
    mapped_column,
    relationship,
)

from leadflow.rules.vocab import State

# Re-exported: the model modules and the rest of LeadFlow import them from here.
from leadflow.store.base import Base as Base
from leadflow.store.base import Money as Money
from leadflow.store.base import UtcDateTime as UtcDateTime
from leadflow.store.base import stored_utc as stored_utc
from leadflow.store.base import utcnow as utcnow

_STATES = ", ".join(f"'{s.value}'" for s in State)


class Team(Base):
    """A sales team, its manager and the territory it covers."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    manager_name: Mapped[str | None] = mapped_column(String(120))
    manager_email: Mapped[str | None] = mapped_column(String(254))
    regions: Mapped[list[str]] = mapped_column(default=list)
    industries: Mapped[list[str]] = mapped_column(default=list)
    company_sizes: Mapped[list[str]] = mapped_column(default=list)
    # Seed 000 routes by customer type too: company, individual (empty: both).
    customer_types: Mapped[list[str]] = mapped_column(default=list, server_default=text("'[]'"))
    notify_url: Mapped[str | None] = mapped_column(String(500))
    # IANA name: business hours, SLAs, reminders and review periods run on this clock.
    timezone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    # Every manager in order; manager_name and manager_email above repeat the first.
    managers: Mapped[list[TeamManager]] = relationship(
        order_by="TeamManager.position", lazy="selectin", cascade="all, delete-orphan"
    )


class TeamManager(Base):
    """One of a team's managers (a name, an email or both); the first is also kept on the
    team's manager_name and manager_email, which it had before it could have several."""

    __tablename__ = "team_managers"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))

    __table_args__ = (UniqueConstraint("team_id", "position", name="uq_team_managers_place"),)


class SalesRep(Base):
    """A rep: team, territory, seniority, capacity and whether they are away."""

    __tablename__ = "sales_reps"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    regions: Mapped[list[str]] = mapped_column(default=list)
    industries: Mapped[list[str]] = mapped_column(default=list)
    seniority: Mapped[str] = mapped_column(String(20), default="junior")
    capacity: Mapped[int] = mapped_column(default=50)
    away: Mapped[bool] = mapped_column(default=False)
    close_rate: Mapped[float] = mapped_column(default=0.0)
    last_assigned_at: Mapped[dt.datetime | None]
    notify_url: Mapped[str | None] = mapped_column(String(500))

    team: Mapped[Team | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint("seniority IN ('junior', 'senior')", name="seniority"),
        CheckConstraint("capacity >= 0", name="capacity"),
    )


# A contract draft awaiting approval; both halves in the index's condition, as SQLite's
# planner never reads an index for an IS NOT NULL alone.
CONTRACT_PENDING = "contract_drafted_at IS NOT NULL AND contract_approved_at IS NULL"


class Lead(Base):
    """One lead: the spec §1 record, its lifecycle state, and what the rules concluded."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    source: Mapped[str] = mapped_column(String(40))
    source_detail: Mapped[str | None] = mapped_column(String(300))
    company_name: Mapped[str] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_title: Mapped[str | None] = mapped_column(String(200))
    contact_role: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))
    need: Mapped[str] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(100))
    company_size: Mapped[str | None] = mapped_column(String(10))
    employees: Mapped[int | None]
    annual_revenue: Mapped[Decimal | None]
    region: Mapped[str | None] = mapped_column(String(100))
    budget_min: Mapped[Decimal | None]
    budget_max: Mapped[Decimal | None]
    budget_match: Mapped[str | None] = mapped_column(String(10))
    timeline: Mapped[dt.date | None]
    tags: Mapped[list[str]] = mapped_column(default=list)
    customer_type: Mapped[str | None] = mapped_column(String(12), default="company")
    # Who entered the lead and when (录入人, 录入时间): a register's own words, else who
    # stored it and when (entered_at None: created_at).
    entered_by: Mapped[str | None] = mapped_column(String(120))
    entered_at: Mapped[dt.datetime | None]
    # The API key whose create call stored the lead (None: the CLI, an import, the demo): a
    # system key reads only the leads it created (README, Roles). No foreign key: a key's
    # row is kept when it is revoked, and the lead outlives any clean-up of keys.
    created_by_key: Mapped[int | None] = mapped_column(index=True)
    # What a person should confirm: field -> the words as written (a budget or time that
    # could not be read, or that was read from the need).
    to_confirm: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    # A supervisor's check of a lead entered by hand or from a file (seed 001):
    # pending, ok or fixed; None for leads other systems send.
    check_state: Mapped[str | None] = mapped_column(String(10), index=True)
    checked_by: Mapped[str | None] = mapped_column(String(120))
    checked_at: Mapped[dt.datetime | None]
    # When the facts were last confirmed (monthly re-verification, seed 001).
    facts_confirmed_at: Mapped[dt.datetime | None]
    # Sensitive: shown only to the owner, their manager and directors.
    decision_chain_notes: Mapped[str | None] = mapped_column(Text)
    internal_notes: Mapped[str | None] = mapped_column(Text)

    # Dedupe keys (leadflow.rules.contact).
    email_key: Mapped[str | None] = mapped_column(String(254), index=True)
    phone_key: Mapped[str | None] = mapped_column(String(20), index=True)
    company_key: Mapped[str | None] = mapped_column(String(300), index=True)

    state: Mapped[str] = mapped_column(String(20), default=State.new.value)
    version: Mapped[int] = mapped_column(default=1)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("sales_reps.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))

    # What the rules concluded.
    valid: Mapped[bool | None]
    invalid_reason: Mapped[str | None] = mapped_column(Text)
    behaviour_score: Mapped[int] = mapped_column(default=0)
    attribute_score: Mapped[int] = mapped_column(default=0)
    score: Mapped[int] = mapped_column(default=0)
    priority: Mapped[str | None] = mapped_column(String(10))
    nurture_stage: Mapped[str | None] = mapped_column(String(30))
    grade: Mapped[str | None] = mapped_column(String(1))
    opportunity_grade: Mapped[str | None] = mapped_column(String(1))
    explanation: Mapped[dict[str, Any] | None]
    assignment_reason: Mapped[str | None] = mapped_column(Text)

    # Conversion criteria (spec §6) and approval of the conversion plan.
    intent_stated: Mapped[bool] = mapped_column(default=False)
    budget_confirmed: Mapped[Decimal | None]
    decision_maker_engaged: Mapped[bool] = mapped_column(default=False)
    target_date: Mapped[dt.date | None]
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_role: Mapped[str | None] = mapped_column(String(20))
    approved_at: Mapped[dt.datetime | None]
    # A target date passed without a win (spec §7): the owner is told to re-assess.
    slipped: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The grade-A opportunity brief (立项报告), due brief_due_hours after the grade.
    brief_due: Mapped[dt.datetime | None]
    brief_at: Mapped[dt.datetime | None]
    brief: Mapped[str | None] = mapped_column(Text)
    # Seed 002: the assessment (商机评估分级表) is due assess_due_hours after `qualify`; a
    # sales manager confirms (or changes) the assessed grade; a confirmed grade-A deal is
    # followed by the directors and the core team (their addresses).
    assess_due: Mapped[dt.datetime | None]
    grade_confirm_due: Mapped[dt.datetime | None]
    grade_confirmed_by: Mapped[str | None] = mapped_column(String(120))
    grade_confirmed_at: Mapped[dt.datetime | None]
    # The grade a manager set in place of the assessed one: the weekly re-grade keeps it
    # until the deal is assessed again.
    grade_override: Mapped[str | None] = mapped_column(String(1))
    followers: Mapped[list[str]] = mapped_column(default=list, server_default=text("'[]'"))
    # Seed 001: the stage inside a deal (技术评估阶段, 价格谈判阶段), one of the state's
    # configured sub-stages (rules.yaml: stages), and when it was reached; empty outside
    # opportunity and negotiation.
    sub_stage: Mapped[str | None] = mapped_column(String(60))
    sub_stage_at: Mapped[dt.datetime | None]

    # Contract terms: drafted and approved in negotiation, signed with the win (spec §8).
    contract_value: Mapped[Decimal | None]
    payment_terms: Mapped[str | None] = mapped_column(String(300))
    delivery_date: Mapped[dt.date | None]
    promised: Mapped[str | None] = mapped_column(Text)  # one promise a line
    legal_reviewed_by: Mapped[str | None] = mapped_column(String(120))
    # Seed 002 (起草合同(需法务审核),明确交付标准、付款周期、违约责任) and seed 001 (拟定合同并
    # 提交审批): the draft's acceptance standard, liability and confidentiality terms, when
    # legal reviewed it, who drafted it last, and who approved it (cleared by a change).
    acceptance_standard: Mapped[str | None] = mapped_column(Text)
    liability_terms: Mapped[str | None] = mapped_column(Text)
    confidentiality_terms: Mapped[str | None] = mapped_column(Text)
    legal_reviewed_at: Mapped[dt.datetime | None]
    contract_drafted_by: Mapped[str | None] = mapped_column(String(120))
    contract_drafted_at: Mapped[dt.datetime | None]
    contract_approved_by: Mapped[str | None] = mapped_column(String(120))
    contract_approved_role: Mapped[str | None] = mapped_column(String(20))
    contract_approved_at: Mapped[dt.datetime | None]
    # The handoff to delivery (spec §8, seed 003): who in delivery owns the deal, when
    # delivery starts and goes live, and the customer's contact for delivery ("name, reach").
    delivery_owner: Mapped[str | None] = mapped_column(String(120))
    delivery_start: Mapped[dt.date | None]
    go_live: Mapped[dt.date | None]
    delivery_contact: Mapped[str | None] = mapped_column(String(200))
    loss_reason: Mapped[str | None] = mapped_column(String(200))  # a CRM's own words too
    migrated_at: Mapped[dt.datetime | None]  # from a CRM's history: its clocks start here

    # Timers.
    assigned_at: Mapped[dt.datetime | None]
    first_contact_due: Mapped[dt.datetime | None]
    first_contacted_at: Mapped[dt.datetime | None]
    last_contact_at: Mapped[dt.datetime | None]
    next_action: Mapped[str | None] = mapped_column(Text)
    next_action_due: Mapped[dt.datetime | None]
    next_cadence_due: Mapped[dt.datetime | None]
    dormant: Mapped[bool] = mapped_column(default=False)
    last_interaction_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    # A won customer's new inquiry is a new lead, linked to the lead it repeats.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    # A sales manager's review of a disqualified lead: confirmed or reinstated.
    invalid_review: Mapped[str | None] = mapped_column(String(20))
    invalid_reviewed_by: Mapped[str | None] = mapped_column(String(120))
    invalid_reviewed_at: Mapped[dt.datetime | None]

    # When each state was entered (cycle times), and bookkeeping.
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    screened_at: Mapped[dt.datetime | None]
    nurturing_at: Mapped[dt.datetime | None]
    opportunity_at: Mapped[dt.datetime | None]
    first_opportunity_at: Mapped[dt.datetime | None]  # never overwritten: cycle starts here
    negotiation_at: Mapped[dt.datetime | None]
    won_at: Mapped[dt.datetime | None]
    lost_at: Mapped[dt.datetime | None]

    owner: Mapped[SalesRep | None] = relationship(lazy="raise")
    transitions: WriteOnlyMapped[TransitionAudit] = relationship(
        order_by="TransitionAudit.id", passive_deletes=True
    )
    history: WriteOnlyMapped[FieldChange] = relationship(
        order_by="FieldChange.id", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(f"state IN ({_STATES})", name="state"),
        Index("ix_leads_state_owner", "state", "owner_id"),
        # A pipeline column: a state's leads in id order; the invalid leads to review.
        Index("ix_leads_state_id", "state", "id"),
        Index("ix_leads_reason_lost_at", "loss_reason", "lost_at"),
        # Contract drafts awaiting approval (a manager's day).
        Index(
            "ix_leads_contract_pending",
            "contract_drafted_at",
            sqlite_where=text(CONTRACT_PENDING),
            postgresql_where=text(CONTRACT_PENDING),
        ),
        Index("ix_leads_next_action_due", "next_action_due"),
        Index("ix_leads_first_contact_due", "first_contact_due"),
        Index("ix_leads_next_cadence_due", "next_cadence_due"),
        Index("ix_leads_team_state", "team_id", "state"),
        # Reviews select by when leads arrived, were won and were lost.
        Index("ix_leads_created_at", "created_at"),
        Index("ix_leads_won_at", "won_at"),
        Index("ix_leads_lost_at", "lost_at"),
        # The reminder scan: each timer behind its state (closed leads keep old timers),
        # first contact only while pending, so the scan reads the due rows only.
        Index(
            "ix_leads_first_contact_pending",
            "first_contact_due",
            sqlite_where=text("first_contacted_at IS NULL"),
            postgresql_where=text("first_contacted_at IS NULL"),
        ),
        Index("ix_leads_state_next_action_due", "state", "next_action_due"),
        Index("ix_leads_state_next_cadence_due", "state", "next_cadence_due"),
        Index("ix_leads_state_last_contact", "state", "last_contact_at", "assigned_at"),
        Index("ix_leads_state_facts_confirmed", "state", "facts_confirmed_at"),
        Index(
            "ix_leads_brief_pending",
            "brief_due",
            sqlite_where=text("brief_at IS NULL"),
            postgresql_where=text("brief_at IS NULL"),
        ),
        Index(
            "ix_leads_assess_pending",
            "assess_due",
            sqlite_where=text("opportunity_grade IS NULL"),
            postgresql_where=text("opportunity_grade IS NULL"),
        ),
        Index(
            "ix_leads_grade_confirm_pending",
            "grade_confirm_due",
            sqlite_where=text("grade_confirmed_at IS NULL"),
            postgresql_where=text("grade_confirmed_at IS NULL"),
        ),
    )


class TransitionAudit(Base):
    """One row per state change: from, to, trigger, who, when, why."""

    __tablename__ = "lead_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(index=True)


class FieldChange(Base):
    """One row per changed lead field: field, old value, new value, who, when."""

    __tablename__ = "lead_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime]


class Activity(Base):
    """A logged follow-up contact (spec §6)."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("sales_reps.id"))
    at: Mapped[dt.datetime]
    channel: Mapped[str] = mapped_column(String(20))
    key_points: Mapped[str] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    next_action: Mapped[str | None] = mapped_column(Text)
    next_action_due: Mapped[dt.datetime | None]
    logged_at: Mapped[dt.datetime]
    # Logged more than sla.log_within_hours after it happened (spec §6).
    late: Mapped[bool] = mapped_column(default=False, server_default=false())


class BehaviourEvent(Base):
    """A tracked behaviour (page visit, download, webinar, reply) that feeds the score."""

    __tablename__ = "behaviour_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime]
    detail: Mapped[str | None] = mapped_column(String(500))
