"""Scale-out benchmark: the same large intake on a process work pool with 1 and with 2
workers (Prefect server and LeadFlow both on PostgreSQL, everything on this machine).

    LEADFLOW_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.scaleout --records 60000 --workers 1 2

Each worker takes 2 flow runs at once; the intake fans out into 2*workers-1 children so
every slot but the parent's claims chunks. Prints one JSON line per configuration and the
ratio of the throughputs. Numbers, not assertions: timing is never asserted in tests."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.reliability.cluster import child_results, cluster, scratch_database, seed


def _seconds(run: dict[str, Any]) -> float:
    start = dt.datetime.fromisoformat(run["start_time"])
    end = dt.datetime.fromisoformat(run["end_time"])
    return (end - start).total_seconds()


def measure(admin_url: str, records: int, workers: int) -> dict[str, Any]:
    """One intake of `records` generated records over `workers` workers, timed."""
    fan_out = 2 * workers - 1
    with scratch_database(admin_url, "prefect_bench") as prefect_db, \
            scratch_database(admin_url, "leadflow_bench") as url, \
            tempfile.TemporaryDirectory() as logs:
        waiting = seed(url, records)
        asyncpg = prefect_db.replace("postgresql://", "postgresql+asyncpg://")
        with cluster(asyncpg, url, workers=workers, logs=Path(logs), fan_out=fan_out) as c:
            started = time.monotonic()
            run = c.run_and_wait("lead-intake/lead-intake", timeout=1800)
            wall = time.monotonic() - started
            if run["state_type"] != "COMPLETED":
                raise SystemExit(f"intake ended {run['state_type']}; logs in {logs}")
            children = child_results(c, run["id"])
    return {
        "workers": workers, "children": len(children), "leads": waiting,
        "flow_run_seconds": round(_seconds(run), 1), "wall_seconds": round(wall, 1),
        "leads_per_second": round(waiting / _seconds(run), 1),
        "per_child": [child["result"]["processed"] for child in children],
        "child_seconds": [round(_seconds(child), 1) for child in children],
    }


def main(argv: list[str] | None = None) -> None:
    """Run the configurations and print their numbers and the throughput ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    admin = os.environ.get("LEADFLOW_TEST_POSTGRES_URL")
    if not admin:
        raise SystemExit("set LEADFLOW_TEST_POSTGRES_URL to a PostgreSQL database URL")
    results = []
    for workers in args.workers:
        results.append(measure(admin, args.records, workers))
        print(json.dumps(results[-1]), flush=True)
    if len(results) > 1:
        base = results[0]["leads_per_second"]
        print(json.dumps({"ratio": {str(r["workers"]): round(r["leads_per_second"] / base, 2)
                                    for r in results}, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main(sys.argv[1:])
