"""Objections in negotiation (spec §7): logged, answered within 24 hours; a key objection
goes to the whole team, so its manager is told."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput, NotFound
from leadflow.i18n import gettext as _
from leadflow.i18n import label
from leadflow.lifecycle.lookup import get_lead, lead_time
from leadflow.notify.messages import send_on
from leadflow.notify.reach import Route, addresses_of
from leadflow.phrases import N_
from leadflow.rules.vocab import ObjectionKind
from leadflow.store.deal_models import Objection
from leadflow.store.models import Lead, Team
from leadflow.store.uow import flush
from leadflow.store.writer import write
from leadflow.winmodel.score import score_leads


def add_objection(
    session: Session,
    lead_id: int,
    *,
    kind: str,
    detail: str,
    now: dt.datetime,
    at: dt.datetime | None = None,
    key: bool = False,
) -> Objection:
    """Log an objection raised (at `at`, when earlier); a key one notifies the team's
    manager for discussion."""
    lead = get_lead(session, lead_id)
    try:
        kind_value = ObjectionKind(kind).value
    except ValueError:
        raise InvalidInput(
            N_(
                "{field}: {value} is not one of {values}",
                field="kind",
                value=repr(kind),
                values=", ".join(k.value for k in ObjectionKind),
            ),
            {"kind": N_("unknown value")},
        ) from None
    row = Objection(
        lead_id=lead.id, kind=kind_value, detail=detail, raised_at=lead_time(lead, at, now), key=key
    )
    session.add(row)
    flush(session)
    score_leads(session, [lead.id], now)
    if key:
        _tell_manager(session, lead, row, now)
    return row


def _tell_manager(session: Session, lead: Lead, row: Objection, now: dt.datetime) -> None:
    team = session.get(Team, lead.team_id) if lead.team_id else None
    send_on(
        session,
        Route(addresses_of(team)),
        key=f"key-objection:{row.id}",
        kind="key_objection",
        lead_id=lead.id,
        now=now,
        subject=_("Key objection on lead #{id} {company}: {kind}").format(
            id=lead.id, company=lead.company_name, kind=label("objection_kind", row.kind)
        ),
        body=_(
            "A key objection was raised on lead #{id} ({company}) for the team to "
            "discuss: {kind}: {detail}"
        ).format(
            id=lead.id,
            company=lead.company_name,
            kind=label("objection_kind", row.kind),
            detail=row.detail,
        ),
    )


def answer_objection(
    session: Session,
    lead_id: int,
    objection_id: int,
    *,
    response: str,
    by: str,
    now: dt.datetime,
    at: dt.datetime | None = None,
) -> Objection:
    """Record the answer to an objection; an answered objection stops reminding."""
    lead = get_lead(session, lead_id)
    row = session.get(Objection, objection_id)
    if row is None or row.lead_id != lead.id:
        raise NotFound(
            N_(
                "objection {objection} does not exist on lead {lead}",
                objection=objection_id,
                lead=lead_id,
            )
        )
    if row.answered_at is not None:
        raise GuardRefused(
            lead.id,
            "answer",
            f"objection {objection_id} was answered on "
            f"{row.answered_at:%Y-%m-%d %H:%M} by "
            f"{row.answered_by or 'someone'}",
        )
    if not response.strip():
        raise InvalidInput(N_("response: the answer is empty"), {"response": N_("required")})
    when = lead_time(lead, at, now)
    if when < row.raised_at:
        raise InvalidInput(
            N_("at: the answer cannot come before the objection was raised"),
            {"at": N_("before the objection")},
        )
    row.answered_at, row.response, row.answered_by = when, response.strip(), by
    write(lead, last_interaction_at=max(lead.last_interaction_at or when, when))
    flush(session)
    return row


def objection_rows(session: Session, lead_id: int) -> list[dict[str, object]]:
    """A lead's objections, oldest first, for `leads show` and the API."""
    return [
        {
            "id": o.id,
            "kind": o.kind,
            "detail": o.detail,
            "key": o.key,
            "raised_at": o.raised_at,
            "answered_at": o.answered_at,
            "response": o.response,
            "answered_by": o.answered_by,
        }
        for o in session.scalars(
            select(Objection)
            .where(Objection.lead_id == lead_id)
            .order_by(Objection.raised_at, Objection.id)
        )
    ]
