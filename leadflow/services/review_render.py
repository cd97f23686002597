"""The review's output: its pydantic shape (JSON, artifacts) and its Markdown report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field

# Cycle-time histogram: (label, exclusive upper bound in days); the last bucket is open.
CYCLE_BUCKETS: list[tuple[str, float]] = [
    ("0-7", 8), ("8-14", 15), ("15-30", 31), ("31-60", 61), ("61-90", 91), ("90+", float("inf"))]
_BAR_WIDTH = 20


class Bucket(BaseModel):
    """One bar of the cycle-time histogram: deals whose opportunity-to-won days fall in it."""

    label: str
    count: int


class ChannelLine(BaseModel):
    """One channel: the cohort's leads, valid leads, wins and conversion; deals won in the
    period, their value and average size."""

    channel: str
    leads: int
    touched: int = Field(0, description="Leads the channel brought first, plus leads it "
                         "touched again (a returning contact's inquiry) in the period.")
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


class FunnelStep(BaseModel):
    """How many of the cohort reached a state, and their share of the leads created."""

    state: str
    count: int
    share: float


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
    open_value: float
    won: int
    won_value: float
    new_customers: int
    repeat_rate: float
    target_revenue: float | None
    target_new_customers: int | None
    target_repeat_rate: float | None
    revenue_progress: float | None
    new_customers_progress: float | None


class Review(BaseModel):
    """The review of one period (spec §9); see leadflow.services.review for the definitions."""

    period: str
    kind: str
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


def pct(value: float | None, already_percent: bool = False) -> str:
    """A share (0-1, or a percent already) as '12.5%'; n/a for None."""
    if value is None:
        return "n/a"
    return f"{value if already_percent else value * 100:.1f}%"


def money(value: float | None) -> str:
    """An amount as '1,234.50'; n/a for None."""
    return "n/a" if value is None else f"{value:,.2f}"


def _bar(count: int, largest: int) -> str:
    return "█" * round(_BAR_WIDTH * count / largest) if largest else ""


def _cell(value: object) -> str:
    text = "n/a" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "l"
           ) -> list[str]:
    """A Markdown table; `align` holds l or r per column, the last letter repeating."""
    if not rows:
        return ["_None in this period._", ""]
    letters = align + align[-1] * (len(headers) - len(align))
    rule = ["---:" if letter == "r" else "---" for letter in letters]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _section(title: str, lines: list[str], note: str | None = None) -> list[str]:
    return [f"## {title}", "", *([f"_{note}_", ""] if note else []), *lines]


def _headline(r: Review) -> list[str]:
    rows = [
        ("Leads created", r.total_leads), ("Valid leads", r.valid_leads),
        ("Opportunities", r.opportunities), ("Grade-A opportunities", r.grade_a_opportunities),
        ("Won, of the leads created", r.cohort_won),
        ("Conversion rate (won / valid)", pct(r.conversion_rate)),
        ("Deals won in the period", r.won_deals), ("Won value", money(r.won_value)),
        ("Average deal size", money(r.average_deal_size)),
        ("Average cycle, opportunity to won",
         "n/a" if r.average_cycle_days is None else f"{r.average_cycle_days:.1f} days"),
        ("Deals lost in the period", r.lost_deals),
        ("First-contact SLA compliance", pct(r.sla_compliance)),
    ]
    return _table(["Measure", "Value"], rows, "lr")


def _targets(lines: Sequence[TargetLine], with_team: bool) -> list[str]:
    headers = ["Name", *(["Team"] if with_team else []), "Open leads", "Open value", "Won",
               "Won value", "Revenue target", "Revenue progress", "New customers",
               "New-customer target", "New-customer progress", "Repeat rate", "Repeat target"]
    rows = [[t.name, *([t.team] if with_team else []), t.open_leads, money(t.open_value),
             t.won, money(t.won_value), money(t.target_revenue),
             pct(t.revenue_progress, True), t.new_customers, t.target_new_customers,
             pct(t.new_customers_progress, True), pct(t.repeat_rate),
             pct(t.target_repeat_rate)] for t in lines]
    return _table(headers, rows, "llr" if with_team else "lr")


def review_markdown(review: Review) -> str:
    """A readable Markdown report: headline numbers, then one table per topic."""
    r = review
    top_funnel = max((s.count for s in r.funnel), default=0)
    top_cycle = max((b.count for b in r.cycle_distribution), default=0)
    parts = [
        f"# Pipeline review {r.period}", "",
        (f"_{r.kind.capitalize()} from {r.start:%Y-%m-%d} to "
         f"{r.end - dt.timedelta(days=1):%Y-%m-%d} (UTC), generated "
         f"{r.generated_at:%Y-%m-%d %H:%M} UTC._"), "",
        *_section("Headline", _headline(r),
                  "Totals, funnel, conversion and SLA cover the leads created in the period; "
                  "won value, cycle, losses and targets cover deals closed in it."),
        *_section("Funnel", _table(["Stage", "Leads", "Share", ""], [
            [s.state, s.count, pct(s.share), _bar(s.count, top_funnel)] for s in r.funnel],
            "lrrl")),
        *_section("Channels", _table(
            ["Channel", "Leads", "Valid", "Won", "Conversion", "Deals won in period",
             "Won value", "Average deal"],
            [[c.channel, c.leads, c.valid, c.won, pct(c.conversion_rate), c.deals_won,
              money(c.won_value), money(c.average_deal_size)] for c in r.channels], "lr")),
        *_section("Deal cycle, opportunity to won", _table(["Days", "Deals", ""], [
            [b.label, b.count, _bar(b.count, top_cycle)] for b in r.cycle_distribution],
            "lrl")),
        *_section("Loss reasons", _table(["Reason", "Deals", "Share"], [
            [s.reason, s.count, pct(s.share)] for s in r.loss_reasons], "lr"),
                  "Leads disqualified at screening are counted as invalid, not as lost deals."),
        *_section("First-contact SLA", _table(
            ["Priority", "Met", "Breached", "Pending", "Compliance"],
            [[s.priority, s.met, s.breached, s.pending, pct(s.compliance)] for s in r.sla],
            "lr")),
        *_section("Reps against target", _targets(r.reps, True),
                  "Open leads and value are as of now; value is the confirmed budget, "
                  "else the stated maximum."),
        *_section("Teams against target", _targets(r.teams, False)),
        *_section("Grade changes", _table(["From", "To", "Leads"], [
            [m.old, m.new, m.count] for m in r.grade_changes], "llr")),
    ]
    return "\n".join(parts).rstrip() + "\n"
