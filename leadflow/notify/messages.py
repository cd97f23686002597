"""Notifications as outbox rows, written in the transaction of the change that causes them.

A sender (the flows issue) delivers unsent rows; the unique dedupe key makes each
notification exist once however often the change is retried."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.i18n import explain, label, moment
from leadflow.i18n import gettext as _
from leadflow.notify.reach import KIND, Route, route
from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import notice_wait
from leadflow.settings import get_settings
from leadflow.store.models import Lead, SalesRep, Team
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.rows import LeadRow, RowTarget, add_row


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
    not_before: dt.datetime | None = None,
) -> None:
    """Add one outbox message unless a message with the same key is already pending here;
    `attachments` are paths of files sent along (they must exist when it is sent), and it
    is not sent before `not_before` when given. `into` is the operation's session, or a
    chunk job's rows."""
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
            "next_attempt_at": not_before,
        },
    )


def send_on(
    into: RowTarget,
    way: Route,
    *,
    key: str,
    kind: str,
    lead_id: int | None,
    subject: str,
    body: str,
    now: dt.datetime,
    not_before: dt.datetime | None = None,
    attachments: list[str] | None = None,
) -> None:
    """Queue one notice on its route, a message per address: to its person as it is, or
    to stand-ins marked as the unreachable person's (kind and key say so)."""
    subject, body = way.worded(subject, body)
    if way.person is not None:
        kind, key = KIND, f"{KIND}:{key}"
    for n, to in enumerate(way.to):
        enqueue(
            into,
            key=key + (f":{n}" if n else ""),
            kind=kind,
            lead_id=lead_id,
            recipient=to,
            subject=subject,
            body=body,
            now=now,
            attachments=attachments,
            not_before=not_before,
        )


def notify(
    into: RowTarget,
    rep: SalesRep | None,
    team: Team | None,
    *,
    key: str,
    kind: str,
    lead_id: int | None,
    subject: str,
    body: str,
    now: dt.datetime,
    rules: RulesConfig,
) -> bool:
    """Queue a notice for a rep (None: for the team's manager). When they have no address
    it goes to who stands in for them (reach.route), after the rules' notice deadline:
    the time they had to be told (spec §5) has run out by then. False when nobody could
    be told (no address, and no manager address or ops channel to stand in)."""
    # The ops channels are settings, like the language the notice is worded in.
    way = route(rep, team, get_settings().ops_notify_urls)
    send_on(
        into,
        way,
        key=key,
        kind=kind,
        lead_id=lead_id,
        subject=subject,
        body=body,
        now=now,
        not_before=now + notice_wait(rules) if way.person else None,
    )
    return bool(way.to)


def notify_assignment(
    into: RowTarget,
    lead: Lead | LeadRow,
    rep: SalesRep | None,
    team: Team | None,
    now: dt.datetime,
    rules: RulesConfig,
) -> None:
    """Tell the new owner (or the team's manager queue) about the lead."""
    where = (
        _("to you ({name})").format(name=rep.name)
        if rep
        else _("to the {team} queue").format(team=team.name if team else "")
    )
    due = f"{moment(lead.first_contact_due)} UTC" if lead.first_contact_due else "-"
    notify(
        # One notice per assignment: the lead's version moves with every reassignment.
        into,
        rep,
        team,
        key=f"assigned:{lead.id}:{rep.id if rep else 'queue'}:v{lead.version}",
        kind="assignment",
        lead_id=lead.id,
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
            why=explain(lead.assignment_reason),
        ),
        now=now,
        rules=rules,
    )


def tell_owners(
    session: Session,
    leads: Iterable[Any],
    now: dt.datetime,
    kind: str,
    message: Callable[[Any], tuple[str, str, str]],
    rules: RulesConfig,
    into: RowTarget | None = None,
) -> None:
    """Queue `message(lead)` = (dedupe key, subject, body) to each lead's owner (into a
    chunk job's rows when given); an owner who cannot be reached is stood in for."""
    leads = list(leads)
    if not leads:  # the re-grade asks once per chunk; most chunks have no slipped deal
        return
    reps = {r.id: r for r in session.scalars(select(SalesRep)).unique()}
    for lead in leads:
        owner = reps.get(lead.owner_id or -1)
        if owner is None:
            continue
        key, subject, body = message(lead)
        notify(
            into or session,
            owner,
            None,
            key=key,
            kind=kind,
            lead_id=lead.id,
            subject=subject,
            body=body,
            now=now,
            rules=rules,
        )
