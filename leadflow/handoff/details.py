"""The handoff's delivery details (spec §8, seed 003 明确交付负责人、时间节点及客户对接人):
who in delivery owns a won deal, when delivery starts and goes live, and the customer's
contact for delivery. Setting them refreshes a package already made and mails it again."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.errors import GuardRefused, InvalidInput
from leadflow.handoff.package import refresh_package
from leadflow.lifecycle.lookup import get_lead
from leadflow.phrases import N_
from leadflow.rules.contact import contact_parts, contact_verifiable
from leadflow.rules.vocab import State
from leadflow.settings import Settings
from leadflow.store.outbound_models import Handoff
from leadflow.store.uow import flush
from leadflow.store.writer import write


class HandoffIn(BaseModel):
    """What delivery needs to take the deal over; the fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    delivery_owner: Annotated[str, StringConstraints(min_length=1, max_length=120)] | None = None
    delivery_start: dt.date | None = None
    go_live: dt.date | None = None
    customer_contact: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None

    @field_validator("customer_contact")
    @classmethod
    def _reachable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        name, reach = contact_parts(value)
        if not name or reach is None:
            raise ValueError('give the name and a phone or email: "Li Lei, 138 0000 0000"')
        if not contact_verifiable(reach, reach):
            raise ValueError(
                N_("{reach!r} is neither a phone number nor an email address", reach=reach)
            )
        return f"{name}, {reach}"

    @model_validator(mode="after")
    def _something(self) -> HandoffIn:
        if not self.model_fields_set:
            raise ValueError(
                N_(
                    "give at least one of delivery_owner, delivery_start, go_live, "
                    "customer_contact",
                )
            )
        return self


def set_handoff(
    session: Session, lead_id: int, details: HandoffIn, *, now: dt.datetime, settings: Settings
) -> dict[str, Any]:
    """Record the delivery details of a won deal (each change in the lead's history); a
    package already made is rebuilt and mailed again, and counts as delivered once it names
    its delivery owner."""
    lead = get_lead(session, lead_id)
    if lead.state != State.won.value:
        raise GuardRefused(
            lead.id,
            "handoff",
            N_("only a won deal is handed over to delivery (state {state})", state=lead.state),
        )
    given = details.model_dump(exclude_unset=True)
    start = given.get("delivery_start", lead.delivery_start)
    live = given.get("go_live", lead.go_live)
    if start is not None and live is not None and live < start:
        raise InvalidInput(
            N_(
                "go_live: {live} is before the delivery start {start}",
                live=live.isoformat(),
                start=start.isoformat(),
            ),
            {"go_live": "before the delivery start"},
        )
    write(
        lead, **{"delivery_contact" if k == "customer_contact" else k: v for k, v in given.items()}
    )
    flush(session)
    handoff = session.scalar(select(Handoff).where(Handoff.lead_id == lead.id))
    if handoff is not None:
        refresh_package(session, lead, handoff, now, settings)
    return {
        "lead_id": lead.id,
        "delivery_owner": lead.delivery_owner,
        "delivery_start": lead.delivery_start,
        "go_live": lead.go_live,
        "customer_contact": lead.delivery_contact,
        "package": "none yet" if handoff is None else "sent again",
        "delivered_at": handoff.delivered_at if handoff is not None else None,
    }
