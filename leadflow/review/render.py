"""The review as a Markdown report, and the words the other formats share with it (its
shape is in model.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from leadflow.i18n import day, label, moment, money, not_available, number, percent
from leadflow.i18n import gettext as _
from leadflow.review.activity_targets import activity_markdown
from leadflow.review.funnel import funnel_rows
from leadflow.review.model import Review, TargetLine
from leadflow.review.notes import ReviewNotes
from leadflow.review.tiers import tiers_markdown
from leadflow.winmodel.review import win_markdown

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


def closed_line(r: Review) -> str:
    """The deals closed in the period, whenever their leads came in."""
    return _("Closed in the period: {won} won, {lost} lost").format(
        won=number(r.won_deals), lost=number(r.lost_deals)
    )


def cohort_line(r: Review) -> str:
    """What became of the leads created in the period (the cohort), so far."""
    return _("Created in the period (cohort): {won} of {valid} valid leads won so far").format(
        won=number(r.cohort_won), valid=number(r.valid_leads)
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
        *_section(
            _("Headline"),
            [f"- {closed_line(r)}", f"- {cohort_line(r)}", "", *_headline(r)],
            cohort_note(),
        ),
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
        *win_markdown(r.win_model, _table, _section, r.win_model_status),
    ]
    return "\n".join(parts).rstrip() + "\n"
