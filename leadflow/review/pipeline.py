"""The company's periodic review as the pipeline-review flow runs it: which period is due,
and the review's mail to every team manager and director."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadflow.notify.messages import enqueue
from leadflow.notify.reach import addresses_of
from leadflow.review.period import Period
from leadflow.review.render import review_title
from leadflow.settings import get_settings
from leadflow.store.models import Team


def last_period(kind: Literal["month", "quarter", "week"], now: dt.datetime) -> str:
    """The label of the last complete month, quarter or ISO week before `now` (e.g.
    2026-Q3, 2026-W49), on the clock of settings' default_timezone."""
    zone = get_settings().default_timezone
    return Period.containing(now, kind, zone).previous().label


def queue_review(
    session: Session,
    label: str,
    text: str,
    attachments: list[str],
    now: dt.datetime,
    directors: list[str],
) -> int:
    """Queue the review `text`, with `attachments`, for every team manager and for
    `directors`, once per period and recipient; returns how many recipients."""
    managers = [a for t in session.scalars(select(Team)) for a in addresses_of(t)]
    recipients = dict.fromkeys(r for r in [*managers, *directors] if r)
    for to in recipients:
        enqueue(
            session,
            key=f"review:{label}:{to}",
            kind="review",
            lead_id=None,
            recipient=to,
            subject=review_title(label),
            body=text,
            now=now,
            attachments=attachments,
        )
    return len(recipients)
