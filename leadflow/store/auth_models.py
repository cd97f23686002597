"""What the HTTP API keeps for itself: API keys (hashes only) and idempotency records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.rules.vocab import Role
from leadflow.store.models import Base, utcnow

_ROLES = ", ".join(f"'{r.value}'" for r in Role)


class ApiKey(Base):
    """An API key: only its sha256 is stored, with a short prefix to recognise it by."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    rep_id: Mapped[int | None] = mapped_column(ForeignKey("sales_reps.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLES})", name="role"),
        CheckConstraint("role <> 'rep' OR rep_id IS NOT NULL", name="rep_key_names_rep"),
    )


class IdempotencyRecord(Base):
    """A create request sent with an Idempotency-Key: its fingerprint and the answer it got,
    so a repeat gets the same answer and creates nothing."""

    __tablename__ = "api_idempotency"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("api_key_id", "key", name="uq_api_idempotency_key"),)
