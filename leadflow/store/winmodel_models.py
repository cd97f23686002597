"""What the win-probability model keeps: each trained version with its metrics and
training window, and the newest probability of each lead with its top factors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.store.models import Base


class WinModel(Base):
    """One trained model version: its coefficients, holdout metrics, window and whether it
    is the active one (at most one is)."""

    __tablename__ = "win_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[dt.datetime]
    trained_by: Mapped[str] = mapped_column(String(120))
    # The closed leads it learned from (by close time) and where its holdout starts.
    window_start: Mapped[dt.datetime]
    window_end: Mapped[dt.datetime]
    holdout_start: Mapped[dt.datetime]
    closed_leads: Mapped[int]
    wins: Mapped[int]
    train_leads: Mapped[int]
    holdout_leads: Mapped[int]
    active: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text)
    library: Mapped[str] = mapped_column(String(60))  # "scikit-learn 1.9.1"
    metrics: Mapped[dict[str, Any]]  # model and score: auc, brier, calibration, lift
    weights: Mapped[dict[str, Any]]  # intercept, per-feature coefficients, baselines

    __table_args__ = (Index("ix_win_models_active", "active"),)


class LeadWinScore(Base):
    """A lead's newest win probability from the active model, and what moved it most."""

    __tablename__ = "lead_win_scores"

    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True
    )
    model_id: Mapped[int] = mapped_column(ForeignKey("win_models.id", ondelete="CASCADE"))
    probability: Mapped[float] = mapped_column(Float)
    # [{"factor": "source trade_show", "points": 8.1}, ...]
    factors: Mapped[list[Any]] = mapped_column(JSON)
    scored_at: Mapped[dt.datetime]

    __table_args__ = (Index("ix_lead_win_scores_probability", "probability"),)
