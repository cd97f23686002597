"""The review as one self-contained HTML page: headline cards, six charts, every table."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from leadflow.services.charts import calibration_chart, review_charts
from leadflow.services.review_render import Review, money, pct
from leadflow.templates import render


class Card(BaseModel):
    """One headline number: what it is, its value, and a line of context."""

    key: str
    label: str
    value: str
    sub: str | None = None


def _whole(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def headline_cards(r: Review) -> list[Card]:
    """The numbers a manager looks at first."""
    cycle = "n/a" if r.average_cycle_days is None else f"{r.average_cycle_days:.1f} d"
    return [
        Card(key="total_leads", label="Leads created", value=f"{r.total_leads:,}"),
        Card(key="valid_leads", label="Valid leads", value=f"{r.valid_leads:,}",
             sub=f"{pct(r.valid_leads / r.total_leads if r.total_leads else None)} of created"),
        Card(key="opportunities", label="Opportunities", value=f"{r.opportunities:,}",
             sub=f"{r.grade_a_opportunities:,} grade A"),
        Card(key="conversion_rate", label="Conversion", value=pct(r.conversion_rate),
             sub=f"won / valid: {r.cohort_won:,} of {r.valid_leads:,}"),
        Card(key="won_deals", label="Deals won", value=f"{r.won_deals:,}",
             sub=f"worth {_whole(r.won_value)}"),
        Card(key="average_deal_size", label="Average deal", value=_whole(r.average_deal_size)),
        Card(key="average_cycle_days", label="Average cycle", value=cycle,
             sub="opportunity to won"),
        Card(key="sla_compliance", label="First-contact SLA", value=pct(r.sla_compliance),
             sub="contacted in time"),
        Card(key="lost_deals", label="Deals lost", value=f"{r.lost_deals:,}"),
    ]


def review_html(review: Review) -> str:
    """The whole report as one HTML file (charts embedded as base64 PNG, no outside links)."""
    return render("review.html.j2", r=review, cards=headline_cards(review),
                  charts=review_charts(review), pct=pct, money=money,
                  win_chart=calibration_chart(review.win_model) if review.win_model else None,
                  last_day=(review.end - dt.timedelta(days=1)).strftime("%Y-%m-%d"))
