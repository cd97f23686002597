"""Returning contacts (spec §1, §2): a new inquiry from a known contact is kept as a touch
beside the lead it matches, and what it does depends on that lead. An open lead takes the
new facts and its owner is told; a won customer's inquiry is a new lead, linked to the won
one as repeat business; a lost lead that now passes screening is reactivated."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.i18n import N_, label
from leadflow.i18n import gettext as _
from leadflow.intake.merge import merge_into, set_keys
from leadflow.lifecycle.assign import reactivate
from leadflow.lifecycle.operations import rescore
from leadflow.lifecycle.reassess import answer_due
from leadflow.notify.messages import notify
from leadflow.rules.config import RulesConfig
from leadflow.rules.evaluate import evaluate
from leadflow.rules.explain import ANSWER_INQUIRY, NEW_INQUIRY
from leadflow.rules.facts import BehaviourCounts, LeadFacts
from leadflow.rules.vocab import OPEN_STATES, State
from leadflow.schemas import LeadIn
from leadflow.store.deal_models import Touch
from leadflow.store.models import FieldChange, Lead, SalesRep
from leadflow.store.writer import write
from leadflow.team.zones import zone_of

OPEN = {s.value for s in OPEN_STATES}
# Which stored lead a returning contact's inquiry joins: an open one first, then a won
# customer's (a repeat order), then a lost one; the newest of each kind.
_PREFERENCE = {**dict.fromkeys(OPEN, 0), State.won.value: 1, State.lost.value: 2}


def preferred(candidates: list[tuple[int, str]]) -> int:
    """Of the (id, state) leads a contact matches, the one the inquiry joins."""
    return min(candidates, key=lambda c: (_PREFERENCE.get(c[1], 3), -c[0]))[0]


def add_touch(
    session: Session, lead_id: int, rec: LeadIn, origin: str, now: dt.datetime, outcome: str
) -> Touch:
    """Keep one inquiry: channel, detail, time and need, and what it did."""
    touch = Touch(
        lead_id=lead_id,
        channel=rec.source.value,
        detail=rec.source_detail,
        at=now,
        need=rec.need,
        origin=origin[:300],
        outcome=outcome,
    )
    session.add(touch)
    return touch


def is_repeat_business(lead: Lead) -> bool:
    """A won customer's new inquiry becomes a new lead rather than joining the won one."""
    return lead.state == State.won.value


def returning_inquiry(
    session: Session,
    lead: Lead,
    rec: LeadIn,
    origin: str,
    note: str,
    actor: str,
    rules: RulesConfig,
    now: dt.datetime,
) -> str:
    """Apply an inquiry to the open or lost lead it matches (a won lead's is a new lead);
    returns what became of the lead: recorded, reactivated or updated."""
    session.add(
        FieldChange(lead_id=lead.id, field="merged_duplicate", new_value=note, actor=actor, at=now)
    )
    if lead.state == State.lost.value:
        if not _passes_screening(session, lead, rec, rules, now):
            add_touch(session, lead.id, rec, origin, now, "recorded")
            return "recorded"
        merge_into(lead, rec)
        set_keys(lead)
        reactivate(
            session,
            lead.id,
            by=actor,
            now=now,
            rules=rules,
            reason=NEW_INQUIRY.format(source=rec.source.value),
        )
        # N_: the outcome is stored as written and named in the owner's language in notices.
        _tell_owner(
            session, lead, add_touch(session, lead.id, rec, origin, now, N_("reactivated")), rules
        )
        return "reactivated"
    merge_into(lead, rec)
    set_keys(lead)
    write(lead, dormant=False, last_interaction_at=now)
    touch = add_touch(session, lead.id, rec, origin, now, N_("updated"))
    if lead.state == State.new.value:
        return "updated"  # intake scores, grades and assigns it with the new facts
    rescore(session, lead, now, rules)
    if lead.owner_id is not None:
        write(
            lead,
            next_action=ANSWER_INQUIRY.format(source=rec.source.value),
            next_action_due=answer_due(lead, now, rules, zone_of(session, lead.team_id, rules)),
        )
    _tell_owner(session, lead, touch, rules)
    return "updated"


def _passes_screening(
    session: Session, lead: Lead, rec: LeadIn, rules: RulesConfig, now: dt.datetime
) -> bool:
    values: dict[str, Any] = {c.key: getattr(lead, c.key) for c in Lead.__table__.columns}
    merge_into(values, rec)
    facts = LeadFacts.model_validate(values)
    return evaluate(facts, BehaviourCounts(), now.date(), rules).bant.valid


def _tell_owner(session: Session, lead: Lead, touch: Touch, rules: RulesConfig) -> None:
    rep = session.get(SalesRep, lead.owner_id) if lead.owner_id else None
    if rep is None:
        return
    session.flush()  # the touch's id keys the notice: one per inquiry
    notify(
        session,
        rep,
        None,
        key=f"inquiry:{touch.id}",
        kind="inquiry",
        lead_id=lead.id,
        now=touch.at,
        rules=rules,
        subject=_("New inquiry from lead #{id} {company} ({what})").format(
            id=lead.id, company=lead.company_name, what=_(touch.outcome)
        ),
        body=_(
            "{contact} ({company}) got in touch again via {channel}.\nNeed: {need}\n"
            "The lead was {what}; answer the inquiry."
        ).format(
            contact=lead.contact_name,
            company=lead.company_name,
            channel=label("channel", touch.channel)
            + (" - " + touch.detail if touch.detail else ""),
            need=touch.need,
            what=_(touch.outcome),
        ),
    )


def touch_rows(session: Session, lead: Lead) -> list[dict[str, Any]]:
    """Every inquiry of a lead: its first touch (the lead's source), then each later one."""
    first_need = (
        session.scalar(
            select(FieldChange.old_value)
            .where(FieldChange.lead_id == lead.id, FieldChange.field == "need")
            .order_by(FieldChange.id)
            .limit(1)
        )
        or lead.need
    )
    rows = [
        {
            "channel": lead.source,
            "detail": lead.source_detail,
            "at": lead.created_at,
            "need": first_need,
            "outcome": "first touch",
        }
    ]
    rows += [
        {"channel": t.channel, "detail": t.detail, "at": t.at, "need": t.need, "outcome": t.outcome}
        for t in session.scalars(
            select(Touch).where(Touch.lead_id == lead.id).order_by(Touch.at, Touch.id)
        )
    ]
    return rows


def customer_leads(session: Session, lead: Lead) -> list[dict[str, Any]]:
    """The customer's other leads: the ones this lead repeats and the repeats of it."""
    ids: set[int] = set()
    frontier = {lead.id}
    while frontier:  # walk the repeat links both ways; a customer has a handful of leads
        ids |= frontier
        linked = session.execute(
            select(Lead.id, Lead.repeat_of_id).where(
                (Lead.id.in_(frontier)) | (Lead.repeat_of_id.in_(frontier))
            )
        ).all()
        frontier = {i for row in linked for i in row if i is not None} - ids
    rows = session.scalars(select(Lead).where(Lead.id.in_(ids - {lead.id})).order_by(Lead.id))
    return [
        {
            "id": r.id,
            "state": r.state,
            "created_at": r.created_at,
            "contract_value": r.contract_value,
            "repeat_of_id": r.repeat_of_id,
        }
        for r in rows
    ]
