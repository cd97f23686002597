"""Claims on match keys: how concurrent writers store one person once.

A person is matched by email, phone, or a name at a company (`rules.contact.match_keys`).
Before a writer looks for the stored lead a record joins, it claims every key of the record
in its own transaction: one upsert of a row per key (a digest of the key), in key order.
The row stays locked until the transaction ends, so a second writer storing the same person
waits at its claim, and then looks, finds the first writer's lead and joins it, instead of
storing a second lead beside it. On PostgreSQL the upsert locks the row (or waits for the
transaction that inserted it); on SQLite the claim is the transaction's first write, which
waits for the file's one writer, so what the writer reads after it is current.

The rows are lock rows, kept once made (one per key ever stored; `claimed_at` says when
a writer last held it); the leads' own key columns say which lead has a key."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from leadflow.store.models import Base, utcnow

CLAIMS_PER_STATEMENT = 5_000  # two parameters a row, well under either database's limit


class MatchKeyClaim(Base):
    """A match key (its sha256) that writers lock while they store or change its person."""

    __tablename__ = "match_key_claims"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    claimed_at: Mapped[dt.datetime]


def _newer(statement: Any) -> dict[str, Any]:
    """What a claim of a key that has a row sets: the time of this claim."""
    return {"claimed_at": statement.excluded.claimed_at}


def claim_key(kind: str, text: str) -> str:
    """The claim row's key of one match key: a digest, so every key fits one column."""
    return hashlib.sha256(f"{kind}\x1f{text}".encode()).hexdigest()


def claim_match_keys(session: Session, tokens: Iterable[tuple[str, str]]) -> None:
    """Hold the match keys (kind, text) until the session's transaction ends: a concurrent
    writer claiming one of them waits for this transaction to commit or roll back."""
    keys = sorted({claim_key(kind, text) for kind, text in tokens})
    if not keys:
        return
    claimed_at = utcnow()
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # In slices, in key order still: a statement holds at most 65,535 parameters on
    # PostgreSQL (32,766 on SQLite), and a 20,000-lead batch has about 200,000 keys.
    for start in range(0, len(keys), CLAIMS_PER_STATEMENT):
        rows = [
            {"key": key, "claimed_at": claimed_at}
            for key in keys[start : start + CLAIMS_PER_STATEMENT]
        ]
        upsert = insert(MatchKeyClaim).values(rows)
        # An update, not "do nothing": it locks an existing row too, in the same key order.
        session.execute(upsert.on_conflict_do_update(index_elements=["key"], set_=_newer(upsert)))
