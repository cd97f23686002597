"""Delivery handoff (spec §8): one package per won deal, mailed to delivery and managers,
with the post-win review scheduled. Idempotent: the handoff row is unique per lead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import add_business_days
from leadflow.rules.vocab import SENSITIVE
from leadflow.services.notify import enqueue, recipient_of
from leadflow.settings import Settings
from leadflow.store.models import (
    Activity,
    Handoff,
    Lead,
    Objection,
    SalesRep,
    Team,
    TransitionAudit,
)

MASK = "(restricted)"


class HandoffResult(BaseModel):
    """Handoffs produced in one pass."""

    produced: list[int] = []
    skipped: int = 0


def won_without_handoff(session: Session, limit: int = 5000) -> list[int]:
    """Won leads that have no handoff package yet."""
    return list(session.scalars(
        select(Lead.id).outerjoin(Handoff, Handoff.lead_id == Lead.id)
        .where(Lead.state == "won", Handoff.id.is_(None)).order_by(Lead.id).limit(limit)))


def _money(value: Any) -> str:
    return f"{float(value):,.0f}" if value is not None else "-"


def build_package(session: Session, lead: Lead, settings: Settings) -> dict[str, Any]:
    """Everything delivery needs about a won deal, as plain data."""
    owner = session.get(SalesRep, lead.owner_id) if lead.owner_id else None
    activities = session.scalars(select(Activity).where(Activity.lead_id == lead.id)
                                 .order_by(Activity.at)).all()
    objections = session.scalars(select(Objection).where(Objection.lead_id == lead.id)
                                 .order_by(Objection.raised_at)).all()
    transitions = session.scalars(select(TransitionAudit).where(TransitionAudit.lead_id == lead.id)
                                  .order_by(TransitionAudit.id)).all()
    timeline = sorted(
        [{"at": t.at.isoformat(), "what": f"{t.from_state} -> {t.to_state} ({t.trigger})",
          "by": t.actor, "note": t.reason or ""} for t in transitions]
        + [{"at": a.at.isoformat(), "what": f"{a.channel} contact", "by": "rep",
            "note": a.key_points} for a in activities], key=lambda e: e["at"])
    return {
        "lead_id": lead.id,
        "customer": {"company": lead.company_name, "industry": lead.industry,
                     "size": lead.company_size, "region": lead.region},
        "contacts": [{"name": lead.contact_name, "title": lead.contact_title,
                      "role": lead.contact_role, "email": lead.email, "phone": lead.phone}],
        "need": lead.need, "pain_points": [a.feedback for a in activities if a.feedback],
        "tags": lead.tags,
        "promised": {"solution": lead.promised, "value": _money(lead.contract_value)},
        "contract": {"value": _money(lead.contract_value), "payment_terms": lead.payment_terms,
                     "delivery_date": lead.delivery_date.isoformat() if lead.delivery_date
                     else None},
        "sales_owner": owner.name if owner else None,
        "delivery_owner": settings.delivery_owner,
        "budget_max": _money(lead.budget_max), "budget_confirmed": _money(lead.budget_confirmed),
        "decision_chain_notes": lead.decision_chain_notes, "internal_notes": lead.internal_notes,
        "objections": [{"kind": o.kind, "detail": o.detail, "response": o.response,
                        "answered": o.answered_at.isoformat() if o.answered_at else None}
                       for o in objections],
        "timeline": timeline,
    }


def masked(package: dict[str, Any]) -> dict[str, Any]:
    """The package with sensitive fields hidden, for recipients outside the deal's chain."""
    return {k: (MASK if k in SENSITIVE and v not in (None, "-") else v)
            for k, v in package.items()}


def package_markdown(p: dict[str, Any], review_due: dt.date) -> str:
    """The package as Markdown: a readable document and the Prefect artifact."""
    c = p["contract"]
    lines = [
        f"# Handoff: {p['customer']['company']} (lead #{p['lead_id']})", "",
        f"**Contract value** {c['value']} · **payment** {c['payment_terms'] or '-'} · "
        f"**delivery** {c['delivery_date'] or '-'}", "",
        f"**Delivery owner** {p['delivery_owner'] or 'to assign'} · **sales owner** "
        f"{p['sales_owner'] or '-'} · **post-win review due** {review_due.isoformat()}", "",
        "## Customer and contacts", "",
        f"{p['customer']['company']} ({p['customer']['industry'] or '-'}, "
        f"{p['customer']['size'] or '-'}, {p['customer']['region'] or '-'})", "",
        "| name | title | role | email | phone |", "|---|---|---|---|---|",
        *[f"| {x['name']} | {x['title'] or '-'} | {x['role'] or '-'} | {x['email'] or '-'} | "
          f"{x['phone'] or '-'} |" for x in p["contacts"]], "",
        "## Need and pain points", "", p["need"] or "-", "",
        *[f"- {pain}" for pain in p["pain_points"]], "",
        "## What was promised", "", f"{p['promised']['solution'] or '-'} "
        f"(value {p['promised']['value']})", "",
        "## Budget and decision chain", "",
        f"Budget (max / confirmed): {p['budget_max']} / {p['budget_confirmed']}", "",
        f"Decision chain: {p['decision_chain_notes'] or '-'}", "",
        "## Objections and how they were resolved", "",
        "| kind | objection | response |", "|---|---|---|",
        *[f"| {o['kind']} | {o['detail']} | {o['response'] or 'open'} |"
          for o in p["objections"]], "",
        "## Timeline", "", "| when | what | by | note |", "|---|---|---|---|",
        *[f"| {e['at'][:16].replace('T', ' ')} | {e['what']} | {e['by']} | {e['note']} |"
          for e in p["timeline"]],
    ]
    return "\n".join(lines) + "\n"


def produce_handoffs(session: Session, ids: list[int], now: dt.datetime, rules: RulesConfig,
                     settings: Settings) -> HandoffResult:
    """Create the missing packages and queue their mail, in the caller's transaction."""
    result = HandoffResult()
    done = set(session.scalars(select(Handoff.lead_id).where(Handoff.lead_id.in_(ids))))
    for lead in session.scalars(select(Lead).where(Lead.id.in_(ids), Lead.state == "won")):
        if lead.id in done:
            result.skipped += 1
            continue
        won = lead.won_at or now
        review_due = add_business_days(won.date(), rules.handoff.review_due_business_days,
                                       rules.calendar)
        due = dt.datetime.combine(add_business_days(won.date(), rules.handoff.due_business_days,
                                                    rules.calendar), won.timetz())
        package = build_package(session, lead, settings)
        full = package_markdown(package, review_due)
        session.add(Handoff(lead_id=lead.id, created_at=now, due_at=due, review_due=review_due,
                            delivery_owner=settings.delivery_owner, package=package,
                            markdown=full))
        team = session.get(Team, lead.team_id) if lead.team_id else None
        chain = [r for r in [recipient_of(None, team), *settings.director_recipients] if r]
        subject = f"Handoff: {lead.company_name} (lead #{lead.id}), review due {review_due}"
        for to in dict.fromkeys(chain):
            enqueue(session, key=f"handoff:{lead.id}:{to}", kind="handoff", lead_id=lead.id,
                    recipient=to, subject=subject, body=full, now=now)
        restricted = package_markdown(masked(package), review_due)
        for to in dict.fromkeys(r for r in settings.delivery_recipients if r not in chain):
            enqueue(session, key=f"handoff:{lead.id}:{to}", kind="handoff", lead_id=lead.id,
                    recipient=to, subject=subject, body=restricted, now=now)
        result.produced.append(lead.id)
    session.flush()
    return result
