"""The review's account tiers (seed 004: 初步意向 - 高意向 - 重点客户): per tier, the leads
created in the period, the deals open now and the value won in the period. A lead's tier is
its company's account's (matched by the dedupe company key); leads of companies with no
account count under "none"."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from leadflow.i18n import N_, label
from leadflow.i18n import gettext as _
from leadflow.review.period import Period, within
from leadflow.rules.vocab import AccountTier, State
from leadflow.store.account_models import Account
from leadflow.store.models import Lead

NO_ACCOUNT = "none"
_ORDER = [t.value for t in reversed(AccountTier)] + [NO_ACCOUNT]  # key first
_DEALS = (State.opportunity.value, State.negotiation.value)
TIERS_SHEET = N_("Account tiers")
TIER_HEADERS = (
    N_("Tier"),
    N_("Leads"),
    N_("Open deals"),
    N_("Deals won in period"),
    N_("Won value"),
)


class TierLine(BaseModel):
    """One tier's leads (created in the period), open deals (now) and wins (in the period)."""

    tier: str  # an AccountTier value, or "none": the company has no account
    leads: int
    open_deals: int
    won_deals: int
    won_value: float


def tier_lines(session: Session, period: Period, kept: ColumnElement[bool]) -> list[TierLine]:
    """The tiers with any lead, deal or win, key accounts first; one GROUP BY."""
    tier = func.coalesce(Account.tier, NO_ACCOUNT).label("tier")
    won = within(Lead.won_at, period)
    rows = session.execute(
        select(
            tier,
            func.count().filter(within(Lead.created_at, period)),
            func.count().filter(Lead.state.in_(_DEALS)),
            func.count().filter(won),
            func.sum(Lead.contract_value).filter(won),
        )
        .select_from(Lead)
        .outerjoin(Account, Account.company_key == Lead.company_key)
        .where(kept)
        .group_by(tier)
    ).tuples()
    lines = [
        TierLine(tier=t, leads=n, open_deals=o, won_deals=w, won_value=round(float(v or 0), 2))
        for t, n, o, w, v in rows
        if n or o or w
    ]
    return sorted(lines, key=lambda line: _ORDER.index(line.tier))


def tier_cells(lines: list[TierLine]) -> list[list[Any]]:
    """The rows every format shows: the tier's label in the reader's language, then numbers."""
    return [
        [label("account_tier", t.tier), t.leads, t.open_deals, t.won_deals, t.won_value]
        for t in lines
    ]


def tiers_markdown(lines: list[TierLine], table: Any, section: Any) -> list[str]:
    """The section as Markdown lines, drawn with the review's own table helpers."""
    rows = [[*row[:4], f"{row[4]:,.2f}"] for row in tier_cells(lines)]
    return section(
        _("Account tiers"), table([_(h) for h in TIER_HEADERS], rows, "lr"), tiers_note()
    )


def tiers_note() -> str:
    """What the tiers section counts."""
    return _(
        "A lead's tier is its company's account's (accounts set); leads created in the "
        "period, deals open now (opportunity, negotiation), deals won in the period."
    )
