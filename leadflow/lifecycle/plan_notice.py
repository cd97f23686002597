"""Telling a plan's approver that it awaits them: the team's manager for a grade the rules
give to a manager, the directors for one they give to a director (seed 003: 价格或条款
变动,需内部审批). One notice per submitted plan, through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TypedDict

from sqlalchemy.orm import Session

from leadflow.i18n import gettext as _
from leadflow.i18n import label, moment, money
from leadflow.notify.messages import notify, send_on
from leadflow.notify.reach import Route
from leadflow.rules.config import RulesConfig
from leadflow.rules.vocab import Role, State
from leadflow.store.deal_models import ConversionPlan
from leadflow.store.models import Lead, Team


class _Notice(TypedDict):
    """One notice's words and key, whichever way it goes."""

    key: str
    kind: str
    lead_id: int
    subject: str
    body: str
    now: dt.datetime


def amount(value: Decimal) -> str:
    """An amount as refusals and history write it: 500,000 (cents only when there are)."""
    return f"{value:,.2f}".removesuffix(".00")


def price_text(plan: ConversionPlan) -> str:
    """A plan's price range as 500,000-800,000; 'none' for a plan from before prices."""
    if plan.price_min is None or plan.price_max is None:
        return "none"
    return f"{amount(plan.price_min)}-{amount(plan.price_max)}"


def tell_approver(
    session: Session,
    lead: Lead,
    plan: ConversionPlan,
    role: Role,
    directors: Sequence[str],
    now: dt.datetime,
    rules: RulesConfig,
) -> None:
    """Queue the notice that `plan` awaits approval by `role`: to the directors, or to the
    team's manager (their stand-ins when unreachable); keyed by the plan, so once."""
    revised = lead.state == State.negotiation.value
    subject = (
        _("Revised plan awaits your approval: lead #{id} {company}")
        if revised
        else _("Conversion plan awaits your approval: lead #{id} {company}")
    ).format(id=lead.id, company=lead.company_name)
    body = _(
        "{by} submitted a conversion plan for lead #{id} ({company}) on {when} UTC: price "
        "{low} to {high}, terms: {terms}. It awaits approval by a {role} (leadflow leads "
        "approve {id}, or POST /leads/{id}/approval)."
    ).format(
        by=plan.submitted_by,
        id=lead.id,
        company=lead.company_name,
        when=moment(plan.submitted_at),
        low=money(float(plan.price_min or 0)),
        high=money(float(plan.price_max or 0)),
        terms=plan.terms or "-",
        role=label("role", role.value),
    )
    notice: _Notice = {
        "key": f"plan:{plan.id}",
        "kind": "plan_approval",
        "lead_id": lead.id,
        "subject": subject,
        "body": body,
        "now": now,
    }
    if role == Role.director:
        send_on(session, Route(tuple(dict.fromkeys(d for d in directors if d))), **notice)
    else:
        team = session.get(Team, lead.team_id) if lead.team_id else None
        notify(session, None, team, rules=rules, **notice)
