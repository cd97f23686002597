"""The review's shape: what a period's review holds, as pydantic models (its JSON, the
flow's artifacts); render.py, html.py and xlsx.py draw it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from leadflow.review.activity_targets import ActivityTargetLine
from leadflow.review.funnel import FunnelStep
from leadflow.review.notes import ReviewNotes
from leadflow.review.tiers import TierLine
from leadflow.winmodel.review import WinReview


class Bucket(BaseModel):
    """One bar of the cycle-time histogram: deals whose opportunity-to-won days fall in it."""

    label: str
    count: int


class ChannelLine(BaseModel):
    """One channel: the cohort's leads, valid leads, wins and conversion; deals won in the
    period, their value and average size."""

    channel: str
    leads: int
    touched: int = Field(
        0,
        description="Leads the channel brought first, plus leads it "
        "touched again (a returning contact's inquiry) in the period.",
    )
    valid: int
    won: int
    conversion_rate: float
    deals_won: int
    won_value: float
    average_deal_size: float | None


class LossShare(BaseModel):
    """One loss reason: deals lost in the period for it, and its share of them."""

    reason: str
    count: int
    share: float


class SlaLine(BaseModel):
    """First-contact SLA for one priority: met, breached, pending and met / (met + breached)."""

    priority: str
    met: int
    breached: int
    pending: int
    compliance: float | None


class GradeMove(BaseModel):
    """Lead grade changes from one grade to another recorded in the period."""

    old: str
    new: str
    count: int


class TargetLine(BaseModel):
    """A rep's or team's results against the period's target (progress in percent)."""

    id: int
    name: str
    team: str | None
    open_leads: int
    open_value: float | None  # None when masked: it adds up budgets
    won: int
    won_value: float
    lost: int = 0  # deals lost in the period (not leads disqualified at screening)
    win_rate: float | None = None  # won / (won + lost); None with no deal closed
    new_customers: int
    repeat_rate: float
    target_revenue: float | None
    target_new_customers: int | None
    target_repeat_rate: float | None
    revenue_progress: float | None
    new_customers_progress: float | None
    late_logs: int = 0  # contacts logged in the period more than log_within_hours late


class Review(BaseModel):
    """The review of one period (spec §9); see leadflow.review.build for the definitions."""

    period: str
    kind: str  # quarter, month or week (an ISO week, Monday to Sunday)
    timezone: str = "UTC"  # whose clock the period's bounds are local midnights on
    team_id: int | None = None  # a team's review: only that team's leads, reps and result
    team: str | None = None
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    total_leads: int
    valid_leads: int
    opportunities: int
    grade_a_opportunities: int
    cohort_won: int
    conversion_rate: float
    won_deals: int
    won_value: float
    average_deal_size: float | None
    average_cycle_days: float | None
    cycle_distribution: list[Bucket]
    channels: list[ChannelLine]
    lost_deals: int
    loss_reasons: list[LossShare]
    sla: list[SlaLine]
    sla_compliance: float | None
    funnel: list[FunnelStep]
    reps: list[TargetLine]
    teams: list[TargetLine]
    grade_changes: list[GradeMove]
    win_model: WinReview | None = None
    win_model_status: str | None = Field(
        None,
        description="Without an active win model, why: the history too small, no significant "
        "signal, or none trained.",
    )
    notes: list[ReviewNotes] = Field(
        default_factory=list,
        description="The review meeting's conclusions entered for the period: the "
        "company's (team_id null), then each team's.",
    )
    tiers: list[TierLine] = Field(
        default_factory=list,
        description="Per account tier (key, high, initial, none): leads, open deals, wins.",
    )
    activity_targets: list[ActivityTargetLine] = Field(
        default_factory=list,
        description="Every target of the period with its approval (proposed: not yet "
        "approved by a director) and its activity targets against what was recorded.",
    )
    target_warnings: list[str] = Field(
        default_factory=list,
        description="Where a team's reps' targets do not add up to the team's, with the sums.",
    )
