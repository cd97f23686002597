"""The benchmark suite at a tiny size: every scenario runs and reports its numbers, its
floor where it has one, and its targets. Timing is never asserted here (see bench/)."""

from __future__ import annotations

import json

import pytest

from bench.__main__ import run_suite, scenarios
from bench.core import Config
from tests.conftest import PG_URL

FLOORED = {
    "bulk-intake",
    "api-intake",
    "reminders-scan",
    "weekly-regrade",
    "transitions",
    "event-latency",
    "workbench-pages",
}


@pytest.mark.slow
@pytest.mark.timeout(900)  # every scenario, the win model's and the sheets' included, in turn
def test_every_scenario_reports_its_numbers(tmp_path):
    config = Config(scale=0.02, repeat=1, pg_url=PG_URL, workdir=tmp_path / "work")
    results, failures = run_suite(config, out=tmp_path)
    assert failures == []
    names = {(r.scenario, r.backend) for r in results}
    assert {name for name, _ in names} == set(scenarios())
    if PG_URL:
        assert {
            ("bulk-intake", "postgresql"),
            ("weekly-regrade", "postgresql"),
            ("api-intake", "postgresql"),
        } <= names
    for r in results:
        assert r.targets, r.scenario
        assert all(t["measured"] >= 0 and "met" in t for t in r.targets.values())
        # counts of what was lost, rejected or due may be 0, and a growth is a difference
        # (flat memory reads 0 or less); every time and rate must be positive
        assert all(isinstance(v, int | float) for v in r.metrics.values()), r
        numbers = [
            v
            for k, v in r.metrics.items()
            if not k.endswith(("lost", "rejected", "_due", "_growth_mb"))
        ]
        assert numbers and all(v > 0 for v in numbers), r
        assert all(v > 0 for v in r.size.values() if not isinstance(v, str)), r
        if r.scenario == "event-latency":  # the session's Prefect server, not one of its own
            assert r.size["prefect_db"] == "given", r
        if r.scenario in FLOORED:
            assert r.floor and all(v > 0 for v in r.floor.values()), r
    saved = json.loads((tmp_path / "latest.json").read_text())
    assert len(saved["results"]) == len(results) and saved["machine"]["cpus"]
