"""/app/queue and /app/team: a manager's queue with one-click assignment, the team's review
of the current period, and the targets with their progress (manager and director keys)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from leadflow.api import reviews
from leadflow.api import targets as targets_api
from leadflow.api.deps import MANAGERS, Principal, Uow, check_role, now, rules_of, settings_of
from leadflow.errors import LeadFlowError
from leadflow.lifecycle.assign import queue_rows
from leadflow.review.period import Period
from leadflow.rules.access import Viewer
from leadflow.rules.vocab import Role
from leadflow.store.models import SalesRep, Team
from leadflow.team.reps import rep_rows
from leadflow.team.targets import list_targets
from leadflow.web.lead_page import choices, rep_choices
from leadflow.web.render import go, page, refusal
from leadflow.web.review_copy import build_copy, build_later, built_at, copy_path, is_stale
from leadflow.web.session import Form, Signed, WebSession, checked, chosen_locale

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
    return _team_page(request, uow, signed)


def _team_page(
    request: Request,
    uow: Uow,
    signed: WebSession,
    status: int = 200,
    refused: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The team page: the period's targets, and the teams and reps its forms choose from
    by name."""
    period = _current(request)
    targets = list_targets(uow.session, period.label, now(), rules_of(request).calendar)
    teams = uow.session.execute(select(Team.id, Team.name).order_by(Team.name)).all()
    return page(
        request,
        "team",
        signed,
        status=status,
        period=period.label,
        targets=targets,
        choices=choices,  # labelled as the page is drawn, in the reader's language
        team_choices=[(str(i), name) for i, name in teams],
        rep_choices=rep_choices(uow.session),
        refused=refused,
    )


@router.get("/team/review")
def team_review(request: Request, signed: Signed) -> HTMLResponse:
    """The review of the current period, as `leadflow report review` makes it, from the
    copy kept for this reader and language (review_copy says why); a stale copy is
    answered, and made again meanwhile."""
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
        build_later(path, build)
    return HTMLResponse(path.read_text(encoding="utf-8"))


# The team page's forms: each calls the API's own route function with the API's own body
# model (as the lead page's do), so a refusal is the API's, shown by its field.
NOTE_LISTS = ("success", "failure", "improve")


WEEKLY = "valid_leads."  # a target's valid leads a week, one field per channel


def _body(fields: dict[str, str], lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A form's fields as the API's JSON body: an empty field is left out (for the notes:
    that factor keeps what was entered), a list is one item a line, and the channels'
    weekly numbers are one object (a channel left empty keeps its number)."""
    values: dict[str, Any] = {k: v for k, v in fields.items() if v.strip() != ""}
    for name in lists:
        if name in values:
            values[name] = [line.strip() for line in values[name].splitlines() if line.strip()]
    weekly = {k.removeprefix(WEEKLY): values.pop(k) for k in list(values) if k.startswith(WEEKLY)}
    if weekly:
        values["valid_leads"] = weekly
    return values


def _team_form(
    request: Request,
    uow: Uow,
    signed: WebSession,
    form: dict[str, str],
    name: str,
    roles: tuple[Role, ...],
    post: Callable[[Principal, dict[str, str]], object],
) -> Response:
    """Post one of the team page's forms: back to the team page (303) when taken, else the
    page again with the product's refusal by the form and its fields."""
    fields = checked(signed, form)
    try:
        check_role(signed.principal, roles)
        post(signed.principal, fields)
    except (LeadFlowError, HTTPException, ValidationError) as exc:
        uow.session.rollback()
        status, message, by_field = refusal(exc)
        refused = {"action": name, "message": message, "fields": by_field, "sent": fields}
        return _team_page(request, uow, signed, status, refused)
    return go(f"/app/team#{name}")


@router.post("/team/notes")
def team_notes(request: Request, uow: Uow, signed: Signed, form: Form) -> Response:
    """Enter the review meeting's conclusions for the current period (the API's POST
    /reviews/{period}/notes, as `leadflow report notes`)."""

    def post(principal: Principal, fields: dict[str, str]) -> object:
        body = reviews.NotesIn.model_validate(_body(fields, NOTE_LISTS))
        return reviews.enter_notes(_current(request).label, body, uow, principal)

    return _team_form(request, uow, signed, form, "notes", MANAGERS, post)


@router.post("/team/targets")
def team_target(request: Request, uow: Uow, signed: Signed, form: Form) -> Response:
    """Set (propose) a team's or a rep's target (the API's POST /targets)."""

    def post(principal: Principal, fields: dict[str, str]) -> object:
        body = targets_api.TargetIn.model_validate(_body(fields))
        return targets_api.set_target(body, uow, principal, Response())

    return _team_form(request, uow, signed, form, "target", MANAGERS, post)


@router.post("/team/targets/{target_id}/approval")
def team_target_approval(
    target_id: int, request: Request, uow: Uow, signed: Signed, form: Form
) -> Response:
    """A director files a proposed target (the API's POST /targets/{id}/approval)."""

    def post(principal: Principal, _fields: dict[str, str]) -> object:
        return targets_api.approve(target_id, uow, principal)

    return _team_form(request, uow, signed, form, "approval", (Role.director,), post)
