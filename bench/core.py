"""What every scenario shares: timing with repetitions, results with floors, and output."""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Config:
    """One run of the suite: sizes scale from the full sizes, `repeat` timings per number."""

    full: bool = False
    scale: float = 1.0  # a further factor on every size (the smoke test uses a small one)
    repeat: int = 3
    pg_url: str | None = None
    workdir: Path = Path("out/bench/work")
    prefect_db: str = "sqlite"  # where the bench's Prefect server keeps its own data

    def size(self, full: int, reduced: int) -> int:
        """The size of a scenario at this run's setting (at least 3)."""
        return max(3, int((full if self.full else reduced) * self.scale))


@dataclass
class Result:
    """One scenario's numbers: `metrics` (medians), the floor where there is one, and the
    targets with whether they were met."""

    scenario: str
    backend: str
    size: dict[str, int | str]
    metrics: dict[str, Any] = field(default_factory=dict)
    floor: dict[str, float] | None = None
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: str = ""

    def target(self, name: str, measured: float, limit: float, at_least: bool = False) -> None:
        """Record a target (`measured <= limit`, or `>=` when `at_least`) and whether it holds."""
        ok = measured >= limit if at_least else measured <= limit
        self.targets[name] = {
            "measured": round(measured, 4),
            "target": limit,
            "op": ">=" if at_least else "<=",
            "met": ok,
        }


def median_time(
    fn: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None
) -> tuple[float, list[float]]:
    """The median wall time of `fn` over `repeat` runs (each after `setup`, not timed)."""
    times = []
    for _ in range(max(1, repeat)):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def machine_load() -> dict[str, Any]:
    """What else the machine was doing: load averages and cores."""
    one, five, fifteen = os.getloadavg()
    return {"cpus": os.cpu_count(), "loadavg": [round(one, 2), round(five, 2), round(fifteen, 2)]}


def write_results(results: list[Result], out: Path, config: Config, started: str) -> Path:
    """results-<timestamp>.json and latest.json in `out`; returns the timestamped file."""
    out.mkdir(parents=True, exist_ok=True)
    doc = {
        "started": started,
        "full": config.full,
        "scale": config.scale,
        "repeat": config.repeat,
        "machine": machine_load(),
        "results": [asdict(r) for r in results],
    }
    text = json.dumps(doc, indent=2, default=str)
    path = out / f"results-{started.replace(':', '').replace('-', '')}.json"
    path.write_text(text, encoding="utf-8")
    (out / "latest.json").write_text(text, encoding="utf-8")
    return path


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value else "0"


def table(results: list[Result]) -> str:
    """A plain-text table: scenario, backend, size, each target with measured and met."""
    lines = [
        f"{'scenario':<22} {'backend':<10} {'size':<26} {'target':<30} {'measured':>12} {'ok':>4}"
    ]
    for r in results:
        size = ", ".join(
            f"{k}={v:,}" if isinstance(v, int) else f"{k}={v}" for k, v in r.size.items()
        )
        rows = list(r.targets.items()) or [
            ("-", {"measured": 0, "op": "", "target": "", "met": None})
        ]
        for i, (name, t) in enumerate(rows):
            goal = f"{name} {t['op']} {t['target']}"
            met = {True: "yes", False: "NO", None: ""}[t["met"]]
            lines.append(
                f"{r.scenario if i == 0 else '':<22} {r.backend if i == 0 else '':<10} "
                f"{size if i == 0 else '':<26} {goal:<30} {_fmt(t['measured']):>12} "
                f"{met:>4}"
            )
    return "\n".join(lines)
