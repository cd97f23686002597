"""The win-probability model's settings (`win_model:` in config/settings.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WinModelSettings(BaseModel):
    """How much history a model needs, how it is held out, compared and explained."""

    model_config = ConfigDict(extra="forbid")

    min_closed_leads: int = Field(default=200, ge=2)
    min_wins: int = Field(default=20, ge=1)
    min_losses: int = Field(default=20, ge=1)
    holdout_share: float = Field(default=0.2, gt=0, lt=1)
    regularization: float = Field(default=1.0, gt=0)  # inverse strength (C)
    max_iterations: int = Field(default=500, ge=10)
    min_auc_gain: float = Field(default=0.0, ge=-1, le=1)
    # Each closed lead is read as it stood at its cut-off: when it became an opportunity
    # (a lead that never did: `cutoff_days` before its close), or `cutoff_days` before close.
    cutoff: Literal["opportunity", "days_before_close"] = "opportunity"
    cutoff_days: float = Field(default=7.0, ge=0)
    # Active only when the holdout AUC's lead over the score is significant: the lower end
    # of the paired bootstrap's `confidence` interval is above zero ...
    bootstrap_rounds: int = Field(default=300, ge=50, le=10_000)
    bootstrap_max_leads: int = Field(default=20_000, ge=100)  # resampled a round (more: wider)
    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    # ... and its expected calibration error on the holdout is at most this.
    max_calibration_error: float = Field(default=0.1, gt=0, le=1)
    calibration_min_leads: int = Field(default=20, ge=1)  # a bin of the error, at least
    calibration_bins: int = Field(default=10, ge=2, le=50)
    lift_bins: int = Field(default=10, ge=2, le=50)
    top_factors: int = Field(default=3, ge=1, le=10)
    budget_bands: list[float] = Field(default=[50_000, 100_000, 300_000, 1_000_000])
    disagreement_probability: float = Field(default=0.5, gt=0, lt=1)
    disagreements_listed: int = Field(default=20, ge=0)
