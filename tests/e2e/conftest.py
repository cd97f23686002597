"""Fixtures of the end-to-end suite: the CLI's environment on a migrated SQLite copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import migrated_sqlite
from tests.e2e.cli_harness import cli_env


@pytest.fixture
def env(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    """The CLI's environment: a migrated SQLite file and an error log in tmp_path."""
    database = tmp_path / "cli.db"
    migrated_sqlite(sqlite_template, database)
    return cli_env(tmp_path, database)
