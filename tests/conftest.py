"""Shared fixtures: a migrated database per test, SQLite always, PostgreSQL when configured."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from leadflow.rules.config import RulesConfig
from leadflow.settings import get_rules
from leadflow.store.db import engine_for, normalise_url, session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.models import Base
from leadflow.store.uow import UnitOfWork
from tests.mailserver import mailbox  # noqa: F401  (a shared fixture)

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

PG_URL = os.environ.get("LEADFLOW_TEST_POSTGRES_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="LEADFLOW_TEST_POSTGRES_URL is not set")


@pytest.fixture
def rules() -> RulesConfig:
    """The default rule book."""
    return get_rules()


def _admin_engine():
    assert PG_URL
    return create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_migrated() -> Iterator[str]:
    """A PostgreSQL database of this test session's own, migrated, dropped at the end.

    Its own database keeps parallel runs on the same server (and anyone else's use of
    the configured database) out of each other's way."""
    assert PG_URL
    name = f"leadflow_test_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_URL.rsplit('/', 1)[0]}/{name}"
    upgrade(url)
    yield url
    engine_for(normalise_url(url)).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate(url: str) -> None:
    names = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    with engine_for(normalise_url(url)).begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=[needs_pg,
                                                                     pytest.mark.postgres])])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database: a SQLite file, and PostgreSQL when configured."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'leadflow.db'}"
        upgrade(url)
        return url
    url = request.getfixturevalue("pg_migrated")
    _truncate(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite file only (for tests that are about SQLite or the CLI)."""
    url = f"sqlite:///{tmp_path / 'leadflow.db'}"
    upgrade(url)
    return url


@pytest.fixture
def factory(db_url: str) -> sessionmaker[Session]:
    """Session factory on the test database, with field history tracking on."""
    return session_factory(db_url)


@pytest.fixture
def uow(factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    """An open unit of work on the test database (rolled back unless committed)."""
    with UnitOfWork(factory, actor="test") as unit:
        yield unit
