"""Databases the scenarios run on: a fresh SQLite file, or a PostgreSQL database of the
bench's own (created, migrated and dropped by it)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from leadflow.store.db import engine_for, normalise_url
from leadflow.store.migrate import upgrade


def remove_sqlite(workdir: Path, name: str) -> str:
    """Remove a SQLite file of the work folder (and its journals); returns its URL."""
    url = f"sqlite:///{(workdir / f'{name}.db').resolve()}"
    engine_for(url).dispose()  # pooled connections would still see the removed file
    for suffix in ("", "-wal", "-shm", "-journal"):
        (workdir / f"{name}.db{suffix}").unlink(missing_ok=True)
    return url


def sqlite_file(workdir: Path, name: str) -> str:
    """A migrated, empty SQLite file in the work folder (a previous one is removed)."""
    workdir.mkdir(parents=True, exist_ok=True)
    url = remove_sqlite(workdir, name)
    upgrade(url)
    return url


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """An empty PostgreSQL database named <prefix>_<pid>_<hex> on the server, dropped at
    the end; yields its URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{server_url.rsplit('/', 1)[0]}/{name}"
    try:
        yield url
    finally:
        engine_for(normalise_url(url)).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database named leadflow_bench_<pid>_<hex>, dropped at the end."""
    with scratch_postgres(server_url, "leadflow_bench") as url:
        upgrade(url)
        yield url


@contextmanager
def prefect_database(server_url: str) -> Iterator[str]:
    """A database for a Prefect server on PostgreSQL, as docs/deploy.md sets a team's up;
    yields it as the asyncpg URL Prefect's server takes."""
    with scratch_postgres(server_url, "prefect_bench") as url:
        yield normalise_url(url).replace("+psycopg://", "+asyncpg://", 1)


@contextmanager
def database(backend: str, workdir: Path, name: str, pg_url: str | None) -> Iterator[str]:
    """A fresh database of the backend ('sqlite' or 'postgresql') for one scenario."""
    if backend == "sqlite":
        try:
            yield sqlite_file(workdir, name)
        finally:  # a million-lead file is a gigabyte
            remove_sqlite(workdir, name)
        return
    assert pg_url, "PostgreSQL scenarios need --pg-url"
    with postgres_database(pg_url) as url:
        yield url


def clear_table(url: str, table: str) -> None:
    """Delete every row of one table (between repetitions of a floor)."""
    with engine_for(normalise_url(url)).begin() as conn:
        conn.execute(text(f"DELETE FROM {table}"))
