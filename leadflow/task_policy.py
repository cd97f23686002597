"""What every LeadFlow task shares: retry only on database trouble, with backoff, and a
run name that says which chunk it worked. The tasks in leadflow.tasks are declared with
these; kept out of that package so that it holds tasks only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import DBAPIError, OperationalError

from leadflow.errors import VersionConflict

# seconds: a restarting database is usually back within 30 s
RETRY_DELAYS: list[float] = [1, 5, 20]
RETRYABLE = (OperationalError, DBAPIError, VersionConflict)

P = ParamSpec("P")
R = TypeVar("R")


def retry_on_database_error(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry a failed chunk only when the database hiccuped."""
    try:
        state.result()
    except RETRYABLE:
        return True
    except Exception:
        return False
    return False


def database_task(
    name: str, task_run_name: Callable[[], str] | None = None
) -> Callable[[Callable[P, R]], Task[P, R]]:
    """@task for a unit of work: never cached, retried (RETRY_DELAYS) on database trouble only.
    Keywords, not a dict of them, so that Prefect's typed overloads still apply."""
    return task(
        name=name,
        task_run_name=task_run_name,
        cache_policy=NO_CACHE,
        retries=3,
        retry_delay_seconds=RETRY_DELAYS,
        retry_condition_fn=retry_on_database_error,
    )


def chunk_name(prefix: str, param: str = "ids") -> Callable[[], str]:
    """A task_run_name callable: 'intake-chunk 1001-2000 (1000)' from the chunk parameter."""

    def name() -> str:
        from prefect.runtime import task_run
        from prefect.utilities.annotations import quote

        items = task_run.parameters.get(param) or []
        if isinstance(items, quote):  # passed quoted, so Prefect does not walk the list
            items = items.unquote()
        if not items:
            return f"{prefix} (empty)"
        first, last = items[0], items[-1]
        first, last = getattr(first, "lead_id", first), getattr(last, "lead_id", last)
        return f"{prefix} {first}-{last} ({len(items)})"

    return name
