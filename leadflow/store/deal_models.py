"""What a rep records while working a deal: opportunity assessments, objections, conversion
plans, negotiation minutes, and the later inquiries (touches) of a known contact (their
leads are in models.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.store.models import Base


class OpportunityAssessment(Base):
    """An opportunity grading (spec §7); the newest one per lead is current."""

    __tablename__ = "opportunity_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    urgency: Mapped[str] = mapped_column(String(20))
    budget: Mapped[Decimal]
    competition: Mapped[str] = mapped_column(String(20))
    decision_chain: Mapped[str] = mapped_column(String(20))
    points: Mapped[int]
    grade: Mapped[str] = mapped_column(String(1))
    assessed_by: Mapped[str] = mapped_column(String(120))
    assessed_at: Mapped[dt.datetime]


class Objection(Base):
    """An objection raised in negotiation, and when and how it was answered."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime]
    answered_at: Mapped[dt.datetime | None]
    response: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(120))
    # A key objection goes to the whole team for discussion (its manager is told).
    key: Mapped[bool] = mapped_column(default=False, server_default=false())


class Touch(Base):
    """A later inquiry from a known contact: channel, detail, time, need, what it did."""

    __tablename__ = "lead_touches"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(300))
    at: Mapped[dt.datetime]
    need: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[str] = mapped_column(String(40))


class ConversionPlan(Base):
    """A submitted conversion plan (spec §2, approved before negotiation); newest is current."""

    __tablename__ = "conversion_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    pain_points: Mapped[str] = mapped_column(Text)
    advantages: Mapped[str] = mapped_column(Text)
    strategy: Mapped[str] = mapped_column(Text)
    milestones: Mapped[str] = mapped_column(Text)
    submitted_by: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[dt.datetime]
    # The contract value range offered and the commercial terms (seed 003: a change of
    # price or terms needs internal approval); plans submitted before prices have none.
    price_min: Mapped[Decimal | None]
    price_max: Mapped[Decimal | None]
    terms: Mapped[str | None] = mapped_column(Text)
    approved_role: Mapped[str | None] = mapped_column(String(20))
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[dt.datetime | None]

    # The plans awaiting approval (a manager's day).
    __table_args__ = (
        Index(
            "ix_conversion_plans_unapproved",
            "lead_id",
            sqlite_where=text("approved_at IS NULL"),
            postgresql_where=text("approved_at IS NULL"),
        ),
    )


class PriceDeviation(Base):
    """An approved contract value outside the approved plan's range: win accepts it."""

    __tablename__ = "price_deviations"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("conversion_plans.id", ondelete="CASCADE"))
    value: Mapped[Decimal]
    reason: Mapped[str] = mapped_column(Text)
    approved_role: Mapped[str] = mapped_column(String(20))
    approved_by: Mapped[str] = mapped_column(String(120))
    approved_at: Mapped[dt.datetime]


class NegotiationMinutes(Base):
    """The minutes of one negotiation (seed 003: 形成《谈判纪要》…由客户方联系人签字确认):
    when it was held, the points agreed and the issues still open, and which customer
    contact confirmed them and when. The signature itself stays on paper."""

    __tablename__ = "negotiation_minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[dt.datetime]
    agreed: Mapped[list[str]]
    open_issues: Mapped[list[str]]
    confirmed_by: Mapped[str] = mapped_column(String(120))
    confirmed_title: Mapped[str | None] = mapped_column(String(120))
    confirmed_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[dt.datetime]
