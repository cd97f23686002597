"""Bulk intake: storing (validate, dedupe, quarantine) and the chunk path (screen, score,
grade, assign, audit), against a Core executemany of the same rows; and the same through
the real lead-intake flow."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from sqlalchemy import insert, select

from bench import data
from bench.core import Config, Result, median_time
from bench.databases import database
from leadflow.intake.pending import process_pending
from leadflow.intake.receive import store_leads
from leadflow.settings import get_rules, get_settings
from leadflow.store.db import engine_for, normalise_url, session_factory
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork

STORE_BATCH = 1000  # records per import transaction, like a full API batch


def store_all(url: str, records: list[dict[str, Any]]) -> int:
    """Store the records through the import path, a transaction per batch; returns how
    many leads were created."""
    created = 0
    rules = get_rules()
    for start in range(0, len(records), STORE_BATCH):
        rows = list(enumerate(records[start : start + STORE_BATCH], start=start + 1))
        with UnitOfWork(session_factory(url), actor="bench-import") as uow:
            created += store_leads(uow.session, rows, "bench", rules).accepted
            uow.commit()
    return created


def stored_rows(url: str) -> list[dict[str, Any]]:
    """Every stored lead row, id left out (what a floor inserts again)."""
    columns = [c for c in Lead.__table__.columns if c.key != "id"]
    with engine_for(normalise_url(url)).connect() as conn:
        return [dict(r) for r in conn.execute(select(*columns)).mappings()]


def insert_floor(
    backend: str, config: Config, rows: list[dict[str, Any]], per_transaction: int | None = None
) -> float:
    """Seconds for a Core executemany of the very rows stored, into a fresh database: in
    one transaction, or a transaction per `per_transaction` rows."""
    per = per_transaction or max(1, len(rows))
    with database(backend, config.workdir, "insert-floor", config.pg_url) as url:
        data.create_team(url, 7, len(rows))
        engine = engine_for(normalise_url(url))
        start = time.perf_counter()
        for first in range(0, len(rows), per):
            with engine.begin() as conn:
                conn.execute(insert(Lead), rows[first : first + per])
        return time.perf_counter() - start


def _one_intake(
    backend: str, config: Config, records: list[dict[str, Any]]
) -> tuple[float, float, float, int]:
    """(store seconds, process seconds, floor seconds, leads created) on fresh databases."""
    with database(backend, config.workdir, "intake", config.pg_url) as url:
        data.create_team(url, 7, len(records))
        start = time.perf_counter()
        created = store_all(url, records)
        stored = time.perf_counter()
        process_pending(url, dt.datetime.now(dt.UTC))
        done = time.perf_counter()
        rows = stored_rows(url)
    return stored - start, done - stored, insert_floor(backend, config, rows), created


def bulk_intake(config: Config, backend: str = "sqlite") -> Result:
    """Bulk intake through the import path and the intake chunk path."""
    n = config.size(100_000, 2_500)
    records = data.lead_records(7, n)
    runs = [_one_intake(backend, config, records) for _ in range(config.repeat)]
    runs.sort(key=lambda r: r[0] + r[1])
    store_s, process_s, _, created = runs[len(runs) // 2]
    floor_s = sorted(r[2] for r in runs)[len(runs) // 2]
    total = store_s + process_s
    result = Result(
        "bulk-intake",
        backend,
        {"leads": n, "created": created},
        metrics={
            "seconds": total,
            "store_seconds": store_s,
            "process_seconds": process_s,
            "leads_per_s": n / total,
            "ratio_to_floor": total / floor_s,
        },
        floor={"seconds": floor_s, "rows_per_s": created / floor_s},
    )
    # Issue 27's target: within 8x a bare INSERT of the same rows (the intake writes each
    # lead twice by design, stored then worked; bench/README.md says why 3x is out of reach).
    result.target("x floor", total / floor_s, 8.0)
    return result


def _task_runs(flow_run_id: Any) -> int:
    """How many task runs the flow run made (Prefect's own count)."""
    import httpx
    from prefect.settings import PREFECT_API_URL

    reply = httpx.post(
        f"{PREFECT_API_URL.value()}/task_runs/count",
        timeout=30,
        json={"flow_runs": {"id": {"any_": [str(flow_run_id)]}}},
    )
    reply.raise_for_status()
    return int(reply.json())


def _one_flow(config: Config, records: list[dict[str, Any]]) -> tuple[float, float, int]:
    """(flow seconds, chunk path seconds, task runs) on two identical fresh databases."""
    from leadflow.flows.intake import lead_intake

    with database("sqlite", config.workdir, "flow-chunks", None) as url:
        data.create_team(url, 7, len(records))
        store_all(url, records)
        chunk_s, _ = median_time(lambda: process_pending(url, dt.datetime.now(dt.UTC)), 1)
    with database("sqlite", config.workdir, "flow", None) as url:
        data.create_team(url, 7, len(records))
        store_all(url, records)
        start = time.perf_counter()
        state = lead_intake(url=url, chunk_size=get_settings().chunk_size, return_state=True)
        flow_s = time.perf_counter() - start
        state.result()
        tasks = _task_runs(state.state_details.flow_run_id)
    return flow_s, chunk_s, tasks


def flow_intake(config: Config) -> Result:
    """The same intake through the real lead-intake flow, against the chunk path."""
    n = config.size(100_000, 2_500)
    records = data.lead_records(7, n)
    runs = sorted(
        (_one_flow(config, records) for _ in range(config.repeat)), key=lambda r: r[0] / r[1]
    )
    flow_s, chunk_s, tasks = runs[len(runs) // 2]
    result = Result(
        "flow-intake",
        "sqlite",
        {"leads": n},
        metrics={
            "seconds": flow_s,
            "chunk_path_seconds": chunk_s,
            "task_runs": tasks,
            "ratio_to_chunk_path": flow_s / chunk_s,
            "leads_per_s": n / flow_s,
        },
    )
    result.target("task runs", tasks, 200)
    result.target("x chunk path", flow_s / chunk_s, 1.5)
    return result
