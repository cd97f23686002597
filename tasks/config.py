"""What the flows need to know from the settings and the database's kind, asked through the
tasks layer (flows import nothing of ours but tasks)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from leadflow.errors import LeadFlowError
from leadflow.settings import get_settings
from leadflow.tasks.chunks import claims_in_parallel


class ChildRunsFailed(LeadFlowError):
    """One or more child flow runs of a fanned-out run did not complete."""


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
