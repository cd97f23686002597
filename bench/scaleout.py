"""Scale-out benchmark: the same large intake, then the weekly re-grade of the same leads, on
a process work pool with 1 and with 2 workers (Prefect server and LeadFlow both on
PostgreSQL, everything on this machine).

    LEADFLOW_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.scaleout --records 60000 --workers 1 2

Each worker takes 2 flow runs at once; both flows fan out into 2*workers-1 children so
every slot but the parent's works. Prints one JSON line per configuration and the ratios
of the throughputs. Numbers, not assertions: timing is never asserted in tests."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.databases import prefect_database, scratch_postgres
from tests.reliability.cluster import child_results, cluster, seed


def _seconds(run: dict[str, Any]) -> float:
    start = dt.datetime.fromisoformat(run["start_time"])
    end = dt.datetime.fromisoformat(run["end_time"])
    return (end - start).total_seconds()


def measure(admin_url: str, records: int, workers: int) -> dict[str, Any]:
    """An intake of `records` generated records, then their re-grade, over `workers` workers."""
    fan_out = 2 * workers - 1
    with (
        prefect_database(admin_url) as asyncpg,
        scratch_postgres(admin_url, "leadflow_bench") as url,
        tempfile.TemporaryDirectory() as logs,
    ):
        waiting = seed(url, records)
        with cluster(asyncpg, url, workers=workers, logs=Path(logs), fan_out=fan_out) as c:
            intake = _timed(c, "lead-intake/lead-intake", "lead-intake-worker", logs)
            regrade = _timed(c, "weekly-regrade/weekly-regrade", "regrade-worker", logs)
    return {
        "workers": workers,
        "children": fan_out,
        "leads": waiting,
        "intake": _rates(intake, waiting),
        "regrade": _rates(regrade, None),
    }


def _timed(c: Any, deployment: str, child_key: str, logs: str) -> dict[str, Any]:
    run = c.run_and_wait(deployment, timeout=1800)
    if run["state_type"] != "COMPLETED":
        raise SystemExit(f"{deployment} ended {run['state_type']}; logs in {logs}")
    return {"run": run, "children": child_results(c, run["id"], child_key)}


def _rates(timed: dict[str, Any], leads: int | None) -> dict[str, Any]:
    seconds = _seconds(timed["run"])
    children = timed["children"]
    done = [ch["result"].get("processed", ch["result"].get("examined", 0)) for ch in children]
    total = leads if leads is not None else sum(done)
    return {
        "leads": total,
        "flow_run_seconds": round(seconds, 1),
        "leads_per_second": round(total / seconds, 1),
        "per_child": done,
        "child_seconds": [round(_seconds(ch), 1) for ch in children],
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
        print(
            json.dumps(
                {
                    "cpus": os.cpu_count(),
                    "ratio": {
                        flow: {
                            str(r["workers"]): round(
                                r[flow]["leads_per_second"] / results[0][flow]["leads_per_second"],
                                2,
                            )
                            for r in results
                        }
                        for flow in ("intake", "regrade")
                    },
                }
            )
        )


if __name__ == "__main__":
    main(sys.argv[1:])
