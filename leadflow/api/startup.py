"""What an API worker does once, before its first request.

Measured on PostgreSQL with two workers, 8 clients and batches of 100 (bench/README.md,
"Issue 18: the PostgreSQL API target"): under load a worker's full garbage collections took
114-170 ms, each stalling every request the worker had in flight, and each client's first
request was its slowest (0.2-0.26 s against a median of 0.1 s); together they set the p99.
Issue 27 measured each step below removed alone (bench/README.md, "Issue 27: what each
piece of performance machinery buys"): without any one of them the p99 target (< 0.3 s)
was missed.

- Prefect's settings are imported (and its events client when a server is configured):
  about 2 s, which the first request would otherwise pay (`events.warm_up`).
- The database is opened: the schema checked, the ORM's mappers configured, and the
  connection pool filled (a request that finds no idle connection opens one, a new
  PostgreSQL backend, and the first requests arrive together). A database that cannot be
  opened yet only skips this, with a warning; the first request answers 503 as it would.
- The intake is rehearsed: made-up batches are stored in a transaction that is rolled
  back, so SQLAlchemy compiles and caches the statements a batch takes now (each is
  compiled on its first use), not while the first requests wait. On PostgreSQL a rolled
  back insert still uses up its sequence values, so each worker start skips a lead id and a
  quarantine id; ids were never gapless (any rolled-back request skips some too).
- The heap loaded by then (FastAPI, SQLAlchemy, pydantic, Prefect: most of it, and it lives
  as long as the worker) is moved out of the cyclic garbage collector's view with
  `gc.freeze()`, so a full collection walks only what requests allocate.
"""

from __future__ import annotations

import gc
import logging

from sqlalchemy import Engine, QueuePool
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers

from leadflow import events
from leadflow.bootstrap import ensure_schema, unit_of_work
from leadflow.errors import LeadFlowError
from leadflow.intake.receive import store_leads
from leadflow.settings import Settings
from leadflow.store.db import engine_for, normalise_url

_log = logging.getLogger(__name__)


def prepare_worker(settings: Settings) -> None:
    """Load and open what every request needs, then freeze the heap (see the module)."""
    events.warm_up()
    configure_mappers()
    try:
        ensure_schema(settings.database_url)
        _fill_pool(engine_for(normalise_url(settings.database_url)))
        _rehearse_intake(settings)
    except (LeadFlowError, SQLAlchemyError) as exc:
        _log.warning("database not opened at startup: %s", str(exc).splitlines()[0])
    gc.collect()
    gc.freeze()


# Made-up leads for the rehearsal, never committed: a new lead, a repeat of it within the
# batch, and a record that fails validation; then the first again, as a repeat of a stored
# lead. Between them they take every statement a batch can take.
_REHEARSAL = (
    {
        "source": "website_form",
        "company_name": "Rehearsal Ltd",
        "contact_name": "R. Hearsal",
        "email": "rehearsal@leadflow.invalid",
        "need": "nothing: rolled back",
    },
    {"source": "website_form"},
)


def _rehearse_intake(settings: Settings) -> None:
    """Store made-up batches in a transaction that is rolled back, so that the statements
    the intake takes are compiled and cached now, not by the first requests."""
    lead, bad = _REHEARSAL
    rules = settings.rules()
    with unit_of_work("api", url=settings.database_url) as uow:
        batch = [lead, {**lead, "phone": "+1 555 0100"}, bad]
        store_leads(uow.session, enumerate(batch), "rehearsal", rules)
        store_leads(uow.session, enumerate([{**lead, "region": "east"}]), "rehearsal", rules)
        # never committed: the unit of work rolls everything back as it closes


def _fill_pool(engine: Engine) -> None:
    """Open as many connections as the pool keeps, and give them back to it."""
    if isinstance(engine.pool, QueuePool):
        connections = [engine.connect() for _ in range(engine.pool.size())]
        for connection in connections:
            connection.close()
