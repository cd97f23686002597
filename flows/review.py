"""pipeline-review: the monthly and quarterly review of spec §9, for the managers."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from leadflow.bootstrap import unit_of_work
from leadflow.flows.common import markdown, rename_run, stamped, table, utcnow
from leadflow.notify.messages import enqueue
from leadflow.review.build import Period, Review, build_review, review_markdown
from leadflow.review.export import write_all
from leadflow.review.render import review_title
from leadflow.settings import get_settings
from leadflow.store.models import Team
from leadflow.tasks.common import RETRY_DELAYS, retry_on_database_error
from leadflow.tasks.ops import OPS_HOOKS
from leadflow.tasks.outbox import send_notifications


@task(name="build-review", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=RETRY_DELAYS,
      retry_condition_fn=retry_on_database_error)
def build_review_task(period: str, url: str | None = None) -> Review:
    """Compute the review's numbers with set-based queries."""
    with unit_of_work(url=url) as uow:
        return build_review(uow.session, Period.parse(period), utcnow())


@task(name="write-review-files", cache_policy=NO_CACHE, retries=3,
      retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_database_error)
def write_review_files(review: Review, folder: Path, url: str | None = None) -> dict[str, Path]:
    """The review as HTML, XLSX (for managers: nothing masked), Markdown and JSON files."""
    with unit_of_work(url=url) as uow:
        return write_all(uow.session, review, folder)


@task(name="queue-review-mail", cache_policy=NO_CACHE, retries=3,
      retry_delay_seconds=RETRY_DELAYS, retry_condition_fn=retry_on_database_error)
def queue_review_mail(label: str, text: str, attachments: list[str],
                      url: str | None = None) -> int:
    """Queue the review, with its HTML and XLSX attached, for every team manager and
    director, once per period."""
    with unit_of_work("pipeline-review", url=url) as uow:
        managers = [t.notify_url or t.manager_email for t in uow.session.query(Team)]
        recipients = dict.fromkeys(r for r in [*managers, *get_settings().director_recipients]
                                   if r)
        for to in recipients:
            enqueue(uow.session, key=f"review:{label}:{to}", kind="review", lead_id=None,
                    recipient=to, subject=review_title(label), body=text, now=utcnow(),
                    attachments=attachments)
        uow.commit()
    return len(recipients)


@flow(name="pipeline-review", flow_run_name=stamped("pipeline-review"),
      **OPS_HOOKS)
def pipeline_review(period: str | None = None, kind: Literal["month", "quarter"] = "month",
                    url: str | None = None, out: str | None = None) -> Review:
    """Review a period (default: the last complete month or quarter), write it as HTML,
    XLSX, Markdown and JSON, and mail it to the managers with the HTML and XLSX attached."""
    log = get_run_logger()
    label = period or Period.containing(utcnow().date(), kind).previous().label
    review = build_review_task(label, url)
    text = review_markdown(review)
    markdown(f"pipeline-review-{label}", text, review_title(label))
    table(f"pipeline-review-{label}-channels",
          [c.model_dump(mode="json") for c in review.channels], f"Per channel, {label}")
    table(f"pipeline-review-{label}-reps",
          [t.model_dump(mode="json") for t in review.reps], f"Per rep against target, {label}")
    folder = (Path(out or get_settings().output_dir) / "reviews").resolve()
    files = write_review_files(review, folder, url)
    sent_to = queue_review_mail(label, text, [str(files["html"]), str(files["xlsx"])], url)
    send_notifications(url)
    log.info("review %s written to %s and queued for %d recipients", label, folder, sent_to)
    rename_run(label)
    return review
