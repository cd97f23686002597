"""The notification task: deliver what waits in the outbox."""

from __future__ import annotations

import datetime as dt

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from leadflow.notify.outbox import DeliveryResult, deliver_outbox
from leadflow.run_clock import wall_clock


@task(name="send-notifications", retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def send_notifications(
    url: str | None = None, limit: int = 500, queued_by: dt.datetime | None = None
) -> DeliveryResult:
    """Deliver due outbox messages (only those queued by `queued_by`, when a run is made as
    of that past time: later ones are the next run's); failures wait in the outbox for a
    later attempt."""
    # The sending itself runs on the wall clock, whatever time the flow works as of: a mail
    # leaves now, so its sent_at, the retry backoff and the in-doubt hold are the mail
    # server's real time; timed from a past time, what just failed would be retried at once.
    result = deliver_outbox(url, wall_clock(), limit, queued_by=queued_by)
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
