"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from leadflow.store.db import engine_for, normalise_url
from leadflow.store.migrate import HEAD, current, head
from leadflow.store.models import Base

VERSIONS = Path(__file__).parents[2] / "leadflow" / "store" / "migrations" / "versions"


def test_migrated_schema_matches_models(db_url):
    engine = engine_for(normalise_url(db_url))
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Types compared loosely: UtcDateTime is a DateTime(timezone=True) in the migration.
    assert [d for d in diff if d[0] != "modify_type"] == []
    newest = max(p.stem for p in VERSIONS.glob("0*.py"))  # one head: the newest migration
    assert current(db_url) == head() == HEAD == newest


def test_indexes_for_the_flows_exist(db_url):
    indexes = {ix["name"] for ix in inspect(engine_for(normalise_url(db_url)))
               .get_indexes("leads")}
    assert {"ix_leads_state_owner", "ix_leads_next_action_due", "ix_leads_first_contact_due",
            "ix_leads_email_key", "ix_leads_phone_key", "ix_leads_company_key"} <= indexes


def test_leads_leave_room_for_updates_in_place_on_postgresql(db_url):
    engine = engine_for(normalise_url(db_url))
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no fillfactor")
    with engine.connect() as conn:
        options = conn.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'leads'"))
    assert options == ["fillfactor=80"]
