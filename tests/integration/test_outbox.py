"""Outbox delivery against a real SMTP server (aiosmtpd) and a real HTTP webhook."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from leadflow.notify.outbox import deliver_outbox, mask, mask_text, pending_count, record_failure
from leadflow.settings import Settings
from leadflow.store.db import session_factory
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.uow import UnitOfWork
from tests.conftest import _truncate, needs_pg
from tests.e2e.cli_harness import run
from tests.mailserver import free_port

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def webhook() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """A tiny HTTP server recording the JSON bodies POSTed to it."""
    posts: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            posts.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], posts
    server.shutdown()
    server.server_close()


def _settings(port: int | None, **overrides: Any) -> Settings:
    """Plain local SMTP on `port` (None: no mail server); retry policy pinned for the tests."""
    return Settings(
        **{
            "mail_url": f"mailto://127.0.0.1:{port}" if port else None,
            "mail_from": "leadflow@localhost",
            "outbox_max_attempts": 8,
            "outbox_backoff_seconds": 60,
            **overrides,
        }
    )


def _add(url: str, *recipients: str) -> list[int]:
    with UnitOfWork(session_factory(url), actor="test") as uow:
        rows = [
            OutboxMessage(
                dedupe_key=f"test:{i}:{r}",
                kind="test",
                lead_id=None,
                recipient=r,
                subject=f"Lead #{i} Acme: grade A",
                body=f"Lead #{i} was assigned to you.\nNeed: CRM\n",
                created_at=NOW,
            )
            for i, r in enumerate(recipients, 1)
        ]
        uow.session.add_all(rows)
        uow.commit()
        return [r.id for r in rows]


def _row(url: str, message_id: int) -> OutboxMessage:
    with UnitOfWork(session_factory(url)) as uow:
        row = uow.session.get(OutboxMessage, message_id)
        assert row is not None
        uow.session.expunge(row)  # the unit of work's closing rollback would expire it
        return row


def test_mail_arrives_once_with_subject_body_and_recipient(db_url, mailbox):
    ids = _add(db_url, "ann@example.com", "bob@example.com")
    settings = _settings(mailbox.port)

    result = deliver_outbox(db_url, NOW, settings=settings)

    assert (result.sent, result.failed, result.deferred, result.gave_up) == (2, 0, 0, 0)
    (mail,) = mailbox.to("ann@example.com")
    assert mail["Subject"] == "Lead #1 Acme: grade A"
    assert mail["From"] == "leadflow@localhost"
    assert mail.get_content().replace("\r\n", "\n") == "Lead #1 was assigned to you.\nNeed: CRM\n"
    assert [m["Subject"] for m in mailbox.to("bob@example.com")] == ["Lead #2 Acme: grade A"]
    assert _row(db_url, ids[0]).sent_at == NOW

    again = deliver_outbox(db_url, NOW + dt.timedelta(hours=1), settings=settings)
    assert (again.sent, again.failed) == (0, 0)
    assert len(mailbox.received) == 2
    with UnitOfWork(session_factory(db_url)) as uow:
        assert pending_count(uow.session) == 0


def test_refused_mail_waits_with_backoff_then_goes_out(db_url, mailbox):
    (message_id,) = _add(db_url, "bob@example.com")
    settings = _settings(mailbox.port)
    mailbox.refuse.add("bob@example.com")

    result = deliver_outbox(db_url, NOW, settings=settings)

    assert (result.sent, result.failed, result.gave_up) == (0, 1, 0)
    (error,) = result.errors
    assert error.id == message_id and error.recipient_masked == "b***@example.com"
    assert "bob@" not in error.model_dump_json() and "Traceback" not in error.error
    row = _row(db_url, message_id)
    assert row.sent_at is None and row.attempts == 1 and row.last_error
    assert "bob@" not in row.last_error
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=60)

    early = deliver_outbox(db_url, NOW + dt.timedelta(seconds=30), settings=settings)
    assert (early.sent, early.failed) == (0, 0)

    mailbox.refuse.clear()
    later = deliver_outbox(db_url, NOW + dt.timedelta(seconds=61), settings=settings)
    assert later.sent == 1
    assert len(mailbox.to("bob@example.com")) == 1
    assert _row(db_url, message_id).sent_at == NOW + dt.timedelta(seconds=61)


def test_unreachable_server_backs_off_doubling_then_gives_up(db_url):
    (message_id,) = _add(db_url, "ann@example.com")
    settings = _settings(free_port(), outbox_max_attempts=3, outbox_backoff_seconds=10)

    first = deliver_outbox(db_url, NOW, settings=settings)
    assert first.failed == 1
    assert _row(db_url, message_id).next_attempt_at == NOW + dt.timedelta(seconds=10)
    second = deliver_outbox(db_url, NOW + dt.timedelta(seconds=10), settings=settings)
    assert second.failed == 1
    assert _row(db_url, message_id).next_attempt_at == NOW + dt.timedelta(seconds=30)

    third = deliver_outbox(db_url, NOW + dt.timedelta(seconds=30), settings=settings)
    assert (third.failed, third.gave_up) == (0, 1)
    assert third.errors[0].recipient_masked == "a***@example.com"
    row = _row(db_url, message_id)
    assert row.attempts == 3 and row.sent_at is None and row.last_error
    assert row.next_attempt_at is None

    after = deliver_outbox(db_url, NOW + dt.timedelta(days=7), settings=settings)
    assert (after.sent, after.failed, after.gave_up) == (0, 0, 0)
    with UnitOfWork(session_factory(db_url)) as uow:
        assert pending_count(uow.session) == 1  # kept, never deleted


def test_backoff_is_capped_at_one_day():
    message = OutboxMessage(attempts=6)  # the 7th failure: 3600 * 2**6 s > 1 day
    assert not record_failure(message, "down", NOW, _settings(None, outbox_backoff_seconds=3600))
    assert message.next_attempt_at == NOW + dt.timedelta(days=1)


def test_mail_without_mail_url_is_deferred_and_untouched(db_url, webhook):
    port, posts = webhook
    mail_id, hook_id = _add(db_url, "ann@example.com", f"json://127.0.0.1:{port}/")

    result = deliver_outbox(db_url, NOW, settings=_settings(None))

    assert (result.sent, result.failed, result.deferred, result.gave_up) == (1, 0, 1, 0)
    assert len(posts) == 1 and _row(db_url, hook_id).sent_at == NOW
    row = _row(db_url, mail_id)
    assert row.sent_at is None and row.attempts == 0 and row.last_error is None


def test_apprise_url_recipient_is_delivered(db_url, webhook, mailbox):
    port, posts = webhook
    (hook_id,) = _add(db_url, f"json://127.0.0.1:{port}/")

    result = deliver_outbox(db_url, NOW, settings=_settings(mailbox.port))

    assert result.sent == 1
    (post,) = posts
    assert post["title"] == "Lead #1 Acme: grade A"
    assert post["message"] == "Lead #1 was assigned to you.\nNeed: CRM"  # apprise trims
    assert _row(db_url, hook_id).sent_at == NOW
    assert mailbox.received == []


def test_failing_webhook_and_bad_recipient_are_failures(db_url):
    hook_id, bad_id = _add(db_url, f"json://127.0.0.1:{free_port()}/", "not an address")

    result = deliver_outbox(db_url, NOW, settings=_settings(free_port()))

    assert (result.sent, result.failed) == (0, 2)
    assert [e.id for e in result.errors] == [hook_id, bad_id]
    assert _row(db_url, bad_id).last_error == (
        "the recipient is neither an email address nor an apprise URL"
    )


def test_recipients_are_masked_in_results_and_apprise_logs(db_url, mailbox, caplog):
    _add(db_url, "ann@example.com")
    caplog.set_level(logging.DEBUG, logger="apprise")

    deliver_outbox(db_url, NOW, settings=_settings(mailbox.port))

    assert len(mailbox.to("ann@example.com")) == 1
    assert "Sent Email to a***@example.com" in caplog.text
    assert "ann@" not in caplog.text and "ann%40" not in caplog.text
    assert mask("ann@example.com") == "a***@example.com"
    assert mask("json://hooks.example.com/T0/secret") == "json://hooks.example.com/***"
    assert mask("tgram://123456:ABCDEF/98765") == "tgram://***/***"
    assert mask("sms://+15551234567") == "sms://***"
    assert mask_text("call +1 555 123 4567 or mail bo.b+x@mail.example.com") == (
        "call *** or mail b***@mail.example.com"
    )


def test_cli_send_and_list(db_url, mailbox, tmp_path):
    _add(db_url, "ann@example.com", "bob@example.com")
    mailbox.refuse.add("bob@example.com")
    env = {
        **os.environ,
        "LEADFLOW_DATABASE_URL": db_url,
        "LEADFLOW_MAIL_URL": f"mailto://127.0.0.1:{mailbox.port}",
        "LEADFLOW_LOG_FILE": str(tmp_path / "errors.log"),
    }

    def cli(*args: str) -> str:
        proc = run(["outbox", *args], env)
        assert "@example.com" not in proc.stdout.replace("***@example.com", "")
        return proc.stdout

    sent = json.loads(cli("send", "--json"))
    assert (sent["sent"], sent["failed"]) == (1, 1)
    assert sent["errors"][0]["recipient_masked"] == "b***@example.com"
    unsent = json.loads(cli("list", "--unsent", "--json"))
    assert [(r["recipient"], r["status"], r["attempts"]) for r in unsent] == [
        ("b***@example.com", "retrying", 1)
    ]
    assert "1 not sent" in cli("list")


@needs_pg
@pytest.mark.postgres
def test_two_senders_deliver_each_message_exactly_once(pg_migrated, mailbox):
    _truncate(pg_migrated)
    recipients = [f"rep{i}@example.com" for i in range(40)]
    _add(pg_migrated, *recipients)
    settings = _settings(mailbox.port)
    start = threading.Barrier(2)
    results = []

    def sender() -> None:
        start.wait(timeout=10)
        results.append(deliver_outbox(pg_migrated, NOW, settings=settings))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sum(r.sent for r in results) == 40 and all(r.failed == 0 for r in results)
    delivered = sorted(rcpt for rcpts, _ in mailbox.received for rcpt in rcpts)
    assert delivered == sorted(recipients)
    with UnitOfWork(session_factory(pg_migrated)) as uow:
        assert uow.session.scalars(select(OutboxMessage.sent_at)).all() == [NOW] * 40
