"""The review as one self-contained HTML page: headline cards, six charts, every table."""

from __future__ import annotations

from pydantic import BaseModel

from leadflow.i18n import gettext as _
from leadflow.i18n import money, not_available, number
from leadflow.review.activity_targets import (
    ACTIVITY_HEADERS,
    activity_note,
    activity_rows,
    proposed_label,
)
from leadflow.review.charts import calibration_chart, review_charts
from leadflow.review.funnel import funnel_rows
from leadflow.review.model import Review
from leadflow.review.render import (
    closed_line,
    cohort_line,
    cohort_note,
    factor_headers,
    losses_note,
    notes_title,
    pct,
    period_line,
    pipeline_note,
    review_title,
    win_rate_note,
)
from leadflow.review.tiers import tiers_note
from leadflow.templates import render


class Card(BaseModel):
    """One headline number: what it is, its value, and a line of context."""

    key: str
    label: str
    value: str
    sub: str | None = None


def headline_cards(r: Review) -> list[Card]:
    """The numbers a manager looks at first, in the current language."""
    cycle = (
        not_available()
        if r.average_cycle_days is None
        else _("{days} d").format(days=number(r.average_cycle_days, 1))
    )
    share = r.valid_leads / r.total_leads if r.total_leads else None
    return [
        Card(key="total_leads", label=_("Leads created"), value=number(r.total_leads)),
        Card(
            key="valid_leads",
            label=_("Valid leads"),
            value=number(r.valid_leads),
            sub=_("{share} of created").format(share=pct(share)),
        ),
        Card(
            key="opportunities",
            label=_("Opportunities"),
            value=number(r.opportunities),
            sub=_("{count} grade A").format(count=number(r.grade_a_opportunities)),
        ),
        Card(
            key="conversion_rate",
            label=_("Conversion"),
            value=pct(r.conversion_rate),
            sub=_("won / valid: {won} of {valid}").format(
                won=number(r.cohort_won), valid=number(r.valid_leads)
            ),
        ),
        Card(
            key="won_deals",
            label=_("Deals won"),
            value=number(r.won_deals),
            sub=_("worth {value}").format(value=money(r.won_value, 0)),
        ),
        Card(key="average_deal_size", label=_("Average deal"), value=money(r.average_deal_size, 0)),
        Card(
            key="average_cycle_days",
            label=_("Average cycle"),
            value=cycle,
            sub=_("opportunity to won"),
        ),
        Card(
            key="sla_compliance",
            label=_("First-contact SLA"),
            value=pct(r.sla_compliance),
            sub=_("contacted in time"),
        ),
        Card(key="lost_deals", label=_("Deals lost"), value=number(r.lost_deals)),
    ]


def review_html(review: Review, built_line: str | None = None) -> str:
    """The whole report as one HTML file in the current language (charts embedded as SVG
    whose text the browser draws, no outside links); `built_line` under the period says
    when a kept copy was made."""
    return render(
        "review.html.j2",
        r=review,
        built_line=built_line,
        cards=headline_cards(review),
        charts=review_charts(review),
        funnel=funnel_rows(review.funnel),
        pct=pct,
        money=money,
        title=review_title(review.period),
        period_line=period_line(review),
        cohort_note=cohort_note(),
        closed_line=closed_line(review),
        cohort_line=cohort_line(review),
        losses_note=losses_note(),
        pipeline_note=pipeline_note(),
        win_rate_note=win_rate_note(),
        factor_headers=factor_headers(),
        notes_title=notes_title,
        tiers_note=tiers_note(),
        activity_headers=[_(h) for h in ACTIVITY_HEADERS],
        activity_rows=activity_rows(review.activity_targets),
        activity_note=activity_note(),
        proposed_label=proposed_label(),
        win_chart=calibration_chart(review.win_model) if review.win_model else None,
    )
