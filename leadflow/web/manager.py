"""/app/queue and /app/team: a manager's queue with one-click assignment, the team's review
of the current period, and the targets with their progress (manager and director keys)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from leadflow.api.deps import MANAGERS, Uow, check_role, now, rules_of, settings_of
from leadflow.lifecycle.assign import queue_rows
from leadflow.review.period import Period
from leadflow.rules.access import Viewer
from leadflow.store.models import SalesRep
from leadflow.team.reps import rep_rows
from leadflow.team.targets import list_targets
from leadflow.web.render import page
from leadflow.web.review_copy import build_copy, built_at, copy_path, is_stale
from leadflow.web.session import Signed, WebSession, chosen_locale

router = APIRouter(prefix="/app", include_in_schema=False)
QUEUE_SHOWN = 200  # the longest-waiting leads of the queue, a page of buttons


def _manager(request: Request, signed: WebSession) -> HTMLResponse | None:
    """The 403 page for a key that is not a manager's or a director's, else None."""
    try:
        check_role(signed.principal, MANAGERS)
    except Exception as exc:  # noqa: BLE001  (check_role's HTTPException names the roles)
        return page(request, "error", signed, status=403, message=str(getattr(exc, "detail", exc)))
    return None


def _current(request: Request) -> Period:
    return Period.containing(now(), "quarter", settings_of(request).default_timezone)


@router.get("/queue")
def queue(request: Request, uow: Uow, signed: Signed) -> HTMLResponse:
    """The leads waiting for an owner, each with a button per rep of its team who is
    present and below capacity (assignment still checks both, as the API's does)."""
    refused = _manager(request, signed)
    if refused:
        return refused
    teams = dict(uow.session.execute(select(SalesRep.id, SalesRep.team_id)).tuples().all())
    free = [r for r in rep_rows(uow.session) if not r["away"] and r["open_leads"] < r["capacity"]]
    rows: list[dict[str, Any]] = [
        {**row, "reps": [r for r in free if row["team_id"] in (None, teams.get(r["id"]))]}
        for row in queue_rows(uow.session, now(), rules_of(request), QUEUE_SHOWN)
    ]
    return page(request, "queue", signed, rows=rows)


@router.get("/team")
def team(request: Request, uow: Uow, signed: Signed) -> HTMLResponse:
    """The current period's targets with their progress, and a link to its review."""
    refused = _manager(request, signed)
    if refused:
        return refused
    period = _current(request)
    targets = list_targets(uow.session, period.label, now(), rules_of(request).calendar)
    return page(request, "team", signed, period=period.label, targets=targets)


@router.get("/team/review")
def team_review(request: Request, signed: Signed, later: BackgroundTasks) -> HTMLResponse:
    """The review of the current period, as `leadflow report review` makes it, from the
    copy kept for this reader and language (review_copy says why); a stale copy is
    answered and made again after the response."""
    refused = _manager(request, signed)
    if refused:
        return refused
    principal = signed.principal
    viewer = Viewer.of(principal.role.value, principal.rep_id)
    settings, moment, period = settings_of(request), now(), _current(request)
    locale = chosen_locale(request)
    path = copy_path(settings.output_dir, period, viewer, locale)
    made = built_at(path)
    build = partial(build_copy, settings.database_url, path, period, moment, viewer, locale)
    if made is None:
        return HTMLResponse(build())
    if is_stale(made, moment):
        later.add_task(build)
    return HTMLResponse(path.read_text(encoding="utf-8"))
