"""Delivering the outbox: each message is claimed, sent, then marked, never sent blindly twice.

A claim marks the row `sending_since` and commits before the send; the outcome (sent, or
a failure with its backoff) clears the mark in a second transaction. A sender killed
between the two leaves the mark: the message may or may not have arrived, so it is "in
doubt". It is not resent on the next pass but held for `outbox_in_doubt_seconds`, for an
operator to `leadflow outbox resolve` (delivered, or resend); after the hold it is sent
once more, carrying the same `X-LeadFlow-Outbox-Id` header so a receiver can drop the
repeat. So delivery is at-least-once across a crash at that one moment, with the repeat
delayed and recognisable, and exactly-once otherwise. Everything before the send (what to
say, to whom) was decided exactly once, in the transaction that wrote the outbox row.

The claim is a compare-and-set UPDATE, and on PostgreSQL the candidate is read with
`FOR UPDATE SKIP LOCKED`, so concurrent senders (SQLite files included) never take the
same row."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import apprise
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, CursorResult, and_, func, not_, or_, select, update
from sqlalchemy.orm import Session

from leadflow.bootstrap import unit_of_work
from leadflow.rules.contact import is_mailbox
from leadflow.settings import Settings, get_settings
from leadflow.store.outbound_models import OutboxMessage

MAX_BACKOFF = dt.timedelta(days=1)
MAX_ERROR_CHARS = 300

_EMAIL_IN_TEXT = re.compile(r"([\w.+-])[\w.+%-]*(?:@|%40)((?:[\w-]+\.)+[A-Za-z]{2,})")
_PHONE_IN_TEXT = re.compile(r"\+?\d(?:[ ()-]?\d){7,}")
_SHOWN_HOST = re.compile(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d{1,5})?")
_IS_URL = OutboxMessage.recipient.contains("://")
_APPRISE_LOG = logging.getLogger("apprise")


class DeliveryError(BaseModel):
    """One message that could not be delivered this time (recipient masked)."""

    id: int
    recipient_masked: str
    subject: str
    error: str


class DeliveryResult(BaseModel):
    """What one delivery pass did; `deferred` is mail waiting for a configured mail_url,
    `in_doubt` messages held after a sender died mid-send, `resent` those sent again."""

    sent: int = 0
    in_doubt: int = 0
    resent: int = 0
    failed: int = 0
    deferred: int = 0
    gave_up: int = 0
    errors: list[DeliveryError] = Field(default_factory=list)


def mask(recipient: str) -> str:
    """A recipient as it may be shown: 'a***@example.com', 'json://hook.example.com/***'."""
    if "://" in recipient:
        scheme, rest = recipient.split("://", 1)
        netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
        host = netloc.rsplit("@", 1)[-1]
        shown = host if _SHOWN_HOST.fullmatch(host) else "***"  # tokens and phones hide
        return f"{scheme}://{shown}" + ("/***" if rest.strip("/") != netloc else "")
    if is_mailbox(recipient):
        name, domain = recipient.rsplit("@", 1)
        return f"{name[:1]}***@{domain}"
    return "***"


def mask_text(text: str) -> str:
    """Text with every email address (plain or %-encoded) and phone number masked."""
    text = _EMAIL_IN_TEXT.sub(r"\1***@\2", text)
    return _PHONE_IN_TEXT.sub("***", text)


def apprise_url(recipient: str, settings: Settings, outbox_id: int | None = None) -> str | None:
    """The apprise URL a recipient is reached at; None for mail while mail_url is unset.

    Mail goes to `mail_url` plus `to=`, `from=` and `format=text` (unless mail_url sets
    them): `mailto://127.0.0.1:1025` is a plain local SMTP server (no login, no TLS, since
    `mailto` is insecure by default), `mailtos://user:password@smtp.example.com:587` a real
    one with STARTTLS and a login. The outbox id goes along as the X-LeadFlow-Outbox-Id
    header, the same on a resend, so receivers can recognise a repeat."""
    if "://" in recipient:
        return recipient
    if not settings.mail_url:
        return None
    given = parse_qs(urlsplit(settings.mail_url).query)
    params = {"to": recipient, "from": settings.mail_from, "format": "text"}
    if outbox_id is not None:
        params["+X-LeadFlow-Outbox-Id"] = str(outbox_id)
    extra = urlencode(
        {k: v for k, v in params.items() if k == "to" or k not in given}, quote_via=quote, safe=""
    )
    return f"{settings.mail_url}{'&' if '?' in settings.mail_url else '?'}{extra}"


class _MaskAddresses(logging.Filter):
    """Apprise logs full addresses ('Sent Email to ann@...'); mask them before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = mask_text(record.getMessage()), None
        return True


class _ThreadWarnings(logging.Handler):
    """Collects apprise's warnings raised in this thread: the reason a send failed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def _mask_apprise_logs() -> None:
    if not any(isinstance(f, _MaskAddresses) for f in _APPRISE_LOG.filters):
        _APPRISE_LOG.addFilter(_MaskAddresses())


def send(
    target: str,
    subject: str,
    body: str,
    invalid: str = "apprise does not accept this URL",
    attachments: Sequence[str] = (),
) -> str | None:
    """Send one notification, with files attached, through apprise; None on success, else a
    short masked reason. A missing attachment fails the send (it is retried later)."""
    missing = [Path(p).name for p in attachments if not Path(p).is_file()]
    if missing:
        return f"attachment not found: {', '.join(missing)}"
    _mask_apprise_logs()
    # async_mode=False keeps the send (and its log records) in this thread.
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(async_mode=False))
    if not notifier.add(target):
        return invalid
    warnings = _ThreadWarnings()
    _APPRISE_LOG.addHandler(warnings)
    try:
        ok = notifier.notify(
            title=subject,
            body=body,
            body_format=apprise.NotifyFormat.TEXT,
            attach=apprise.AppriseAttachment(list(attachments)) if attachments else None,
        )
    # A plugin bug must not stop the other messages; the reason is kept with the message.
    except Exception as exc:  # noqa: BLE001
        ok, warnings.messages = False, [f"{exc.__class__.__name__}: {exc}"]
    finally:
        _APPRISE_LOG.removeHandler(warnings)
    if ok:
        return None
    reason = "; ".join(warnings.messages) or "the server refused or could not be reached"
    return mask_text(reason)[:MAX_ERROR_CHARS]


def _deliver(message: OutboxMessage, settings: Settings) -> str | None:
    # Checked here because apprise mails its own From address when every To is invalid.
    if "://" not in message.recipient and not is_mailbox(message.recipient):
        return "the recipient is neither an email address nor an apprise URL"
    target = apprise_url(message.recipient, settings, message.id) or ""  # unset: not claimed
    invalid = (
        "apprise does not accept this URL"
        if target == message.recipient
        else "mail_url or mail_from is not a valid apprise mailto URL"
    )
    return send(target, message.subject, message.body, invalid, message.attachments or ())


def _due(
    now: dt.datetime, settings: Settings, queued_by: dt.datetime | None = None
) -> ColumnElement[bool]:
    held_until = now - dt.timedelta(seconds=settings.outbox_in_doubt_seconds)
    due = and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.attempts < settings.outbox_max_attempts,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        or_(OutboxMessage.sending_since.is_(None), OutboxMessage.sending_since <= held_until),
    )
    return due if queued_by is None else and_(due, OutboxMessage.created_at <= queued_by)


def _in_doubt(now: dt.datetime, settings: Settings) -> ColumnElement[bool]:
    held_until = now - dt.timedelta(seconds=settings.outbox_in_doubt_seconds)
    return and_(OutboxMessage.sent_at.is_(None), OutboxMessage.sending_since > held_until)


def claim_next(
    session: Session,
    now: dt.datetime,
    after_id: int,
    settings: Settings,
    kind: str | None = None,
    queued_by: dt.datetime | None = None,
) -> tuple[OutboxMessage, bool] | None:
    """The next due message after `after_id` (queued by `queued_by`, when given), marked
    `sending_since=now` by a compare-and-set (the caller commits that before sending), and
    whether it was in doubt (so this is a resend); None when nothing is due."""
    while True:
        query = select(OutboxMessage.id, OutboxMessage.sending_since).where(
            _due(now, settings, queued_by), OutboxMessage.id > after_id
        )
        if not settings.mail_url:
            query = query.where(_IS_URL)  # mail waits untouched until a mail server is set
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        query = query.order_by(OutboxMessage.id).limit(1)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        found = session.execute(query).first()
        if found is None:
            return None
        after_id, previous = found
        mine = (
            OutboxMessage.sending_since.is_(None)
            if previous is None
            else OutboxMessage.sending_since == previous
        )
        # An UPDATE answers a CursorResult (it has the rowcount); Session.execute is typed
        # with the Result every statement shares.
        taken = cast(
            CursorResult[Any],
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == after_id, mine)
                .values(sending_since=now)
                .execution_options(synchronize_session=False)
            ),
        )
        if taken.rowcount == 1:
            message = session.get(OutboxMessage, after_id, populate_existing=True)
            assert message is not None
            return message, previous is not None


def record_failure(
    message: OutboxMessage, error: str, now: dt.datetime, settings: Settings
) -> bool:
    """Count a failed attempt and schedule the next; True when this was the last one."""
    message.attempts += 1
    message.last_error = error
    if message.attempts >= settings.outbox_max_attempts:
        message.next_attempt_at = None
        return True
    delay = settings.outbox_backoff_seconds * 2 ** min(message.attempts - 1, 32)
    message.next_attempt_at = now + min(dt.timedelta(seconds=delay), MAX_BACKOFF)
    return False


def _record(
    message: OutboxMessage,
    error: str | None,
    now: dt.datetime,
    settings: Settings,
    result: DeliveryResult,
) -> None:
    message.sending_since = None
    if error is None:
        message.sent_at = now
        result.sent += 1
        return
    gave_up = record_failure(message, error, now, settings)
    result.gave_up += gave_up
    result.failed += not gave_up
    result.errors.append(
        DeliveryError(
            id=message.id,
            recipient_masked=mask(message.recipient),
            subject=mask_text(message.subject),
            error=error,
        )
    )


def deliver_outbox(
    url: str | None,
    now: dt.datetime,
    limit: int = 200,
    settings: Settings | None = None,
    kind: str | None = None,
    queued_by: dt.datetime | None = None,
) -> DeliveryResult:
    """Send up to `limit` due messages (of one `kind`, and queued by `queued_by`, if given)
    in id order; failures wait with backoff, messages in doubt (a sender died mid-send)
    are held for `outbox_in_doubt_seconds`. `now` is the wall clock: it times the sending
    itself (sent_at, backoff, the in-doubt hold), whatever time a flow works as of."""
    settings = settings or get_settings()
    result = DeliveryResult()
    after_id = 0
    # One claim per message rather than per batch: a crash can leave at most one message
    # in doubt, never a whole batch.
    for _ in range(limit):
        with unit_of_work("outbox", url=url) as uow:
            claimed = claim_next(uow.session, now, after_id, settings, kind, queued_by)
            if claimed is None:
                break
            message, resend = claimed
            after_id = message.id
            result.resent += resend
            uow.commit()  # the claim is durable before anything leaves
            error = _deliver(message, settings)
            _record(message, error, now, settings, result)
            uow.commit()
    with unit_of_work("outbox", url=url) as uow:
        result.in_doubt = _count(uow.session, _in_doubt(now, settings))
        if not settings.mail_url:
            waiting = _due(now, settings, queued_by)
            result.deferred = _count(uow.session, and_(waiting, not_(_IS_URL)))
    return result


def _count(session: Session, where: ColumnElement[bool]) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(where)) or 0


def resolve(session: Session, message_id: int, delivered: bool, now: dt.datetime) -> bool:
    """Settle a message in doubt: mark it sent (it arrived) or release it to be sent at
    once; False when it is not in doubt."""
    message = session.get(OutboxMessage, message_id)
    if message is None or message.sent_at is not None or message.sending_since is None:
        return False
    message.sending_since = None
    if delivered:
        message.sent_at = now
    else:
        message.next_attempt_at = None
    return True


def pending_count(session: Session) -> int:
    """Messages not sent yet, including those waiting for a retry or given up."""
    return (
        session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
        or 0
    )


def status(message: OutboxMessage, max_attempts: int) -> str:
    """sent, in doubt, queued, retrying or gave up."""
    if message.sent_at is not None:
        return "sent"
    if message.sending_since is not None:
        return "in doubt"
    if message.attempts >= max_attempts:
        return "gave up"
    return "retrying" if message.attempts else "queued"


def message_rows(
    session: Session, unsent: bool = False, limit: int = 100, settings: Settings | None = None
) -> list[dict[str, object]]:
    """The newest outbox messages for display, recipients masked."""
    max_attempts = (settings or get_settings()).outbox_max_attempts
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if unsent:
        query = query.where(OutboxMessage.sent_at.is_(None))
    return [
        {
            "id": m.id,
            "kind": m.kind,
            "status": status(m, max_attempts),
            "recipient": mask(m.recipient),
            "subject": mask_text(m.subject),
            "attempts": m.attempts,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
            "next_attempt_at": m.next_attempt_at,
            "last_error": m.last_error,
        }
        for m in session.scalars(query)
    ]
