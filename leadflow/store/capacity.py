"""Claims on reps' capacity: how concurrent intake chunks share the reps without holding a
roster lock for a whole chunk.

A rep's load is their open leads plus the claims of chunks that have not committed yet. A
chunk chooses its reps from a roster read without locks, then claims the slots in one short
transaction of its own (`claim_slots`): it locks just the candidate reps' rows, reads their
loads, grants each lead its first candidate with room, records the claims and commits. The
chunk's own transaction writes its leads with their owners and deletes its claims
(`release_claims`), so one commit turns the claims into open leads. On PostgreSQL a claim
names the chunk's transaction and counts only while that transaction is in progress (or has
just committed): a chunk that rolls back, or whose process is killed, leaves no slot taken.
On SQLite, which has one writer, the claims are made and released in the chunk's own
transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from leadflow.rules.vocab import OPEN_STATES
from leadflow.store.models import Base, Lead, SalesRep

OPEN = [s.value for s in OPEN_STATES]
# A claim waits at most this long for another writer's lock on a rep (an assignment job that
# locks the whole roster); a wait that long ends the chunk, which is retried, instead of
# waiting on a cycle the server cannot see (the chunk waits for its own claim in Python).
LOCK_TIMEOUT = "60s"


class RepClaim(Base):
    """One slot of a rep's capacity taken by a chunk that has not committed its leads yet."""

    __tablename__ = "rep_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("sales_reps.id", ondelete="CASCADE"))
    lead_id: Mapped[int]
    # The claiming chunk's transaction id on PostgreSQL (pg_current_xact_id), 0 on SQLite.
    xact: Mapped[int]

    __table_args__ = (Index("ix_rep_claims_rep_id", "rep_id"), Index("ix_rep_claims_xact", "xact"))


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _live(session: Session) -> ColumnElement[bool]:
    """Claims that still hold a slot: their chunk is in progress, or committed after the
    reading statement's snapshot (a committed chunk has deleted its claims, and its leads
    are counted instead as soon as the claims' deletion is visible)."""
    if not _postgres(session):
        return true()  # SQLite: only the writing chunk's own claims are ever visible
    status: ColumnElement[str] = literal_column(
        "pg_xact_status(CAST(CAST(rep_claims.xact AS text) AS xid8))"
    )
    return status.in_(["in progress", "committed"])


def chunk_xact(session: Session) -> int:
    """The id of the session's transaction, which its claims name (0 on SQLite)."""
    if not _postgres(session):
        return 0
    return int(session.scalar(text("SELECT CAST(CAST(pg_current_xact_id() AS text) AS bigint)")))


def rep_loads(session: Session, rep_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Each rep's open leads plus live claims, read in one statement (one snapshot, so a
    chunk committing meanwhile is counted once: by its claims or by its leads)."""
    owned = select(Lead.owner_id.label("rep_id")).where(
        Lead.state.in_(OPEN), Lead.owner_id.is_not(None)
    )
    claimed = select(RepClaim.rep_id).where(_live(session))
    if rep_ids is not None:
        ids = list(rep_ids)
        owned, claimed = (
            owned.where(Lead.owner_id.in_(ids)),
            claimed.where(RepClaim.rep_id.in_(ids)),
        )
    both = union_all(owned, claimed).subquery()
    return dict(
        session.execute(select(both.c.rep_id, func.count()).group_by(both.c.rep_id)).tuples().all()
    )


def claim_slots(
    session: Session,
    wants: list[tuple[int, tuple[int, ...]]],
    now: dt.datetime,
    apart: bool = False,
) -> dict[int, int | None]:
    """Claim one slot for each lead (lead id, candidate rep ids in order): the first
    candidate present and below capacity gets it. Returns lead id -> rep id, or None when
    every candidate was full. With `apart` on PostgreSQL the claim is a short transaction
    of its own, holding the candidates' row locks only for the check; the caller's
    transaction must then have changed no rep and no lead's owner or state, which the claim
    could not see. Otherwise it runs in the session's transaction (and on SQLite always)."""
    reps = sorted({rep for _, candidates in wants for rep in candidates})
    if not reps:
        return {lead: None for lead, _ in wants}
    xact = chunk_xact(session)
    if not (apart and _postgres(session)):
        return _claim(session, wants, reps, xact, now)
    with Session(session.get_bind()) as own, own.begin():
        own.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
        # Losing claims in a server crash loses nothing: the chunk's transaction dies too.
        own.execute(text("SET LOCAL synchronous_commit = off"))
        return _claim(own, wants, reps, xact, now)


def _claim(
    session: Session,
    wants: list[tuple[int, tuple[int, ...]]],
    reps: list[int],
    xact: int,
    now: dt.datetime,
) -> dict[int, int | None]:
    # FOR NO KEY UPDATE, in id order: claims on the same reps take turns (no deadlock), while
    # other chunks' lead writes, which take KEY SHARE on their owners, never wait for it.
    locked = session.execute(
        select(SalesRep.id, SalesRep.capacity, SalesRep.away)
        .where(SalesRep.id.in_(reps))
        .order_by(SalesRep.id)
        .with_for_update(key_share=True)
    ).all()
    loads = rep_loads(session, reps)
    room = {rep: 0 if away else capacity - loads.get(rep, 0) for rep, capacity, away in locked}
    granted: dict[int, int | None] = {}
    for lead, candidates in wants:
        rep = next((r for r in candidates if room.get(r, 0) > 0), None)
        if rep is not None:
            room[rep] -= 1
        granted[lead] = rep
    taken = [
        {"rep_id": rep, "lead_id": lead, "xact": xact}
        for lead, rep in granted.items()
        if rep is not None
    ]
    if taken:
        session.execute(insert(RepClaim), taken)
        # The round-robin cursor moves with the claim, so the chunk never updates a rep row.
        session.execute(
            update(SalesRep)
            .where(SalesRep.id.in_({t["rep_id"] for t in taken}))
            .values(last_assigned_at=now)
        )
    if _postgres(session):  # claims of chunks that rolled back or died hold nothing
        session.execute(delete(RepClaim).where(RepClaim.rep_id.in_(reps), ~_live(session)))
    return granted


def release_claims(session: Session, xact: int) -> None:
    """Delete the chunk's claims in its own transaction, which now owns the leads."""
    session.execute(delete(RepClaim).where(RepClaim.xact == xact))
