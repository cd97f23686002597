"""What the flows need to know from the settings and the database's kind: chunk sizes,
output folders, whether and how to fan out. The flows reach it through leadflow.tasks.config
(they import nothing of ours but tasks); the CLI and the bench use it directly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from leadflow.errors import LeadFlowError
from leadflow.settings import get_settings
from leadflow.store.db import normalise_url


class ChildRunsFailed(LeadFlowError):
    """One or more child flow runs of a fanned-out run did not complete."""


def claims_in_parallel(url: str | None = None) -> bool:
    """Whether several processes can claim work at once: PostgreSQL yes, SQLite (one
    writer at a time) no."""
    return not normalise_url(url or get_settings().database_url).startswith("sqlite")


def chunks_in_flight(url: str | None = None) -> int:
    """How many chunks of one job run at once: two on PostgreSQL, so one chunk's rules run
    in Python while the database writes the one before (measured, re-grade of 1M leads:
    57 s -> 51 s); one on SQLite, whose single writer would make them queue."""
    return 2 if claims_in_parallel(url) else 1


def chunk_size(asked: int | None = None) -> int:
    """Leads per task: the flow's parameter, else the chunk_size setting."""
    return asked or get_settings().chunk_size


def output_dir(asked: str | None, *sub: str) -> Path:
    """Where a flow writes its files: the flow's `out` parameter, else the output_dir
    setting, with the given subfolders; created, absolute."""
    folder = Path(asked or get_settings().output_dir, *sub).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def fan_out_allowed(url: str | None, work: Callable[[], int]) -> bool:
    """A fan-out needs a database several processes can claim work in (PostgreSQL), and
    at least scaleout.fan_out_min_leads leads to do (`work()` is only asked then)."""
    if not claims_in_parallel(url):
        return False
    return work() >= get_settings().scaleout.fan_out_min_leads


def poll_seconds() -> float:
    """How often a fanned-out parent looks at its children (scaleout.poll_seconds)."""
    return float(get_settings().scaleout.poll_seconds)


def trigger_window_seconds() -> int:
    """How long a triggered intake or handoff run keeps taking new work."""
    return get_settings().schedules.trigger_window_seconds
