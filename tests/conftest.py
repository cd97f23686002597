"""Shared fixtures: a migrated database per test, SQLite always, PostgreSQL when configured
or when the default local server answers; and the fast default selection (see below)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from leadflow.prefect_env import configure_prefect
from leadflow.rules.config import RulesConfig
from leadflow.settings import get_rules
from leadflow.store.db import engine_for, normalise_url, session_factory
from leadflow.store.migrate import upgrade
from leadflow.store.models import Base
from leadflow.store.uow import UnitOfWork
from tests.mailserver import mailbox  # noqa: F401  (a shared fixture)

# The test session is an entry point like `leadflow serve`: the project's Prefect defaults
# (no telemetry, the runner's poll, the embedded server's start timeout) apply to it.
configure_prefect()

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/test"
SLOW_MARKS = ("slow", "reliability")
_DESELECTED = pytest.StashKey[int]()


def _postgres_url() -> str | None:
    """LEADFLOW_TEST_POSTGRES_URL when set (set and empty means: no PostgreSQL), otherwise
    the default local server if it answers within a second."""
    if "LEADFLOW_TEST_POSTGRES_URL" in os.environ:
        return os.environ["LEADFLOW_TEST_POSTGRES_URL"] or None
    import psycopg

    try:
        psycopg.connect(LOCAL_PG, connect_timeout=1).close()
    except psycopg.Error:
        return None
    return LOCAL_PG


PG_URL = _postgres_url()
needs_pg = pytest.mark.skipif(
    not PG_URL,
    reason="no PostgreSQL: LEADFLOW_TEST_POSTGRES_URL is empty, or unset and "
    f"{LOCAL_PG} does not answer",
)


def _named_files(config: pytest.Config) -> set[Path]:
    """The test files named on the command line (a file or a test in it, not a folder)."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return set()
    here = config.invocation_params.dir
    paths = (here / arg.split("::", 1)[0] for arg in config.args)
    return {path.resolve() for path in paths if path.is_file()}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups set here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The fast default: tests marked slow or reliability run only when `-m` chooses tests
    (`pytest -m "slow or reliability"`), when their file is named on the command line, or
    when nothing else was collected (`pytest tests/reliability`)."""
    flows = Path(__file__).parent / "flows"
    for item in items:  # one xdist worker, so one Prefect test server, runs all flows tests
        if item.path.is_relative_to(flows):
            item.add_marker(pytest.mark.xdist_group("prefect"))
    if config.getoption("markexpr"):
        return
    named = _named_files(config)
    kept, dropped = [], []
    for item in items:
        slow = any(item.get_closest_marker(mark) for mark in SLOW_MARKS)
        (dropped if slow and item.path.resolve() not in named else kept).append(item)
    if dropped and kept:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
        config.stash[_DESELECTED] = len(dropped)


def pytest_report_collectionfinish(config: pytest.Config) -> str | None:
    """Say what the fast default left out, and how to run it."""
    count = config.stash.get(_DESELECTED, 0)
    if not count:
        return None
    return (
        f'{count} slow/reliability tests deselected; run them with: pytest -m "slow or reliability"'
    )


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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated by Alembic once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "leadflow.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    engine_for(url).dispose()  # the last connection out folds the WAL into the file
    return path


def migrated_sqlite(template: Path, path: Path) -> str:
    """A copy of the migrated template at `path`, as a database URL."""
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=[needs_pg, pytest.mark.postgres])]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, and PostgreSQL when configured."""
    if request.param == "sqlite":
        return migrated_sqlite(request.getfixturevalue("sqlite_template"), tmp_path / "leadflow.db")
    url = request.getfixturevalue("pg_migrated")
    _truncate(url)
    return url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite file only (for tests that are about SQLite or the CLI)."""
    return migrated_sqlite(sqlite_template, tmp_path / "leadflow.db")


@pytest.fixture
def factory(db_url: str) -> sessionmaker[Session]:
    """Session factory on the test database, with field history tracking on."""
    return session_factory(db_url)


@pytest.fixture
def uow(factory: sessionmaker[Session]) -> Iterator[UnitOfWork]:
    """An open unit of work on the test database (rolled back unless committed)."""
    with UnitOfWork(factory, actor="test") as unit:
        yield unit
