"""Small helpers the flows share: the business clock, readable run names, artifacts, and
walking a job's ids a chunk at a time."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from leadflow.tasks.config import as_of_time, in_utc, trigger_window_seconds

T = TypeVar("T")
R = TypeVar("R", covariant=True)


def utcnow() -> dt.datetime:
    """The wall clock (a flow reads it once, at its top, through business_now)."""
    return dt.datetime.now(dt.UTC)


def business_now(as_of: dt.datetime | None, url: str | None = None) -> dt.datetime:
    """The one time a flow run works at, read once at its top and handed to every task:
    `as_of` when it runs as of a past time (a backfill; refused when later than now or
    before the database's first lead), else the wall clock."""
    now = utcnow()
    return now if as_of is None else as_of_time(as_of, now, url)


LINGER_POLL_SECONDS = 0.5  # how often a triggered run looks for new work in its window


def window_end(window_from: dt.datetime | None) -> dt.datetime | None:
    """Until when a run triggered by an event at `window_from` takes new work: the end of
    the trigger's window (settings.schedules.trigger_window_seconds); None when untriggered."""
    if window_from is None:
        return None
    return window_from + dt.timedelta(seconds=trigger_window_seconds())


def more_may_come(until: dt.datetime | None) -> bool:
    """Whether a triggered run should look again: wait a poll and say so while its window
    is open. The trigger ignores the window's later events, so this run is their run."""
    if until is None or utcnow() >= until:
        return False
    time.sleep(LINGER_POLL_SECONDS)
    return True


def stamped(flow_name: str) -> Callable[[], str]:
    """A flow_run_name callable: 'lead-intake 2026-11-22 10:00', or for a run as of a past
    time (its `as_of` parameter) 'weekly-regrade as of 2026-11-30 05:00' (UTC)."""

    def name() -> str:
        as_of = flow_run.parameters.get("as_of")
        if as_of is None:
            return f"{flow_name} {utcnow():%Y-%m-%d %H:%M}"
        if isinstance(as_of, str):  # a parameter that came as JSON (a deployment's run)
            as_of = dt.datetime.fromisoformat(as_of)
        return f"{flow_name} as of {in_utc(as_of):%Y-%m-%d %H:%M}"

    return name


def rename_run(suffix: str) -> None:
    """Append what the run did to its name, e.g. '· 37 leads', once it is known."""
    run_id = flow_run.get_id()
    if not run_id:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(UUID(str(run_id))).name
        client.update_flow_run(UUID(str(run_id)), name=f"{current} · {suffix}")


def quoted(items: list[T]) -> list[T]:
    """`items` quoted for a task call, so that Prefect does not walk a long list looking for
    futures. Prefect unquotes it before the task runs; its types only know the task's own
    parameters, hence the cast."""
    return cast(list[T], quote(items))


def progress_bar(description: str) -> UUID:
    """A progress artifact at 0 %, for runs long enough to watch."""
    return cast(UUID, create_progress_artifact(0.0, description=description))


def progress_to(artifact: UUID, done: int, total: int, stage: str) -> None:
    """Move a progress artifact to done/total, and tell a command watching this process
    (`leadflow run`, `demo`) how far `stage` got."""
    update_progress_artifact(artifact, 100.0 * done / max(total, 1))
    tell(stage, done, total)


def artifact_key(*parts: str) -> str:
    """A valid artifact key (lowercase letters, digits, dashes) from free text."""
    return re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")


def table(key: str, rows: list[dict[str, Any]], description: str) -> None:
    """A keyed table artifact (empty tables get one explanatory row)."""
    create_table_artifact(
        key=artifact_key(key), table=rows or [{"result": "nothing to do"}], description=description
    )


def markdown(key: str, text: str, description: str) -> None:
    """A keyed markdown artifact."""
    create_markdown_artifact(key=artifact_key(key), markdown=text, description=description)


def chunked(items: list[Any], size: int) -> list[list[Any]]:
    """Consecutive slices of at most `size`."""
    return [items[i : i + size] for i in range(0, len(items), size)]


# Who hears the progress of a flow run in this process: the CLI command that started it
# (flows take JSON parameters, so a callback cannot be one of them). Unset, `tell` does
# nothing: a served run is watched in Prefect's UI.
_watcher: ContextVar[Callable[[str, int, int | None], None] | None] = ContextVar(
    "leadflow_progress_watcher", default=None
)


@contextmanager
def watching(watcher: Callable[[str, int, int | None], None]) -> Iterator[None]:
    """Let `watcher` hear (stage, done, total) from every `tell` in this context."""
    token = _watcher.set(watcher)
    try:
        yield
    finally:
        _watcher.reset(token)


def tell(stage: str, done: int, total: int | None = None) -> None:
    """Report how far a stage of a flow got, to whoever watches this context."""
    watcher = _watcher.get()
    if watcher is not None:
        watcher(stage, done, total)
