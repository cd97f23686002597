"""Notifications as outbox rows, written in the transaction of the change that causes them.

A sender (the flows issue) delivers unsent rows; the unique dedupe key makes each
notification exist once however often the change is retried."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.i18n import gettext as _
from leadflow.i18n import label, moment
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.rows import LeadRow, RowTarget, add_row


def recipient_of(rep: SalesRep | None, team: Team | None) -> str | None:
    """Where a rep's (or else a team manager's) notifications go: apprise URL or email."""
    if rep is not None:
        return rep.notify_url or rep.email
    if team is not None:
        return team.notify_url or team.manager_email
    return None


def enqueue(
    into: RowTarget,
    *,
    key: str,
    kind: str,
    lead_id: int | None,
    recipient: str,
    subject: str,
    body: str,
    now: dt.datetime,
    attachments: list[str] | None = None,
) -> None:
    """Add one outbox message unless a message with the same key is already pending here;
    `attachments` are paths of files sent along (they must exist when it is sent). `into`
    is the operation's session, or a chunk job's rows."""
    add_row(
        into,
        OutboxMessage,
        {
            "dedupe_key": key,
            "kind": kind,
            "lead_id": lead_id,
            "recipient": recipient,
            "subject": subject,
            "body": body,
            "created_at": now,
            "attachments": attachments or None,
        },
    )


def notify_assignment(
    into: RowTarget, lead: Lead | LeadRow, rep: SalesRep | None, team: Team | None, now: dt.datetime
) -> None:
    """Tell the new owner (or the team's manager queue) about the lead."""
    recipient = recipient_of(rep, team)
    if recipient is None:
        return
    where = (
        _("to you ({name})").format(name=rep.name)
        if rep
        else _("to the {team} queue").format(team=team.name if team else "")
    )
    due = f"{moment(lead.first_contact_due)} UTC" if lead.first_contact_due else "-"
    enqueue(
        # One notice per assignment: the lead's version moves with every reassignment.
        into,
        key=f"assigned:{lead.id}:{rep.id if rep else 'queue'}:v{lead.version}",
        kind="assignment",
        lead_id=lead.id,
        recipient=recipient,
        subject=_("Lead #{id} {company}: grade {grade}, {priority} priority").format(
            id=lead.id,
            company=lead.company_name,
            grade=label("grade", lead.grade),
            priority=label("priority", lead.priority),
        ),
        body=_(
            "Lead #{id} ({company}, {contact}) was assigned {where}.\nPhone: {phone}\n"
            "Email: {email}\nSource: {source}\nNeed: {need}\n"
            "Grade: {grade}, priority {priority} (score {score})\n"
            "First contact due: {due}\nWhy: {why}\n"
        ).format(
            id=lead.id,
            company=lead.company_name,
            contact=lead.contact_name,
            where=where,
            phone=lead.phone or "-",
            email=lead.email or "-",
            source=label("channel", lead.source)
            + (f" ({lead.source_detail})" if lead.source_detail else ""),
            need=lead.need,
            grade=label("grade", lead.grade) if lead.grade else "-",
            priority=label("priority", lead.priority) if lead.priority else "-",
            score=lead.score,
            due=due,
            why=lead.assignment_reason,
        ),
        now=now,
    )


def tell_owners(
    session: Session,
    leads: Iterable[Any],
    now: dt.datetime,
    kind: str,
    message: Callable[[Any], tuple[str, str, str]],
    into: RowTarget | None = None,
) -> None:
    """Queue `message(lead)` = (dedupe key, subject, body) to each lead's owner (into a
    chunk job's rows when given)."""
    leads = list(leads)
    if not leads:  # the re-grade asks once per chunk; most chunks have no slipped deal
        return
    reps = {r.id: r for r in session.scalars(select(SalesRep)).unique()}
    for lead in leads:
        to = recipient_of(reps.get(lead.owner_id or -1), None)
        if to:
            key, subject, body = message(lead)
            enqueue(
                into or session,
                key=key,
                kind=kind,
                lead_id=lead.id,
                recipient=to,
                now=now,
                subject=subject,
                body=body,
            )
