"""The current period's review on the workbench. Built from a million leads it takes
seconds (the pipeline-review bench), so the page keeps the HTML it built under
<output_dir>/reviews/workbench/ and answers with that copy. A copy older than FRESH is
answered too and built again in a thread of its own; only the first view of a period,
a language or a role waits for its build. The page says when its copy was made."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from leadflow import i18n
from leadflow.bootstrap import unit_of_work
from leadflow.i18n import gettext as _
from leadflow.review.export import review_for
from leadflow.review.html import review_html
from leadflow.review.period import Period
from leadflow.rules.access import Viewer

# How old a kept review may be before a view has it built again (after answering).
FRESH = dt.timedelta(minutes=10)


def copy_path(output_dir: Path, period: Period, viewer: Viewer, locale: str) -> Path:
    """Where the copy for this period, reader and language is kept."""
    reader = f"{viewer.role.value}-{viewer.rep_id}" if viewer.rep_id else viewer.role.value
    return output_dir / "reviews" / "workbench" / f"review-{period.label}-{reader}-{locale}.html"


def built_at(path: Path) -> dt.datetime | None:
    """When the copy at `path` was made, or None when there is none."""
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    except FileNotFoundError:
        return None


def is_stale(made: dt.datetime, now: dt.datetime) -> bool:
    """Whether a copy made at `made` is due to be built again."""
    return now - made > FRESH


_building: set[Path] = set()
_building_lock = threading.Lock()
log = logging.getLogger(__name__)


def build_later(path: Path, build: Callable[[], object]) -> None:
    """Make the copy at `path` again in a thread of its own, unless one is at it already:
    the reader's page, and the next on the same connection, do not wait for it."""
    with _building_lock:
        if path in _building:
            return
        _building.add(path)

    def run() -> None:
        try:
            build()
        except Exception:  # noqa: BLE001  (the stale copy stays; the next view tries again)
            log.exception("the review at %s could not be made again", path)
        finally:
            with _building_lock:
                _building.discard(path)

    threading.Thread(target=run, name="review-copy", daemon=True).start()


def build_copy(
    database_url: str, path: Path, period: Period, now: dt.datetime, viewer: Viewer, locale: str
) -> str:
    """Build the review as `viewer` may see it in `locale`, keep it at `path` (written
    whole, then renamed, so a reader never sees half a file) and return its HTML."""
    with unit_of_work("workbench", url=database_url) as uow, i18n.use_locale(locale):
        review = review_for(uow.session, period, now, viewer, None)
        kept = _("A kept copy, made again when viewed after {minutes} minutes.")
        html = review_html(review, kept.format(minutes=int(FRESH.total_seconds() // 60)))
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(f".{os.getpid()}.part")
    part.write_text(html, encoding="utf-8")
    os.utime(part, (now.timestamp(), now.timestamp()))  # made at the app's clock, not the disk's
    part.replace(path)
    return html
