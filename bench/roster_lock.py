"""How much of an intake chunk's time is spent holding a lock on the roster (rep rows), on
PostgreSQL, with 1 or more processes claiming and processing chunks at once:

    LEADFLOW_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.roster_lock --records 24000 --workers 1 2

A lock on the roster is held from the statement that locks rep rows (`SELECT .. FROM
sales_reps .. FOR [NO KEY] UPDATE`, or an `UPDATE sales_reps`) until its transaction ends,
whichever transaction that is (the chunk's own or a short claim beside it). The timings
come from SQLAlchemy's public engine events, so the same script measures any version of
the intake. Prints one JSON line per configuration. Numbers, not assertions."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import re
import sys
import time
from typing import Any

from sqlalchemy import Engine, event

LOCKS = re.compile(
    r"^\s*UPDATE sales_reps\b|\bFROM sales_reps\b.*\bFOR (NO KEY )?UPDATE\b", re.S | re.I
)


def _watch(held: list[float], waited: list[float]) -> None:
    """Time, per connection of any engine in this process, each roster lock from its grant
    to the end of its transaction."""
    since: dict[int, float] = {}
    asked: dict[int, float] = {}

    def before(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if id(conn) not in since and LOCKS.search(statement):
            asked[id(conn)] = time.perf_counter()

    def after(conn: Any, *_: Any) -> None:
        if id(conn) in asked:
            since[id(conn)] = time.perf_counter()
            waited.append(since[id(conn)] - asked.pop(id(conn)))

    def end(conn: Any) -> None:
        start = since.pop(id(conn), None)
        if start is not None:
            held.append(time.perf_counter() - start)

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)
    event.listen(Engine, "commit", end)
    event.listen(Engine, "rollback", end)


def work(url: str, size: int, now: dt.datetime) -> dict[str, Any]:
    """Claim and process chunks until none is left; the chunk and lock timings."""
    from leadflow.intake.pending import claim_intake_chunk

    held: list[float] = []
    waited: list[float] = []
    _watch(held, waited)
    chunk_seconds: list[float] = []
    leads = 0
    while True:
        start = time.perf_counter()
        result = claim_intake_chunk(size, now, url)
        if not result.processed:
            break
        chunk_seconds.append(time.perf_counter() - start)
        leads += result.processed
    return {
        "chunks": len(chunk_seconds),
        "leads": leads,
        "chunk_s": sum(chunk_seconds),
        "held_s": sum(held),
        "waited_s": sum(waited),
        "locks": len(held),
    }


def measure(admin_url: str, records: int, workers: int, size: int) -> dict[str, Any]:
    """A fresh database of `records` generated records, processed by `workers` processes."""
    from bench.databases import scratch_postgres
    from tests.reliability.cluster import seed

    with scratch_postgres(admin_url, "scaleout_lock") as url:
        waiting = seed(url, records)
        now = dt.datetime.now(dt.UTC)
        start = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            parts = pool.starmap(work, [(url, size, now)] * workers)
        wall = time.perf_counter() - start
    chunk_s = sum(p["chunk_s"] for p in parts)
    held_s = sum(p["held_s"] for p in parts)
    return {
        "workers": workers,
        "leads": waiting,
        "chunk_size": size,
        "chunks": sum(p["chunks"] for p in parts),
        "wall_s": round(wall, 1),
        "leads_per_s": round(waiting / wall, 1),
        "mean_chunk_s": round(chunk_s / max(1, sum(p["chunks"] for p in parts)), 3),
        "lock_held_s": round(held_s, 2),
        "lock_waited_s": round(sum(p["waited_s"] for p in parts), 2),
        "lock_share": round(held_s / chunk_s, 3) if chunk_s else None,
        "locks": sum(p["locks"] for p in parts),
        "load": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the configurations and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=24_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk", type=int, default=1000)
    args = parser.parse_args(argv)
    admin = os.environ.get("LEADFLOW_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("set LEADFLOW_TEST_POSTGRES_URL to a PostgreSQL database URL")
    for workers in args.workers:
        print(json.dumps(measure(admin, args.records, workers, args.chunk)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
