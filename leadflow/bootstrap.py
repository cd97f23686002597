"""The composition root: settings -> database -> unit of work, built on first use."""

from __future__ import annotations

from functools import lru_cache

from leadflow.errors import LeadFlowError
from leadflow.settings import get_settings
from leadflow.store.db import normalise_url, session_factory
from leadflow.store.migrate import HEAD, current, upgrade
from leadflow.store.uow import UnitOfWork


class SchemaOutOfDate(LeadFlowError):
    """The database is not at the latest migration."""


@lru_cache(maxsize=8)
def ensure_schema(url: str) -> None:
    """SQLite files are migrated on first use; other databases must be upgraded explicitly
    (`leadflow db upgrade`), because a team's shared server deserves a deliberate step."""
    at = current(url)
    if at == HEAD:
        return
    if normalise_url(url).startswith("sqlite"):
        upgrade(url)
        return
    raise SchemaOutOfDate(
        f"the database is at migration {at or 'none'}, not {HEAD}: run `leadflow db upgrade`"
    )


def unit_of_work(
    actor: str = "system", url: str | None = None, check_schema: bool = True
) -> UnitOfWork:
    """A unit of work on the configured database (or `url`), schema checked once (unless
    the caller reports on the schema itself: `leadflow status`)."""
    url = url or get_settings().database_url
    if check_schema:
        ensure_schema(url)
    return UnitOfWork(session_factory(url), actor=actor)
