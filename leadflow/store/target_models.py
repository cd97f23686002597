"""Period targets per team or rep (spec §9; seed 004: activity targets, 审批与备案)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.store.models import Base


class Target(Base):
    """A period target for a team or a rep (spec §9)."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("sales_reps.id"))
    revenue: Mapped[Decimal | None]
    new_customers: Mapped[int | None]
    repeat_rate: Mapped[float | None]
    # Activity targets (seed 004): valid leads a week per channel ({"trade_show": 3}) and
    # intent customers followed up per working day; what was done is measured, never set.
    valid_leads: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    follow_ups_per_day: Mapped[int | None]
    # Approval and filing (审批与备案): proposed until a director approves it, then filed;
    # a change to a filed target proposes it again.
    status: Mapped[str] = mapped_column(String(10), default="proposed", server_default="proposed")
    proposed_by: Mapped[str | None] = mapped_column(String(120))
    proposed_at: Mapped[dt.datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("(team_id IS NULL) <> (rep_id IS NULL)", name="one_owner"),
        CheckConstraint("status IN ('proposed', 'filed')", name="status"),
        Index("ix_targets_period", "period"),
        UniqueConstraint("period", "team_id", name="uq_targets_period_team"),
        UniqueConstraint("period", "rep_id", name="uq_targets_period_rep"),
    )
