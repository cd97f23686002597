"""What an API worker does once, before its first request.

Measured on PostgreSQL with two workers (bench/README.md, "Issue 18: the PostgreSQL API
target"): without it the first requests of each worker answered 0.2-0.26 s late, and under
load a worker's full garbage collections took 114-170 ms, each stalling every request the
worker had in flight; together they set the p99.

- Prefect's settings are imported (and its events client when a server is configured):
  about 2 s, which the first request would otherwise pay (`events.warm_up`).
- The database is opened: the schema checked, the ORM's mappers configured, and the
  connection pool filled (a request that finds no idle connection opens one, a new
  PostgreSQL backend, and the first requests arrive together). A database that cannot be
  opened yet only skips this, with a warning; the first request answers 503 as it would.
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
from leadflow.bootstrap import ensure_schema
from leadflow.errors import LeadFlowError
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
    except (LeadFlowError, SQLAlchemyError) as exc:
        _log.warning("database not opened at startup: %s", str(exc).splitlines()[0])
    gc.collect()
    gc.freeze()


def _fill_pool(engine: Engine) -> None:
    """Open as many connections as the pool keeps, and give them back to it."""
    if isinstance(engine.pool, QueuePool):
        connections = [engine.connect() for _ in range(engine.pool.size())]
        for connection in connections:
            connection.close()
