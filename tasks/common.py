"""What every LeadFlow task shares: retry only on database trouble, with backoff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError

from leadflow.errors import VersionConflict

RETRY_DELAYS = [1, 5, 20]  # seconds: a restarting database is usually back within 30 s
RETRYABLE = (OperationalError, DBAPIError, VersionConflict)


def retry_on_database_error(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect retry condition: retry a failed chunk only when the database hiccuped."""
    try:
        state.result()
    except RETRYABLE:
        return True
    except Exception:
        return False
    return False


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
