"""What the lifecycle sends out or sets aside: outbox messages, reminders, handoff packages,
quarantined input and the keys of imported rows (their tables sit beside the leads' in
models.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.store.models import Base


class OutboxMessage(Base):
    """A notification written with the change that causes it; a sender delivers it once."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None]
    # Set and committed before a send, cleared with its outcome: a message still marked
    # after a crash may have gone out, so it is held in doubt rather than resent blindly.
    sending_since: Mapped[dt.datetime | None]
    attachments: Mapped[list[str] | None] = mapped_column(JSON)  # file paths sent along

    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "next_attempt_at"),)


class Reminder(Base):
    """One due item (first contact, follow-up, next action, objection, cadence) of a lead:
    reminded once, escalated once, never twice for the same due time."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    due_at: Mapped[dt.datetime]
    reminded_at: Mapped[dt.datetime]
    escalated_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("lead_id", "kind", "due_at", name="uq_reminders_item"),
        Index("ix_reminders_open", "resolved_at", "escalated_at", "reminded_at"),
    )


class Handoff(Base):
    """The delivery handoff package of a won deal: one per lead, whatever the retries."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    review_due: Mapped[dt.date]
    reviewed_at: Mapped[dt.datetime | None]  # the post-win review, when recorded
    review_notes: Mapped[str | None] = mapped_column(Text)
    delivery_owner: Mapped[str | None] = mapped_column(String(200))
    # When a package naming its delivery owner went out: until then the deal escalates.
    delivered_at: Mapped[dt.datetime | None]
    package: Mapped[dict[str, Any]]
    markdown: Mapped[str] = mapped_column(Text)

    # The reminder scan reads the reviews still owed, and the packages not delivered, only.
    __table_args__ = (
        Index(
            "ix_handoffs_undelivered",
            "lead_id",
            sqlite_where=text("delivered_at IS NULL"),
            postgresql_where=text("delivered_at IS NULL"),
        ),
        Index(
            "ix_handoffs_review_pending",
            "review_due",
            sqlite_where=text("reviewed_at IS NULL"),
            postgresql_where=text("reviewed_at IS NULL"),
        ),
    )


class QuarantinedRecord(Base):
    """A rejected input kept verbatim with its errors, so nothing a sender sent is lost,
    except the personal data the product refuses (its errors then say what was removed)."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(primary_key=True)
    origin: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    errors: Mapped[list[str]]
    received_at: Mapped[dt.datetime]
    replayed_lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))


class ImportRowKey(Base):
    """The key of one stored row of an imported file, so that importing the file again
    (after a crash, or by mistake) skips it: no second touch, no second notice."""

    __tablename__ = "import_row_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # see intake/row_keys.py
    run: Mapped[str] = mapped_column(String(32))  # the import that stored it
    origin: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[dt.datetime]
