"""What every LeadFlow task shares: retry only on database trouble, with backoff."""

from __future__ import annotations

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
