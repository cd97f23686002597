"""Review tasks: the period's numbers, its files and its mail (spec §9)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from prefect import task
from prefect.cache_policies import NO_CACHE

from leadflow.bootstrap import unit_of_work
from leadflow.notify.messages import enqueue
from leadflow.review.build import Review, build_review
from leadflow.review.build import review_markdown as review_markdown  # re-exported for the flow
from leadflow.review.export import write_all
from leadflow.review.period import Period
from leadflow.review.render import review_title as review_title  # re-exported for the flow
from leadflow.settings import get_settings
from leadflow.store.models import Team
from leadflow.tasks.common import RETRY_DELAYS, retry_on_database_error


def last_period(kind: Literal["month", "quarter"], now: dt.datetime) -> str:
    """The label of the last complete month or quarter before `now` (e.g. 2026-Q3), on
    the clock of settings' default_timezone."""
    zone = get_settings().default_timezone
    return Period.containing(now, kind, zone).previous().label


@task(
    name="build-review",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
)
def build_review_task(period: str, now: dt.datetime, url: str | None = None) -> Review:
    """Compute the company's review with set-based queries, the period's bounds on the
    clock of settings' default_timezone."""
    with unit_of_work(url=url) as uow:
        zone = get_settings().default_timezone
        return build_review(uow.session, Period.parse(period, zone), now)


@task(
    name="write-review-files",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
)
def write_review_files(review: Review, folder: Path, url: str | None = None) -> dict[str, Path]:
    """The review as HTML, XLSX (for managers: nothing masked), Markdown and JSON files."""
    with unit_of_work(url=url) as uow:
        return write_all(uow.session, review, folder)


@task(
    name="queue-review-mail",
    cache_policy=NO_CACHE,
    retries=3,
    retry_delay_seconds=RETRY_DELAYS,
    retry_condition_fn=retry_on_database_error,
)
def queue_review_mail(
    label: str, text: str, attachments: list[str], now: dt.datetime, url: str | None = None
) -> int:
    """Queue the review, with its HTML and XLSX attached, for every team manager and
    director, once per period."""
    with unit_of_work("pipeline-review", url=url) as uow:
        managers = [t.notify_url or t.manager_email for t in uow.session.query(Team)]
        recipients = dict.fromkeys(r for r in [*managers, *get_settings().director_recipients] if r)
        for to in recipients:
            enqueue(
                uow.session,
                key=f"review:{label}:{to}",
                kind="review",
                lead_id=None,
                recipient=to,
                subject=review_title(label),
                body=text,
                now=now,
                attachments=attachments,
            )
        uow.commit()
    return len(recipients)
