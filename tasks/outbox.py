"""The notification task: deliver what waits in the outbox."""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from leadflow.notify.outbox import DeliveryResult, deliver_outbox


@task(name="send-notifications", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def send_notifications(url: str | None = None, limit: int = 500) -> DeliveryResult:
    """Deliver due outbox messages; failures wait in the outbox for a later attempt."""
    result = deliver_outbox(url, dt.datetime.now(dt.UTC), limit)
    # Counts only: recipients never reach the run log (the result's errors are masked).
    get_run_logger().info(
        "notifications: %d sent, %d failed (retry later), %d given up, "
        "%d waiting for a mail server",
        result.sent,
        result.failed,
        result.gave_up,
        result.deferred,
    )
    return result
