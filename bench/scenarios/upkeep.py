"""The large-database scenarios: the follow-up-reminders scan, the weekly re-grade and the
pipeline review, on leads seeded with set-based inserts."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from sqlalchemy import select, text, update

from bench import data
from bench.core import Config, Result, median_time
from bench.databases import database
from leadflow.followup.regrade import REGRADED_STATES
from leadflow.followup.reminders import due_items
from leadflow.review.build import build_review
from leadflow.review.period import Period
from leadflow.settings import get_rules, get_settings
from leadflow.store.db import engine_for, normalise_url, session_factory
from leadflow.store.models import Lead
from leadflow.store.uow import UnitOfWork


@contextmanager
def seeded(
    config: Config, backend: str, name: str, leads: int, activities: int = 0
) -> Iterator[str]:
    """A fresh database with `leads` seeded leads (and activities), analysed."""
    with database(backend, config.workdir, name, config.pg_url) as url:
        data.create_team(url, 7, 10)
        engine = engine_for(normalise_url(url))
        data.seed_leads(engine, leads, activities_per_lead=activities)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        yield url


def _scan(url: str) -> tuple[float, float, int]:
    """(due_items seconds, floor seconds, items due), medians of the repetitions."""
    rules, factory = get_rules(), session_factory(url)
    with UnitOfWork(factory) as uow:
        items = list(due_items(uow.session, data.NOW, rules))
        due_ids = sorted({i.lead_id for i in items})

    def scan() -> None:
        with UnitOfWork(factory) as uow:
            list(due_items(uow.session, data.NOW, rules))

    def floor() -> None:
        with UnitOfWork(factory) as uow:
            uow.session.execute(
                select(
                    Lead.id,
                    Lead.first_contact_due,
                    Lead.next_action_due,
                    Lead.next_cadence_due,
                    Lead.last_contact_at,
                ).where(Lead.id.in_(due_ids))
            ).all()

    scan_s, _ = median_time(scan, 5)
    floor_s, _ = median_time(floor, 5)
    return scan_s, floor_s, len(items)


def reminders_scan(config: Config) -> Result:
    """The due-item scan at two sizes, 1 % due: its cost should follow the rows due."""
    small, large = config.size(100_000, 2_500), config.size(1_000_000, 25_000)
    found: dict[int, tuple[float, float, int]] = {}
    for n in (small, large):
        with seeded(config, "sqlite", f"reminders-{n}", n) as url:
            found[n] = _scan(url)
    scan_s, floor_s, due = found[large]
    growth = scan_s / found[small][0]
    result = Result(
        "reminders-scan",
        "sqlite",
        {"leads": large, "due": due, "small_leads": small},
        metrics={
            "seconds": scan_s,
            "small_seconds": found[small][0],
            "small_due": found[small][2],
            "growth_small_to_large": growth,
            "rows_growth": large / small,
            "ratio_to_floor": scan_s / floor_s,
        },
        floor={"seconds": floor_s, "small_seconds": found[small][1]},
    )
    result.target("seconds", scan_s, 0.5)
    result.target("x floor", scan_s / floor_s, 10.0)
    return result


def _regrade_child(url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.child", "regrade", url, str(get_settings().chunk_size)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _plain_update(url: str) -> float:
    start = time.perf_counter()
    with engine_for(normalise_url(url)).begin() as conn:
        conn.execute(
            update(Lead).where(Lead.state.in_(REGRADED_STATES)).values(score=Lead.score + 0)
        )
    return time.perf_counter() - start


def weekly_regrade(config: Config, backend: str = "sqlite") -> Result:
    """The re-grade at two sizes, each in a child process for its peak RSS, against a
    plain UPDATE of the same rows."""
    small, large = config.size(100_000, 2_500), config.size(1_000_000, 12_000)
    found: dict[int, tuple[dict[str, float], float]] = {}
    for n in (small, large):
        with seeded(config, backend, f"regrade-{n}", n) as url:
            runs = sorted(
                (_regrade_child(url) for _ in range(config.repeat)), key=lambda r: r["seconds"]
            )
            floor_s, _ = median_time(partial(_plain_update, url), config.repeat)
            found[n] = (
                runs[len(runs) // 2] | {"peak_rss_mb": max(r["peak_rss_mb"] for r in runs)},
                floor_s,
            )
    run, floor_s = found[large]
    small_run = found[small][0]
    result = Result(
        "weekly-regrade",
        backend,
        {"leads": large, "examined": int(run["examined"]), "small_leads": small},
        metrics={
            "seconds": run["seconds"],
            "peak_rss_mb": run["peak_rss_mb"],
            "small_seconds": small_run["seconds"],
            "small_peak_rss_mb": small_run["peak_rss_mb"],
            "rss_growth_mb": run["peak_rss_mb"] - small_run["peak_rss_mb"],
            "ratio_to_floor": run["seconds"] / floor_s,
        },
        floor={"seconds": floor_s},
    )
    result.target("seconds", run["seconds"], 60.0)
    result.target("peak RSS MB", run["peak_rss_mb"], 500.0)
    return result


def pipeline_review(config: Config) -> Result:
    """The quarter's review over a large database (leads, five activities each, history)."""
    n = config.size(1_000_000, 10_000)
    with seeded(config, "sqlite", "review", n, activities=5) as url:
        factory = session_factory(url)
        period = Period.containing(data.NOW)

        def review() -> None:
            with UnitOfWork(factory) as uow:
                build_review(uow.session, period, data.NOW)

        seconds, _ = median_time(review, config.repeat)
    result = Result(
        "pipeline-review", "sqlite", {"leads": n, "activities": n * 5}, metrics={"seconds": seconds}
    )
    result.target("seconds", seconds, 5.0)
    return result
