"""Delivery handoff (spec §8): one package per won deal, mailed to delivery and managers,
with the post-win review scheduled. Idempotent: the handoff row is unique per lead. A
package is rebuilt and mailed again when its delivery details are set (handoff.details)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.handoff.render import package_html, package_markdown
from leadflow.i18n import actor, day, explain, label, number
from leadflow.i18n import gettext as _
from leadflow.lifecycle.minutes import package_minutes
from leadflow.lifecycle.plans import current_plan
from leadflow.notify.messages import enqueue
from leadflow.notify.reach import addresses_of
from leadflow.rules.config import RulesConfig
from leadflow.rules.contact import contact_parts
from leadflow.rules.timing import add_business_days, handoff_due
from leadflow.settings import Settings
from leadflow.store.deal_models import Objection
from leadflow.store.models import Activity, Lead, SalesRep, Team, TransitionAudit
from leadflow.store.outbound_models import Handoff
from leadflow.team.zones import team_zone


class HandoffResult(BaseModel):
    """Handoffs produced in one pass, their documents (file name -> text) to write, and each
    package's Markdown as the delivery team sees it (budgets and notes masked)."""

    produced: list[int] = []
    skipped: int = 0
    documents: dict[str, str] = {}
    restricted: dict[int, str] = {}


def won_without_handoff(session: Session, limit: int = 5000) -> list[int]:
    """Won leads that have no handoff package yet (a deal won before it was migrated from
    another CRM was delivered there: it gets none)."""
    return list(
        session.scalars(
            select(Lead.id)
            .outerjoin(Handoff, Handoff.lead_id == Lead.id)
            .where(Lead.state == "won", Lead.migrated_at.is_(None), Handoff.id.is_(None))
            .order_by(Lead.id)
            .limit(limit)
        )
    )


def _money(value: Any) -> str:
    return number(float(value)) if value is not None else "-"


def _promised(lead: Lead) -> dict[str, Any]:
    """The promises as solution and extras: the first promise recorded with the contract is
    the solution, the ones after it (training, support, ...) the extras."""
    items = [part.strip() for part in (lead.promised or "").splitlines() if part.strip()]
    return {
        "solution": items[0] if items else None,
        "extras": items[1:],
        "value": _money(lead.contract_value),
    }


def delivery_owner(lead: Lead, settings: Settings) -> str | None:
    """Who in delivery owns the deal: the one set on it, else the configured default."""
    return lead.delivery_owner or settings.delivery_owner


def _customer_contact(lead: Lead) -> dict[str, str | None]:
    """The customer's contact for delivery: the one set on the handoff, else the lead's."""
    if lead.delivery_contact:
        name, reach = contact_parts(lead.delivery_contact)
        return {"name": name, "reach": reach}
    return {
        "name": lead.contact_name,
        "reach": " · ".join(x for x in (lead.email, lead.phone) if x),
    }


def build_package(session: Session, lead: Lead, settings: Settings) -> dict[str, Any]:
    """Everything delivery needs about a won deal, as plain data."""
    owner = session.get(SalesRep, lead.owner_id) if lead.owner_id else None
    activities = session.scalars(
        select(Activity).where(Activity.lead_id == lead.id).order_by(Activity.at)
    ).all()
    objections = session.scalars(
        select(Objection).where(Objection.lead_id == lead.id).order_by(Objection.raised_at)
    ).all()
    transitions = session.scalars(
        select(TransitionAudit)
        .where(TransitionAudit.lead_id == lead.id)
        .order_by(TransitionAudit.id)
    ).all()
    plan = current_plan(session, lead.id)
    timeline = sorted(
        [
            {
                "at": t.at.isoformat(),
                "what": _("{old} -> {new} ({trigger})").format(
                    old=label("state", t.from_state),
                    new=label("state", t.to_state),
                    trigger=label("trigger", t.trigger),
                ),
                "by": actor(t.actor),
                "note": explain(t.reason),
            }
            for t in transitions
        ]
        + [
            {
                "at": a.at.isoformat(),
                "what": _("{channel} contact").format(channel=label("activity_channel", a.channel)),
                "by": _("rep"),
                "note": a.key_points,
            }
            for a in activities
        ],
        key=lambda e: e["at"],
    )
    return {
        "lead_id": lead.id,
        "customer": {
            "company": lead.company_name,
            "industry": lead.industry,
            "size": lead.company_size,
            "region": lead.region,
        },
        "contacts": [
            {
                "name": lead.contact_name,
                "title": lead.contact_title,
                "role": lead.contact_role,
                "email": lead.email,
                "phone": lead.phone,
            }
        ],
        "need": lead.need,
        "pain_points": ([plan.pain_points] if plan else [])
        + [a.feedback for a in activities if a.feedback],
        "tags": lead.tags,
        "customer_contact": _customer_contact(lead),
        "promised": _promised(lead),
        "contract": {
            "value": _money(lead.contract_value),
            "payment_terms": lead.payment_terms,
            "delivery_date": lead.delivery_date.isoformat() if lead.delivery_date else None,
            "legal_reviewed_by": lead.legal_reviewed_by,
            "acceptance": lead.acceptance_standard,
            "liability": lead.liability_terms,
            "confidentiality": lead.confidentiality_terms,
            "approved_by": lead.contract_approved_by,
        },
        "sales_owner": owner.name if owner else None,
        "delivery_owner": delivery_owner(lead, settings),
        "delivery_start": lead.delivery_start.isoformat() if lead.delivery_start else None,
        "go_live": lead.go_live.isoformat() if lead.go_live else None,
        "budget_min": _money(lead.budget_min),
        "budget_max": _money(lead.budget_max),
        "budget_confirmed": _money(lead.budget_confirmed),
        "decision_chain_notes": lead.decision_chain_notes,
        "internal_notes": lead.internal_notes,
        "objections": [
            {
                "kind": o.kind,
                "detail": o.detail,
                "response": o.response,
                "answered": o.answered_at.isoformat() if o.answered_at else None,
            }
            for o in objections
        ],
        # Seed 003: what was agreed in negotiation, and who confirmed it, for delivery.
        "minutes": package_minutes(session, lead.id),
        "timeline": timeline,
    }


def _documents(lead_id: int, package: dict[str, Any], review_due: dt.date) -> dict[str, str]:
    """The files of a package: the managers' Markdown and HTML, and delivery's HTML."""
    return {
        f"lead-{lead_id}.md": package_markdown(package, review_due),
        f"lead-{lead_id}.html": package_html(package, review_due),
        f"lead-{lead_id}-delivery.html": package_html(package, review_due, "delivery"),
    }


def produce_handoffs(
    session: Session,
    ids: list[int],
    now: dt.datetime,
    rules: RulesConfig,
    settings: Settings,
    folder: Path | None = None,
) -> HandoffResult:
    """Create the missing packages and queue their mail, in the caller's transaction.

    Managers and directors get the whole package, the delivery team a copy with budget,
    decision chain and internal notes restricted. With a `folder`, each mail carries its
    reader's HTML document from there: the caller writes `result.documents` into it
    before committing."""
    result = HandoffResult()
    done = set(session.scalars(select(Handoff.lead_id).where(Handoff.lead_id.in_(ids))))
    for lead in session.scalars(select(Lead).where(Lead.id.in_(ids), Lead.state == "won")):
        if lead.id in done:
            result.skipped += 1
            continue
        team = session.get(Team, lead.team_id) if lead.team_id else None
        zone = team_zone(team, rules)
        won = lead.won_at or now
        # Business days are the team's: counted from the win's date on its local clock.
        review_due = add_business_days(
            won.astimezone(zone).date(), rules.handoff.review_due_business_days, rules.calendar
        )
        package = build_package(session, lead, settings)
        documents = _documents(lead.id, package, review_due)
        owner = delivery_owner(lead, settings)
        session.add(
            Handoff(
                lead_id=lead.id,
                created_at=now,
                due_at=handoff_due(won, rules, zone),
                review_due=review_due,
                delivery_owner=owner,
                delivered_at=now if owner else None,
                package=package,
                markdown=documents[f"lead-{lead.id}.md"],
            )
        )
        restricted = _mail(session, lead, team, package, review_due, settings, now, folder)
        result.restricted[lead.id] = restricted
        result.produced.append(lead.id)
        result.documents.update(documents)
    session.flush()
    return result


def _mail(
    session: Session,
    lead: Lead,
    team: Team | None,
    package: dict[str, Any],
    review_due: dt.date,
    settings: Settings,
    now: dt.datetime,
    folder: Path | None = None,
    again: bool = False,
) -> str:
    """Queue the package to the managers and directors (whole) and to delivery (restricted);
    returns delivery's Markdown. A package sent `again` (its details changed) is a new mail."""
    chain = [r for r in [*addresses_of(team), *settings.director_recipients] if r]
    delivery = [r for r in dict.fromkeys(settings.delivery_recipients) if r not in chain]
    subject = _("Handoff: {company} (lead #{id}), review due {due}").format(
        company=lead.company_name, id=lead.id, due=day(review_due)
    )
    restricted = ""
    for audience, recipients in (("manager", dict.fromkeys(chain)), ("delivery", delivery)):
        body = package_markdown(package, review_due, audience)
        if audience == "delivery":
            restricted = body
        html = f"lead-{lead.id}{'-delivery' if audience == 'delivery' else ''}.html"
        attach = [str(folder / html)] if folder is not None else None
        for to in recipients:
            enqueue(
                session,
                key=f"handoff:{lead.id}:{to}" + (f":{now:%Y%m%dT%H%M%S.%f}" if again else ""),
                kind="handoff",
                lead_id=lead.id,
                recipient=to,
                subject=subject,
                body=body,
                now=now,
                attachments=attach,
            )
    return restricted


def refresh_package(
    session: Session, lead: Lead, handoff: Handoff, now: dt.datetime, settings: Settings
) -> None:
    """Rebuild a stored package from the lead as it is now and mail it again; the first
    package that names a delivery owner marks the handoff delivered."""
    package = build_package(session, lead, settings)
    handoff.package = package
    handoff.markdown = package_markdown(package, handoff.review_due)
    handoff.delivery_owner = delivery_owner(lead, settings)
    if handoff.delivered_at is None and handoff.delivery_owner:
        handoff.delivered_at = now
    team = session.get(Team, lead.team_id) if lead.team_id else None
    _mail(session, lead, team, package, handoff.review_due, settings, now, again=True)
    session.flush()
