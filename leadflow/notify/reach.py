"""Reaching a person: a rep's or manager's address works unless there is none, or the
notices sent to it gave up in the outbox since it last took one. A notice for someone who
cannot be reached goes to who stands in for them, marked as theirs: a rep's to the team's
managers, the managers' (or a rep's whose managers cannot be reached either) to the ops
channels, so nobody is left out silently. A notice for a team's managers goes to each of
them whose address works."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadflow.i18n import gettext as _
from leadflow.i18n import moment
from leadflow.store.models import SalesRep, Team
from leadflow.store.outbound_models import OutboxMessage
from leadflow.team.managers import manager_names

KIND = "unreachable"  # the outbox kind of a notice that goes to a stand-in
MAX_SUBJECT = 300  # the outbox's subject column


def recipient_of(rep: SalesRep | None, team: Team | None) -> str | None:
    """Where a rep's notifications go (apprise URL or email); without a rep, the first of
    the team's managers' addresses."""
    if rep is not None:
        return rep.notify_url or rep.email
    return next(iter(addresses_of(team)), None)


def addresses_of(team: Team | None) -> tuple[str, ...]:
    """Where a team's manager notices go: the team's apprise URL, else every manager's
    email (each once)."""
    if team is None:
        return ()
    if team.notify_url:
        return (team.notify_url,)
    return tuple(dict.fromkeys(m.email for m in team.managers if m.email))


@dataclass(frozen=True)
class Failures:
    """The notices to one address that gave up since it last took one."""

    count: int
    last_at: dt.datetime  # when the last of them was written
    last_error: str

    def why(self) -> str:
        """'2 failed deliveries, last: <time> UTC: <error>'."""
        # Two messages rather than ngettext: the catalogs' checks know no plural forms.
        text = (
            _("1 failed delivery, last: {when} UTC: {error}")
            if self.count == 1
            else _("{n} failed deliveries, last: {when} UTC: {error}")
        )
        return text.format(n=self.count, when=moment(self.last_at), error=self.last_error)


def failing_addresses(session: Session, now: dt.datetime, max_attempts: int) -> dict[str, Failures]:
    """Addresses whose notices (written up to `now`) gave up after `max_attempts` since the
    last notice the address took; a delivery after them clears the address. Read from the
    unsent rows, then only those addresses' deliveries after the first failure."""
    gave_up = session.execute(
        select(
            OutboxMessage.recipient,
            OutboxMessage.id,
            OutboxMessage.created_at,
            OutboxMessage.last_error,
        )
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.sending_since.is_(None),
            OutboxMessage.attempts >= max_attempts,
            OutboxMessage.created_at <= now,
        )
        .order_by(OutboxMessage.id)
    ).all()
    if not gave_up:
        return {}
    took = dict(
        session.execute(
            select(OutboxMessage.recipient, func.max(OutboxMessage.id))
            .where(
                OutboxMessage.id > gave_up[0].id,
                OutboxMessage.recipient.in_({row.recipient for row in gave_up}),
                OutboxMessage.sent_at.is_not(None),
            )
            .group_by(OutboxMessage.recipient)
        )
        .tuples()
        .all()
    )
    failing: dict[str, Failures] = {}
    for recipient, message_id, created_at, error in gave_up:
        if message_id > took.get(recipient, 0):
            count = failing[recipient].count + 1 if recipient in failing else 1
            failing[recipient] = Failures(count, created_at, error or "-")
    return failing


def why_unreachable(address: str | None, failing: Mapping[str, Failures]) -> str | None:
    """Why notices to this address do not arrive; None when it works."""
    if not address:
        return _("no address")
    return failing[address].why() if address in failing else None


@dataclass(frozen=True)
class Route:
    """Where one notice goes: its person's own address, or the stand-ins for `person`."""

    to: tuple[str, ...]
    person: str | None = None  # whom the notice is for, when it goes to stand-ins
    why: str | None = None

    def worded(self, subject: str, body: str) -> tuple[str, str]:
        """The notice as sent on this route: marked as the unreachable person's."""
        if self.person is None:
            return subject, body
        marked = _("For {person}, who cannot be reached: {subject}").format(
            person=self.person, subject=subject
        )
        note = _(
            "This notice is for {person}, who cannot be reached ({why}). Please pass it on, "
            "and give them a working address.\n\n{body}"
        ).format(person=self.person, why=self.why, body=body)
        return marked[:MAX_SUBJECT], note


def route(
    rep: SalesRep | None,
    team: Team | None,
    ops: Sequence[str],
    failing: Mapping[str, Failures] | None = None,
) -> Route:
    """Where a notice for `rep` (None: for `team`'s managers) goes: their own working
    address (every manager's that works); else, for a rep, the working addresses of the
    managers of the rep's team (or of `team`); else the ops channels. No rep and no team:
    nowhere."""
    failing = failing or {}
    if rep is None and team is None:
        return Route(())
    own = (recipient_of(rep, None),) if rep is not None else addresses_of(team)
    working = tuple(a for a in own if a and why_unreachable(a, failing) is None)
    if working:
        return Route(working)
    why = why_unreachable(own[0] if own else None, failing)
    if rep is not None:
        team = rep.team or team
        managers = tuple(a for a in addresses_of(team) if why_unreachable(a, failing) is None)
        return Route(managers or tuple(ops), rep.name, why)
    assert team is not None
    name = manager_names(team) or _("the manager of {team}").format(team=team.name)
    return Route(tuple(ops), name, why)
