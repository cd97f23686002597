"""Schema migrations through Alembic; `leadflow db upgrade` calls upgrade().

Alembic is imported only when a migration runs or a schema is out of date: a flow run's
process checks the schema at its start, and importing Alembic was 0.13 s of that start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from leadflow.store.db import engine_for, normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

# The newest packaged revision, so that a schema can be checked with one query;
# tests/integration/test_migrations.py holds it equal to Alembic's own head.
HEAD = "0033_workbench_indexes"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "leadflow.store:migrations")
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


@contextmanager
def migrating(url: str) -> Iterator[Connection]:
    """A connection in a transaction for migrations. On SQLite, foreign keys are off while
    it lasts: Alembic changes a SQLite table by copying it, dropping the old one and
    renaming the copy, and with foreign keys on, dropping `leads` would delete every row
    that refers to a lead (its plans, minutes, history) or fail on them."""
    with engine_for(normalise_url(url)).connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a PRAGMA that changes foreign keys is ignored inside a transaction
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                yield conn
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to the given revision (latest by default)."""
    from alembic import command

    cfg = alembic_config(url)
    with migrating(url) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current(url: str) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with engine_for(normalise_url(url)).connect() as conn:
        return revision(conn)


def revision(conn: Connection) -> str | None:
    """The revision of a connected database, or None when it was never migrated (the
    migrations are one line, so Alembic's version table holds one row)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def head() -> str | None:
    """The newest revision the packaged migrations know, as Alembic reads them."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
