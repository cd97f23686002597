"""Mail with files attached, through apprise to a real SMTP server, read back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from leadflow.notify.messages import enqueue
from leadflow.notify.outbox import deliver_outbox
from leadflow.store.db import session_factory
from leadflow.store.outbound_models import OutboxMessage
from leadflow.store.uow import UnitOfWork
from tests.integration.test_outbox import NOW, _row, _settings


def _queue(url: str, attachments: list[str]) -> int:
    with UnitOfWork(session_factory(url), actor="test") as uow:
        enqueue(
            uow.session,
            key="report:1",
            kind="review",
            lead_id=None,
            recipient="mia@example.com",
            subject="Pipeline review 2026-Q3",
            body="The review is attached.\n",
            now=NOW,
            attachments=attachments,
        )
        uow.commit()
        return uow.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "report:1")
        )


def test_attachments_arrive_byte_for_byte(db_url, mailbox, tmp_path: Path):
    page = tmp_path / "review-2026-Q3.html"
    page.write_text("<!DOCTYPE html><h1>Pipeline review ünïcode</h1>", encoding="utf-8")
    book = tmp_path / "review-2026-Q3.xlsx"
    book.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    _queue(db_url, [str(page), str(book)])

    result = deliver_outbox(db_url, NOW, settings=_settings(mailbox.port))

    assert (result.sent, result.failed) == (1, 0)
    (mail,) = mailbox.to("mia@example.com")
    assert mail["Subject"] == "Pipeline review 2026-Q3"
    files = {part.get_filename(): part.get_payload(decode=True) for part in mail.iter_attachments()}
    assert files == {
        "review-2026-Q3.html": page.read_bytes(),
        "review-2026-Q3.xlsx": book.read_bytes(),
    }


def test_a_missing_attachment_fails_the_send_and_waits(db_url, mailbox, tmp_path: Path):
    message_id = _queue(db_url, [str(tmp_path / "gone.xlsx")])

    result = deliver_outbox(db_url, NOW, settings=_settings(mailbox.port))

    assert (result.sent, result.failed) == (0, 1)
    assert result.errors[0].error == "attachment not found: gone.xlsx"
    assert mailbox.received == []
    row = _row(db_url, message_id)
    assert row.sent_at is None and row.attempts == 1
