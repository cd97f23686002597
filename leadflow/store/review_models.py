"""What the review meeting concludes: success factors, failure factors and improvement
measures per period and team (seed template 4, 转化复盘分析表)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.store.models import Base


class ReviewNote(Base):
    """A period's meeting conclusions, for one team or (no team) for the company."""

    __tablename__ = "review_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    success: Mapped[list[str]]
    failure: Mapped[list[str]]
    improve: Mapped[list[str]]
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime]

    # NULL team ids never collide in SQL: the service finds the company's row itself.
    __table_args__ = (UniqueConstraint("period", "team_id", name="uq_review_notes_period_team"),)
