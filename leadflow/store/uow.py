"""The unit of work: one transaction, committed only when asked, rolled back otherwise."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from leadflow.errors import VersionConflict
from leadflow.store.models import Lead


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
