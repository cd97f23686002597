"""The unit of work: one transaction, committed only when asked, rolled back otherwise."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from leadflow.errors import VersionConflict


def flush(session: Session) -> None:
    """Send pending changes; a concurrent writer's change surfaces as VersionConflict."""
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise VersionConflict(str(exc)) from None


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
        try:
            self.session.commit()
        except StaleDataError as exc:
            self.session.rollback()
            raise VersionConflict(str(exc)) from None
