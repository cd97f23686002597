"""Notices stuck at an address that fails: once the notice deadline has passed, each goes
to who stands in for the address's person (reach.route), once.

An address fails when its notices gave up in the outbox since it last took one. Further
notices to it are still tried (the address may come back), and also forwarded, so the
person's manager (or ops) hears of them within the deadline however long the retries run."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.notify.messages import send_on
from leadflow.notify.ops import KIND as OPS_KIND
from leadflow.notify.reach import KIND, addresses_of, failing_addresses, recipient_of, route
from leadflow.rules.config import RulesConfig
from leadflow.rules.timing import notice_wait
from leadflow.settings import Settings
from leadflow.store.models import SalesRep, Team
from leadflow.store.outbound_models import OutboxMessage


def _people(session: Session) -> dict[str, tuple[SalesRep | None, Team | None]]:
    """Each rep's and manager's address, and whose it is (a rep's first)."""
    people: dict[str, tuple[SalesRep | None, Team | None]] = {}
    for team in session.scalars(select(Team).order_by(Team.id)):
        for address in addresses_of(team):
            people[address] = (None, team)
    for rep in session.scalars(select(SalesRep).order_by(SalesRep.id.desc())).unique():
        own = recipient_of(rep, None)
        if own:
            people[own] = (rep, None)
    return people


def forward_undelivered(
    session: Session, now: dt.datetime, rules: RulesConfig, settings: Settings
) -> int:
    """Forward every notice still undelivered to a rep's or manager's failing address, and
    older than the notice deadline, to who stands in for them (at most once per notice);
    returns how many were forwarded."""
    failing = failing_addresses(session, now, settings.outbox_max_attempts)
    if not failing:
        return 0
    people = _people(session)
    stuck = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.sending_since.is_(None),  # in doubt: it may have arrived
            OutboxMessage.recipient.in_(failing.keys() & people.keys()),
            OutboxMessage.created_at <= now - notice_wait(rules),
            OutboxMessage.kind != OPS_KIND,
        )
        .order_by(OutboxMessage.id)
    ).all()
    keys = {message.id: f"{KIND}:m{message.id}" for message in stuck}
    done = set(
        session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys.values()))
        )
    )
    forwarded = 0
    for message in stuck:
        if keys[message.id] in done:
            continue
        rep, team = people[message.recipient]
        way = route(rep, team, settings.ops_notify_urls, failing)
        if way.person is None:  # the address works after all
            continue
        send_on(
            session,
            way,
            key=f"m{message.id}",
            kind=message.kind,
            lead_id=message.lead_id,
            subject=message.subject,
            body=message.body,
            now=now,
            attachments=message.attachments,
        )
        forwarded += bool(way.to)
    session.flush()
    return forwarded
