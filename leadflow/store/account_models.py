"""Customer accounts (seed 004: 初步意向 - 高意向 - 重点客户): a company matched by the same
key as dedupe, its tier, the team that follows a key account, and who changed them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from leadflow.store.models import Base


class Account(Base):
    """A customer company: its tier and dedicated follow-up group (a team)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # leads.company_key of the company's leads (rules.contact.company_key of the name).
    company_key: Mapped[str] = mapped_column(String(300), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    tier: Mapped[str] = mapped_column(String(10))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime]

    __table_args__ = (CheckConstraint("tier IN ('initial', 'high', 'key')", name="tier"),)


class AccountChange(Base):
    """One change to an account's tier or group: who, when, from what to what."""

    __tablename__ = "account_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    field: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None] = mapped_column(String(300))
    new_value: Mapped[str | None] = mapped_column(String(300))
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[dt.datetime]
