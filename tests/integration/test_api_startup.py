"""What an API worker does before its first request (leadflow/api/startup.py): it opens
its database, fills its connection pool, rehearses the intake without storing anything,
and moves the heap loaded by then out of the garbage collector's view; a database it
cannot open yet does not stop it from starting."""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path

import pytest
from sqlalchemy import QueuePool, func, inspect, select

from leadflow.api.app import create_app
from leadflow.bootstrap import unit_of_work
from leadflow.settings import Settings
from leadflow.store.db import engine_for
from leadflow.store.deal_models import Touch
from leadflow.store.models import FieldChange, Lead
from leadflow.store.outbound_models import QuarantinedRecord


def _start_and_stop(url: str) -> int:
    """Run the app's startup and shutdown as uvicorn does; the number of frozen objects."""
    app = create_app(Settings(database_url=url))

    async def run() -> int:
        async with app.router.lifespan_context(app):
            return gc.get_freeze_count()

    try:
        return asyncio.run(run())
    finally:
        gc.unfreeze()  # the test process goes on collecting as before


def test_a_worker_opens_its_database_and_freezes_its_heap_at_startup(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'leads.db'}"
    assert _start_and_stop(url) > 0
    # Opened, not only named: a SQLite file is migrated on first use, so it has its tables;
    # and the pool holds as many idle connections as it keeps.
    pool = engine_for(url).pool
    assert isinstance(pool, QueuePool) and pool.checkedin() == pool.size() == 5
    assert inspect(engine_for(url)).has_table("leads")


def test_a_database_that_cannot_be_opened_does_not_stop_a_worker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'no such folder' / 'leads.db'}"
    with caplog.at_level(logging.WARNING, logger="leadflow.api.startup"):
        assert _start_and_stop(url) > 0
    assert "database not opened at startup" in caplog.text


def test_the_intake_rehearsal_at_startup_stores_nothing(db_url: str) -> None:
    """The worker stores made-up batches so that their statements are compiled before the
    first request, and rolls them back: no lead, history, touch or quarantined record."""
    _start_and_stop(db_url)
    with unit_of_work("test", url=db_url) as uow:
        for model in (Lead, FieldChange, Touch, QuarantinedRecord):
            assert uow.session.scalar(select(func.count()).select_from(model)) == 0
