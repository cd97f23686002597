"""The review in each of its formats, for the CLI, the flow and the demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.phrases import N_
from leadflow.review.build import build_review
from leadflow.review.html import review_html
from leadflow.review.model import Review
from leadflow.review.period import Period, scoped
from leadflow.review.render import review_markdown
from leadflow.review.xlsx import write_review_xlsx
from leadflow.rules.access import Viewer, mask_factors
from leadflow.winmodel.explain import describe
from leadflow.winmodel.review import WinReview

FORMATS = ("html", "md", "xlsx", "json")
MANAGER = Viewer.of("manager")
TEXT_FORMATS = ("html", "md", "json")


def check_format(fmt: str) -> str:
    """One of FORMATS, or InvalidInput naming the field."""
    if fmt not in FORMATS:
        raise InvalidInput(
            N_(
                "format: {fmt!r} is not one of {formats}",
                fmt=fmt,
                formats=", ".join(FORMATS),
            ),
            {"format": "unknown format"},
        )
    return fmt


def review_for(
    session: Session,
    period: Period,
    now: dt.datetime,
    viewer: Viewer = MANAGER,
    team: int | None = None,
) -> Review:
    """The review as this reader may see it: a rep's holds only their own leads and
    results, over the period on their team's clock; with `team`, only that team's leads,
    reps and result, on the team's clock; for a reader who may not see budgets, the open
    value (a sum of budgets) is masked, by the same rule as the API's answers."""
    owner = viewer.own_leads_only
    review = build_review(session, scoped(session, period, owner, team), now, owner, team)
    if viewer.sees_sensitive(owner):
        return review
    return review.model_copy(
        update={
            "reps": [t.model_copy(update={"open_value": None}) for t in review.reps],
            "teams": [t.model_copy(update={"open_value": None}) for t in review.teams],
            "win_model": _masked_model(review.win_model),
        }
    )


def _masked_model(section: WinReview | None) -> WinReview | None:
    """The model's disagreements without the amounts their factors quote."""
    if section is None:
        return None
    hidden = []
    for d in section.disagreements:
        factors = mask_factors(d.factors)
        hidden.append(d.model_copy(update={"factors": factors, "why": describe(factors)}))
    return section.model_copy(update={"disagreements": hidden})


def review_text(review: Review, fmt: str) -> str:
    """The review as HTML, Markdown or JSON text."""
    if check_format(fmt) == "html":
        return review_html(review)
    if fmt == "md":
        return review_markdown(review)
    if fmt == "json":
        return review.model_dump_json(indent=2) + "\n"
    raise InvalidInput(
        N_(
            "format {fmt}: a workbook is a file, not text; give --out",
            fmt=fmt,
        ),
        {"format": "not a text format"},
    )


def write_review(
    session: Session, review: Review, fmt: str, path: Path, viewer: Viewer = MANAGER
) -> Path:
    """Write the review (built by review_for for the same reader) in one format to `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if check_format(fmt) == "xlsx":
        write_review_xlsx(session, review, path, viewer)
    else:
        path.write_text(review_text(review, fmt), encoding="utf-8")
    return path


def write_all(
    session: Session, review: Review, folder: Path, viewer: Viewer = MANAGER
) -> dict[str, Path]:
    """Every format of the review into `folder` as review-<period>.<format>."""
    return {
        fmt: write_review(session, review, fmt, folder / f"review-{review.period}.{fmt}", viewer)
        for fmt in FORMATS
    }
