"""Notifications as outbox rows, written in the transaction of the change that causes them.

A sender (the flows issue) delivers unsent rows; the unique dedupe key makes each
notification exist once however often the change is retried."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from leadflow.store.bulk import add_row
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.rows import LeadRow


def recipient_of(rep: SalesRep | None, team: Team | None) -> str | None:
    """Where a rep's (or else a team manager's) notifications go: apprise URL or email."""
    if rep is not None:
        return rep.notify_url or rep.email
    if team is not None:
        return team.notify_url or team.manager_email
    return None


def enqueue(session: Session, *, key: str, kind: str, lead_id: int | None, recipient: str,
            subject: str, body: str, now: dt.datetime,
            attachments: list[str] | None = None) -> None:
    """Add one outbox message unless a message with the same key is already pending here;
    `attachments` are paths of files sent along (they must exist when it is sent)."""
    add_row(session, OutboxMessage, {"dedupe_key": key, "kind": kind, "lead_id": lead_id,
                                     "recipient": recipient, "subject": subject, "body": body,
                                     "created_at": now, "attachments": attachments or None})


def notify_assignment(session: Session, lead: Lead | LeadRow, rep: SalesRep | None,
                      team: Team | None, now: dt.datetime) -> None:
    """Tell the new owner (or the team's manager queue) about the lead."""
    recipient = recipient_of(rep, team)
    if recipient is None:
        return
    where = f"to you ({rep.name})" if rep else f"to the {team.name if team else ''} queue"
    due = lead.first_contact_due.strftime("%Y-%m-%d %H:%M UTC") if lead.first_contact_due else "-"
    enqueue(
        # One notice per assignment: the lead's version moves with every reassignment.
        session, key=f"assigned:{lead.id}:{rep.id if rep else 'queue'}:v{lead.version}",
        kind="assignment",
        lead_id=lead.id, recipient=recipient,
        subject=(f"Lead #{lead.id} {lead.company_name}: grade {lead.grade}, "
                 f"{lead.priority} priority"),
        body=(f"Lead #{lead.id} ({lead.company_name}, {lead.contact_name}) was assigned {where}.\n"
              f"Need: {lead.need}\nFirst contact due: {due}\nWhy: {lead.assignment_reason}\n"),
        now=now,
    )
