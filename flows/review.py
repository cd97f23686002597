"""pipeline-review: the monthly and quarterly review of spec §9, for the managers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from prefect import flow, get_run_logger

from leadflow.flows.common import business_now, markdown, rename_run, stamped, table
from leadflow.tasks.config import output_dir
from leadflow.tasks.ops import OPS_HOOKS
from leadflow.tasks.outbox import send_notifications
from leadflow.tasks.review import (
    Review,
    build_review_task,
    last_period,
    queue_review_mail,
    review_markdown,
    review_title,
    write_review_files,
)


@flow(name="pipeline-review", flow_run_name=stamped("pipeline-review"), **OPS_HOOKS)
def pipeline_review(
    period: str | None = None,
    kind: Literal["month", "quarter", "week"] = "month",
    url: str | None = None,
    out: str | None = None,
    as_of: dt.datetime | None = None,
) -> Review:
    """Review a period (default: the last complete month, quarter or ISO week before
    `as_of` when given, else before now), write it as HTML, XLSX, Markdown and JSON, and
    mail it to the managers with the HTML and XLSX attached."""
    log = get_run_logger()
    now = business_now(as_of, url)
    label = period or last_period(kind, now)
    review = build_review_task(label, now, url)
    text = review_markdown(review)
    markdown(f"pipeline-review-{label}", text, review_title(label))
    table(
        f"pipeline-review-{label}-channels",
        [c.model_dump(mode="json") for c in review.channels],
        f"Per channel, {label}",
    )
    table(
        f"pipeline-review-{label}-reps",
        [t.model_dump(mode="json") for t in review.reps],
        f"Per rep against target, {label}",
    )
    folder = output_dir(out, "reviews")
    files = write_review_files(review, folder, url)
    sent_to = queue_review_mail(label, text, [str(files["html"]), str(files["xlsx"])], now, url)
    send_notifications(url, queued_by=now if as_of else None)
    log.info("review %s written to %s and queued for %d recipients", label, folder, sent_to)
    rename_run(label)
    return review
