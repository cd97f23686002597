"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from leadflow.store.db import engine_for, normalise_url
from leadflow.store.migrate import HEAD, current, head, upgrade
from leadflow.store.models import Base

VERSIONS = Path(__file__).parents[2] / "leadflow" / "store" / "migrations" / "versions"


def test_migrated_schema_matches_models(db_url):
    engine = engine_for(normalise_url(db_url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Types compared loosely: UtcDateTime is a DateTime(timezone=True) in the migration,
    # and SQLite reflects Double as DOUBLE. A column's changes come as a list of tuples.
    changes = [c for d in diff for c in (d if isinstance(d, list) else [d])]
    assert [c for c in changes if c[0] != "modify_type"] == []
    # One head: the one revision no migration file names as its down_revision (ids are
    # handed out per branch, so the newest file name need not be the newest revision).
    texts = [p.read_text(encoding="utf-8") for p in VERSIONS.glob("0*.py")]
    revisions = {m for t in texts for m in re.findall(r"^revision: str = [\"']([^\"']+)", t, re.M)}
    parents = {m for t in texts for m in re.findall(r"^down_revision: .*= [\"']([^\"']+)", t, re.M)}
    assert len(revisions - parents) == 1
    assert current(db_url) == head() == HEAD == (revisions - parents).pop()


def test_indexes_for_the_flows_exist(db_url):
    indexes = {ix["name"] for ix in inspect(engine_for(normalise_url(db_url))).get_indexes("leads")}
    assert {
        "ix_leads_state_owner",
        "ix_leads_next_action_due",
        "ix_leads_first_contact_due",
        "ix_leads_email_key",
        "ix_leads_phone_key",
        "ix_leads_company_key",
    } <= indexes


def test_leads_leave_room_for_updates_in_place_on_postgresql(db_url):
    engine = engine_for(normalise_url(db_url))
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no fillfactor")
    with engine.connect() as conn:
        options = conn.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'leads'"))
    assert options == ["fillfactor=80"]


def test_every_integer_column_and_id_sequence_is_64_bit_on_postgresql(db_url):
    """Ids share one range on both backends: SQLite's INTEGER is 64-bit, and so is every
    integer column and id sequence on PostgreSQL after 0010 (a 32-bit id column made
    GET /leads/2147483648 a 500)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite's INTEGER is 64-bit already")
    with engine_for(normalise_url(db_url)).connect() as conn:
        narrow = (
            conn.execute(
                text(
                    "SELECT table_name || '.' || column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() "
                    "AND data_type IN ('integer', 'smallint') "
                    "AND table_name <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        sequences = (
            conn.execute(
                text(
                    "SELECT sequencename FROM pg_sequences WHERE data_type <> 'bigint'::regtype "
                    "AND schemaname = current_schema()"
                )
            )
            .scalars()
            .all()
        )
        encoding = conn.scalar(text("SHOW server_encoding"))
    assert narrow == [] and sequences == [] and encoding == "UTF8"


def test_a_teams_one_manager_becomes_its_first_of_several(tmp_path):
    """Migration 0032: the manager a team had before it could have several is its first,
    and a team without one gets none. The rows are written as 0030's schema held them:
    no service of today writes that schema."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0030_match_key_claims")
    with engine_for(normalise_url(url)).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO teams (id, name, manager_name, manager_email, regions, industries,"
                " company_sizes, customer_types, timezone) VALUES"
                " (1, 'East', 'Mia', 'mia@example.com', '[]', '[]', '[]', '[]', 'UTC'),"
                " (2, 'West', NULL, NULL, '[]', '[]', '[]', '[]', 'UTC')"
            )
        )
    upgrade(url)
    with engine_for(normalise_url(url)).connect() as conn:
        rows = conn.execute(
            text("SELECT team_id, position, name, email FROM team_managers ORDER BY id")
        ).all()
    assert [tuple(r) for r in rows] == [(1, 0, "Mia", "mia@example.com")]
