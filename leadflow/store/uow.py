"""The unit of work: one transaction, committed only when asked, rolled back otherwise."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from leadflow.errors import VersionConflict
from leadflow.store.models import Lead

T = TypeVar("T")
# Times a unit of work runs its work when the database undoes it for a concurrent one.
ATTEMPTS = 3
# PostgreSQL's deadlock_detected and serialization_failure: the server chose this
# transaction to undo so that another could finish; the same work run again may pass.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def transient(exc: BaseException) -> bool:
    """A deadlock or serialization failure: nothing was saved, and running again is safe."""
    return isinstance(exc, DBAPIError) and (
        getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES
    )


def changing_leads(session: Session) -> list[int]:
    """Ids of the loaded leads with changes not yet written."""
    return sorted({obj.id for obj in session.dirty if isinstance(obj, Lead) and obj.id})


def conflict(session: Session, ids: list[int]) -> VersionConflict:
    """Roll back a change that lost to a concurrent writer, and say in LeadFlow's words
    which lead it was and where that lead is now (SQLAlchemy's text names SQL, not leads)."""
    session.rollback()
    if not ids:
        return VersionConflict()
    now = session.execute(
        select(Lead.id, Lead.state, Lead.version).where(Lead.id.in_(ids)).order_by(Lead.id)
    ).all()
    return VersionConflict(
        "; ".join(f"lead {i} is now {state!r} at version {version}" for i, state, version in now),
        lead_id=ids[0],
    )


def flush(session: Session) -> None:
    """Send pending changes; a concurrent writer's change surfaces as VersionConflict."""
    ids = changing_leads(session)
    try:
        session.flush()
    except StaleDataError:
        raise conflict(session, ids) from None


class UnitOfWork:
    """One transaction: nothing is saved unless commit() is called."""

    session: Session

    def __init__(self, session_factory: sessionmaker[Session], actor: str = "system") -> None:
        self._factory = session_factory
        self.actor = actor

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.session.info["actor"] = self.actor
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.rollback()
        self.session.close()

    def run(self, work: Callable[[], T], races: tuple[type[BaseException], ...] = ()) -> T:
        """Run `work` (which commits) up to ATTEMPTS times: again, after a rollback, when
        the database undid it for a concurrent transaction (a deadlock or serialization
        failure), or when it raised one of `races` (a race the caller knows it may lose);
        the last attempt's error is raised."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return work()
            except Exception as exc:
                if attempt == ATTEMPTS or not (transient(exc) or isinstance(exc, races)):
                    raise
                self.session.rollback()
        raise AssertionError("unreachable: the last attempt returns or raises")

    def flush(self) -> None:
        """Send pending changes; a concurrent writer's change surfaces as VersionConflict."""
        flush(self.session)

    def commit(self) -> None:
        """Make every change of this unit of work durable, or none of them."""
        ids = changing_leads(self.session)
        try:
            self.session.commit()
        except StaleDataError:
            raise conflict(self.session, ids) from None
