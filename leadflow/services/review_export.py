"""The review in each of its formats, for the CLI, the flow and the demo."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from leadflow.errors import InvalidInput
from leadflow.services.review_html import review_html
from leadflow.services.review_render import Review, review_markdown
from leadflow.services.review_xlsx import check_role, write_review_xlsx

FORMATS = ("html", "md", "xlsx", "json")
TEXT_FORMATS = ("html", "md", "json")


def check_format(fmt: str) -> str:
    """One of FORMATS, or InvalidInput naming the field."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}",
                           {"format": "unknown format"})
    return fmt


def review_text(review: Review, fmt: str) -> str:
    """The review as HTML, Markdown or JSON text."""
    if check_format(fmt) == "html":
        return review_html(review)
    if fmt == "md":
        return review_markdown(review)
    if fmt == "json":
        return review.model_dump_json(indent=2) + "\n"
    raise InvalidInput(f"format {fmt}: a workbook is a file, not text; give --out",
                       {"format": "not a text format"})


def write_review(session: Session, review: Review, fmt: str, path: Path,
                 role: str = "manager") -> Path:
    """Write the review in one format to `path` (the workbook masked for `role`)."""
    check_role(role)
    path.parent.mkdir(parents=True, exist_ok=True)
    if check_format(fmt) == "xlsx":
        write_review_xlsx(session, review, path, role)
    else:
        path.write_text(review_text(review, fmt), encoding="utf-8")
    return path


def write_all(session: Session, review: Review, folder: Path, role: str = "manager"
              ) -> dict[str, Path]:
    """Every format of the review into `folder` as review-<period>.<format>."""
    return {fmt: write_review(session, review, fmt, folder / f"review-{review.period}.{fmt}",
                              role) for fmt in FORMATS}
