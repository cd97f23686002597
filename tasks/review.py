"""Review tasks: the period's numbers, its files and its mail (spec §9)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from leadflow.bootstrap import unit_of_work
from leadflow.review.build import Review, build_review
from leadflow.review.build import review_markdown as review_markdown  # re-exported for the flow
from leadflow.review.export import write_all
from leadflow.review.period import Period
from leadflow.review.pipeline import last_period as last_period  # re-exported for the flow
from leadflow.review.pipeline import queue_review
from leadflow.review.render import review_title as review_title  # re-exported for the flow
from leadflow.settings import get_settings
from leadflow.task_policy import database_task


@database_task("build-review")
def build_review_task(period: str, now: dt.datetime, url: str | None = None) -> Review:
    """Compute the company's review with set-based queries, the period's bounds on the
    clock of settings' default_timezone."""
    with unit_of_work(url=url) as uow:
        zone = get_settings().default_timezone
        return build_review(uow.session, Period.parse(period, zone), now)


@database_task("write-review-files")
def write_review_files(review: Review, folder: Path, url: str | None = None) -> dict[str, Path]:
    """The review as HTML, XLSX (for managers: nothing masked), Markdown and JSON files."""
    with unit_of_work(url=url) as uow:
        return write_all(uow.session, review, folder)


@database_task("queue-review-mail")
def queue_review_mail(
    label: str, text: str, attachments: list[str], now: dt.datetime, url: str | None = None
) -> int:
    """Queue the review, with its HTML and XLSX attached, for every team manager and
    director, once per period."""
    with unit_of_work("pipeline-review", url=url) as uow:
        count = queue_review(
            uow.session, label, text, attachments, now, get_settings().director_recipients
        )
        uow.commit()
    return count
