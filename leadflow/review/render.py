"""The review's output: its pydantic shape (JSON, artifacts) and its Markdown report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from pydantic import BaseModel, Field

from leadflow.i18n import day, label, moment, money, not_available, number, percent
from leadflow.i18n import gettext as _
from leadflow.review.activity_targets import ActivityTargetLine, activity_markdown
from leadflow.review.funnel import FunnelStep, funnel_rows
from leadflow.review.notes import ReviewNotes
from leadflow.review.tiers import TierLine, tiers_markdown
from leadflow.winmodel.review import WinReview, win_markdown

# Cycle-time histogram: (label, exclusive upper bound in days); the last bucket is open.
CYCLE_BUCKETS: list[tuple[str, float]] = [
    ("0-7", 8),
    ("8-14", 15),
    ("15-30", 31),
    ("31-60", 61),
    ("61-90", 91),
    ("90+", float("inf")),
]
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


def pct(value: float | None, already_percent: bool = False) -> str:
    """A share (0-1, or a percent already) as '12.5%' in the current locale; n/a for None."""
    if value is None:
        return not_available()
    return percent(value / 100 if already_percent else value)


def period_line(r: Review) -> str:
    """What the review covers and when it was made, in one sentence."""
    texts = {
        "quarter": _("Quarter from {start} to {end} ({zone}), generated {generated} UTC"),
        "month": _("Month from {start} to {end} ({zone}), generated {generated} UTC"),
        "week": _("Week from {start} to {end} ({zone}), generated {generated} UTC"),
    }
    text = texts[r.kind].format(
        start=day(r.start),
        end=day(r.end - dt.timedelta(days=1)),
        zone=r.timezone,
        generated=moment(r.generated_at),
    )
    if r.team is None:
        return text
    return _("Team {team}: {period}").format(team=r.team, period=text)


def notes_title(notes: ReviewNotes) -> str:
    """Whose conclusions these are: a team's, or the company's."""
    return notes.team if notes.team is not None else _("Whole company")


def factor_headers() -> list[str]:
    """The three columns of the meeting's conclusions (seed template 4's own names in zh_CN)."""
    return [_("Main success factors"), _("Main failure factors"), _("Improvement measures")]


def cohort_note() -> str:
    """Which population each part of the review counts."""
    return _(
        "Totals, funnel, conversion and SLA cover the leads created in the period; won "
        "value, cycle, losses and targets cover deals closed in it."
    )


def losses_note() -> str:
    """Why invalid leads are not in the loss reasons."""
    return _("Leads disqualified at screening are counted as invalid, not as lost deals.")


def pipeline_note() -> str:
    """What the open pipeline of reps and teams counts."""
    return _(
        "Open leads and value are as of now; value is the confirmed budget, else the "
        "stated maximum."
    )


def win_rate_note() -> str:
    """What a win rate counts."""
    return _(
        "Win rate is deals won over deals won and lost in the period; leads disqualified "
        "at screening are not deals."
    )


def review_title(period: str) -> str:
    """The review's title: its mail subject and its page heading."""
    return _("Pipeline review {period}").format(period=period)


def _bar(count: int, largest: int) -> str:
    return "█" * round(_BAR_WIDTH * count / largest) if largest else ""


def _cell(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = number(value)  # 2,831 (the locale's grouping)
    text = not_available() if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], align: str = "l") -> list[str]:
    """A Markdown table; `align` holds l or r per column, the last letter repeating."""
    if not rows:
        return [f"_{_('None in this period.')}_", ""]
    letters = align + align[-1] * (len(headers) - len(align))
    rule = ["---:" if letter == "r" else "---" for letter in letters]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _section(title: str, lines: list[str], note: str | None = None) -> list[str]:
    return [f"## {title}", "", *([f"_{note}_", ""] if note else []), *lines]


def _headline(r: Review) -> list[str]:
    cycle = (
        not_available()
        if r.average_cycle_days is None
        else _("{days} days").format(days=f"{r.average_cycle_days:.1f}")
    )
    rows = [
        (_("Leads created"), r.total_leads),
        (_("Valid leads"), r.valid_leads),
        (_("Opportunities"), r.opportunities),
        (_("Grade-A opportunities"), r.grade_a_opportunities),
        (_("Won, of the leads created"), r.cohort_won),
        (_("Conversion rate (won / valid)"), pct(r.conversion_rate)),
        (_("Deals won in the period"), r.won_deals),
        (_("Won value"), money(r.won_value)),
        (_("Average deal size"), money(r.average_deal_size)),
        (_("Average cycle, opportunity to won"), cycle),
        (_("Deals lost in the period"), r.lost_deals),
        (_("First-contact SLA compliance"), pct(r.sla_compliance)),
    ]
    return _table([_("Measure"), _("Value")], rows, "lr")


def _targets(lines: Sequence[TargetLine], with_team: bool) -> list[str]:
    headers = [
        _("Name"),
        *([_("Team")] if with_team else []),
        _("Open leads"),
        _("Open value"),
        _("Won"),
        _("Won value"),
        _("Lost"),
        _("Win rate"),
        _("Revenue target"),
        _("Revenue progress"),
        _("New customers"),
        _("New-customer target"),
        _("New-customer progress"),
        _("Repeat rate"),
        _("Repeat target"),
        _("Late logs"),
    ]
    rows = [
        [
            t.name,
            *([t.team] if with_team else []),
            t.open_leads,
            money(t.open_value),
            t.won,
            money(t.won_value),
            t.lost,
            pct(t.win_rate),
            money(t.target_revenue),
            pct(t.revenue_progress, True),
            t.new_customers,
            t.target_new_customers,
            pct(t.new_customers_progress, True),
            pct(t.repeat_rate),
            pct(t.target_repeat_rate),
            t.late_logs,
        ]
        for t in lines
    ]
    return _table(headers, rows, "llr" if with_team else "lr")


def review_markdown(review: Review) -> str:
    """A readable Markdown report in the current language: headline numbers, then one
    table per topic."""
    r = review
    top = max((s.count for s in r.funnel), default=0)
    top_cycle = max((b.count for b in r.cycle_distribution), default=0)
    parts = [
        f"# {review_title(r.period)}",
        "",
        f"_{period_line(r)}._",
        "",
        *_section(_("Headline"), _headline(r), cohort_note()),
        *_section(
            _("Funnel"),
            _table(
                [_("Stage"), _("Leads"), _("Share"), ""],
                [
                    [
                        f"↳ {f.label}" if f.sub else f.label,
                        f.leads,
                        pct(f.share),
                        _bar(f.leads, top),
                    ]
                    for f in funnel_rows(r.funnel)
                ],
                "lrrl",
            ),
        ),
        *_section(
            _("Channels"),
            _table(
                [
                    _("Channel"),
                    _("Leads"),
                    _("Valid"),
                    _("Won"),
                    _("Conversion"),
                    _("Deals won in period"),
                    _("Won value"),
                    _("Average deal"),
                ],
                [
                    [
                        label("channel", c.channel),
                        c.leads,
                        c.valid,
                        c.won,
                        pct(c.conversion_rate),
                        c.deals_won,
                        money(c.won_value),
                        money(c.average_deal_size),
                    ]
                    for c in r.channels
                ],
                "lr",
            ),
        ),
        *_section(
            _("Deal cycle, opportunity to won"),
            _table(
                [_("Days"), _("Deals"), ""],
                [[b.label, b.count, _bar(b.count, top_cycle)] for b in r.cycle_distribution],
                "lrl",
            ),
        ),
        *_section(
            _("Loss reasons"),
            _table(
                [_("Reason"), _("Deals"), _("Share")],
                [[label("loss_reason", s.reason), s.count, pct(s.share)] for s in r.loss_reasons],
                "lr",
            ),
            losses_note(),
        ),
        *_section(
            _("First-contact SLA"),
            _table(
                [_("Priority"), _("Met"), _("Breached"), _("Pending"), _("Compliance")],
                [
                    [label("priority", s.priority), s.met, s.breached, s.pending, pct(s.compliance)]
                    for s in r.sla
                ],
                "lr",
            ),
        ),
        *_section(_("Reps against target"), _targets(r.reps, True), pipeline_note()),
        *_section(_("Teams against target"), _targets(r.teams, False), win_rate_note()),
        *activity_markdown(r.activity_targets, r.target_warnings, _table, _section),
        *_section(
            _("Review meeting"),
            _table(
                [_("Team"), *factor_headers()],
                [
                    [
                        notes_title(n),
                        *["; ".join(f) or None for f in (n.success, n.failure, n.improve)],
                    ]
                    for n in r.notes
                ],
            ),
        ),
        *_section(
            _("Grade changes"),
            _table(
                [_("From"), _("To"), _("Leads")],
                [[label("grade", m.old), label("grade", m.new), m.count] for m in r.grade_changes],
                "llr",
            ),
        ),
        *tiers_markdown(r.tiers, _table, _section),
        *win_markdown(r.win_model, _table, _section),
    ]
    return "\n".join(parts).rstrip() + "\n"
