"""`python -m bench`: run the suite, print a table, write out/bench/results-<time>.json and
out/bench/latest.json. Reduced sizes by default (a few minutes); `--full` for the targets'
sizes (100k intake, 1M upkeep)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.core import Config, Result, table, write_results
from leadflow.prefect_env import configure_prefect

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def scenarios() -> dict[str, Callable[[Config], list[Result]]]:
    """Every scenario by name; the PostgreSQL twins run when a server URL is given."""
    from bench.scenarios import intake, machine, served, sheets, upkeep, winmodel, workbench

    def with_pg(fn: Callable[..., Result]) -> Callable[[Config], list[Result]]:
        return lambda c: [fn(c, "sqlite")] + ([fn(c, "postgresql")] if c.pg_url else [])

    return {
        "bulk-intake": with_pg(intake.bulk_intake),
        "flow-intake": lambda c: [intake.flow_intake(c)],
        "reminders-scan": lambda c: [upkeep.reminders_scan(c)],
        "weekly-regrade": with_pg(upkeep.weekly_regrade),
        "pipeline-review": lambda c: [upkeep.pipeline_review(c)],
        "transitions": lambda c: [machine.transitions_batch(c)],
        "api-intake": with_pg(served.api_intake),
        "event-latency": lambda c: [served.event_latency(c)],
        "win-model-train": lambda c: [winmodel.win_model_train(c)],
        "win-model-score": lambda c: [winmodel.win_model_score(c)],
        "rules-replay": lambda c: [winmodel.rules_replay(c)],
        "sheet-import": lambda c: [sheets.sheet_import(c)],
        "workbench-pages": lambda c: [workbench.workbench_pages(c)],
    }


def run_suite(
    config: Config,
    only: Sequence[str] = (),
    out: Path = Path("out/bench"),
    *,
    as_json: bool = False,
) -> tuple[list[Result], list[str]]:
    """Run the chosen scenarios (all by default); returns results and failures, and writes
    the JSON files."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # a table, not run logs
    configure_prefect()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    chosen = scenarios()
    unknown = set(only) - set(chosen)
    if unknown:
        raise SystemExit(
            f"unknown scenario(s): {', '.join(sorted(unknown))}; one of {', '.join(chosen)}"
        )
    results: list[Result] = []
    failures: list[str] = []
    needs_prefect = not only or {"flow-intake", "event-latency"} & set(only)
    from prefect.settings import PREFECT_API_URL

    from bench.databases import prefect_database
    from bench.servers import prefect_server

    # A server of the bench's own keeps its data on PostgreSQL when there is one, as
    # docs/deploy.md sets a team's up: on a SQLite file, 2 of 20 single leads waited 2-6 s
    # for their flow run to be created while the server's other writers held the file.
    starts = needs_prefect and not PREFECT_API_URL.value()
    with (
        prefect_database(config.pg_url) if starts and config.pg_url else _nothing() as prefect_db,
        prefect_server(config.workdir / "prefect.log", prefect_db) if needs_prefect else _nothing(),
    ):
        config.prefect_db = "postgresql" if prefect_db else "sqlite" if starts else "given"
        for name, fn in chosen.items():
            if only and name not in only:
                continue
            print(f"-- {name}", file=sys.stderr, flush=True)
            began = time.perf_counter()
            try:
                results.extend(fn(config))
            except Exception as exc:  # one broken scenario must not hide the others
                failures.append(f"{name}: {exc.__class__.__name__}: {exc}")
                traceback.print_exc()
            print(f"   {name}: {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    path = write_results(results, out, config, started)
    told = sys.stderr if as_json else sys.stdout
    print(table(results), file=told)
    print(f"\nresults: {path} (and {out / 'latest.json'})", file=told)
    if as_json:
        print(path.read_text(encoding="utf-8"))
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return results, failures


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the suite; exit code 1 when a scenario failed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--full", action="store_true", help="the targets' full sizes")
    parser.add_argument("--repeat", type=int, default=3, help="timings per number (median)")
    parser.add_argument("--scale", type=float, default=1.0, help="a factor on every size")
    parser.add_argument("--only", action="append", default=[], help="run only this scenario")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("LEADFLOW_BENCH_POSTGRES_URL", PG_DEFAULT),
        help="PostgreSQL server for the side-by-side runs ('' to skip)",
    )
    parser.add_argument("--out", default="out/bench", help="where results go")
    parser.add_argument(
        "--json", action="store_true", help="print the results JSON; the table goes to stderr"
    )
    args = parser.parse_args(argv)
    # Stopped with SIGTERM, the servers the bench started are stopped too (finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = Path(args.out)
    config = Config(
        full=args.full,
        scale=args.scale,
        repeat=args.repeat,
        pg_url=args.pg_url or None,
        workdir=out / "work",
    )
    _, failures = run_suite(config, args.only, out, as_json=args.json)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
