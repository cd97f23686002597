"""Schema migrations through Alembic; `leadflow db upgrade` calls upgrade()."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from leadflow.store.db import engine_for, normalise_url


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", "leadflow.store:migrations")
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to the given revision (latest by default)."""
    cfg = alembic_config(url)
    with engine_for(normalise_url(url)).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine_for(normalise_url(url)).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    """The newest revision the packaged migrations know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
