"""/app/: sign in and out, the language, my day and the pipeline."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from leadflow.api.deps import Principal, Uow, now, rules_of
from leadflow.errors import InvalidInput
from leadflow.locales import check_locale
from leadflow.phrases import N_
from leadflow.rules.vocab import Channel, Grade, Priority, Role, State
from leadflow.store.queries import LeadFilter, lead_page
from leadflow.web.day import my_day, rep_names, win_odds
from leadflow.web.render import go, page
from leadflow.web.session import (
    COOKIE,
    LANG_COOKIE,
    MAX_AGE_SECONDS,
    BadForm,
    Form,
    Signed,
    SignInFirst,
    check_login_token,
    checked,
    login_token,
    sign_in,
)

router = APIRouter(prefix="/app", include_in_schema=False)
PAGE_SIZE = 50
COLUMN_SIZE = 20  # the cards of each state shown before its own pages
STATES = [s.value for s in State]


def _set_cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/app",
    )


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    """The sign-in form: a person's key."""
    return page(request, "login", token=login_token(request), error=None)


@router.post("/login")
def login(request: Request, uow: Uow, form: Form) -> Response:
    """Sign in with a key: a signed, HttpOnly, SameSite session cookie; a wrong key says so."""
    check_login_token(request, form.get("csrf", ""))
    found = sign_in(request, uow.session, form.get("key", ""))
    if found is None:
        return page(
            request, "login", status=401, token=login_token(request), error="unknown or revoked key"
        )
    response = go("/app/")
    _set_cookie(response, request, COOKIE, found[0], MAX_AGE_SECONDS)
    return response


@router.post("/logout")
def logout(request: Request, signed: Signed, form: Form) -> Response:
    """Sign out: the session cookie is cleared."""
    checked(signed, form)
    response = go("/app/login")
    response.delete_cookie(COOKIE, path="/app")
    return response


@router.get("/lang/{locale}")
def switch_language(request: Request, locale: str, back: str = "/app/") -> Response:
    """Speak `locale` from now on (a cookie), whatever the browser asks for."""
    try:
        chosen = check_locale(locale)
    except InvalidInput:
        return page(request, "error", status=404, message=f"no language {locale!r}")
    response = go(back if back.startswith("/app/") else "/app/")
    _set_cookie(response, request, LANG_COOKIE, chosen, 365 * 24 * 3600)
    return response


@router.get("/")
def day(request: Request, uow: Uow, signed: Signed) -> HTMLResponse:
    """My day: new assignments, what is due, objections, deals, next actions (and for a
    manager the queue, the invalid leads, approvals and escalations)."""
    moment = now()
    return page(
        request,
        "day",
        signed,
        day=my_day(uow.session, signed.principal, moment, rules_of(request)),
        now=moment,
    )


def _number(value: str | None, name: str) -> int | None:
    if not value:
        return None
    if not value.strip().isdigit():
        raise InvalidInput(
            N_("{name}: {value!r} is not an id", name=name, value=value), {name: N_("not an id")}
        )
    return int(value)


@router.get("/pipeline")
def pipeline(
    request: Request,
    uow: Uow,
    signed: Signed,
    state: Annotated[str | None, Query()] = None,
    owner: Annotated[str | None, Query()] = None,
    team: Annotated[str | None, Query()] = None,
    grade: Annotated[str | None, Query()] = None,
    priority: Annotated[str | None, Query()] = None,
    source: Annotated[str | None, Query()] = None,
    after: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The leads by state, a column each, filtered as the API's list is; a column is read
    in keyset pages of id order (as fast at a million leads as at ten). A rep sees only
    their own leads."""
    filters = {"owner": owner, "team": team, "grade": grade, "priority": priority}
    filters |= {"source": source}
    error = None
    try:
        columns = pipeline_columns(uow.session, signed.principal, state, filters, after)
    except InvalidInput as exc:
        columns, error = [], str(exc)
    ids = [lead.id for column in columns for lead in column["rows"]]
    return page(
        request,
        "pipeline",
        signed,
        status=422 if error else 200,
        columns=columns,
        odds=win_odds(uow.session, ids),
        owners=rep_names(uow.session),
        state=state,
        states=STATES,
        grades=[g.value for g in Grade],
        priorities=[p.value for p in Priority],
        sources=[c.value for c in Channel],
        filters={k: v or "" for k, v in filters.items()},
        query=urlencode({k: v for k, v in filters.items() if v}),
        error=error,
    )


def pipeline_columns(
    session: Session,
    principal: Principal,
    state: str | None,
    filters: dict[str, str | None],
    after: str | None,
) -> list[dict[str, Any]]:
    """The pipeline's columns: a state's leads each (one state's when `state` names one),
    filtered as the API's list is, a keyset page of id order after `after`; a rep's own
    leads only."""
    shown = [state] if state in STATES else STATES
    columns: list[dict[str, Any]] = []
    for column in shown:
        where = LeadFilter(
            state=column,
            owner=_number(filters.get("owner"), "owner"),
            team_id=_number(filters.get("team"), "team"),
            grade=filters.get("grade") or None,
            priority=filters.get("priority") or None,
            source=filters.get("source") or None,
            rep_id=principal.rep_id if principal.role is Role.rep else None,
        )
        size = PAGE_SIZE if state else COLUMN_SIZE
        rows, cursor = lead_page(session, where, _number(after, "after"), size)
        columns.append({"state": column, "rows": rows, "cursor": cursor})
    return columns


@router.get("/static/workbench.css")
def stylesheet() -> Response:
    """The workbench's stylesheet, from the package (no CDN)."""
    css = (files("leadflow") / "templates" / "web" / "workbench.css").read_text("utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


async def _to_login(request: Request, _exc: Exception) -> Response:
    return RedirectResponse("/app/login", status_code=303)


async def _bad_form(request: Request, _exc: Exception) -> Response:
    return page(request, "error", status=403, message="the form has expired: reload the page")


def install(app: FastAPI) -> None:
    """Add the workbench's redirect to the sign-in and its refusal of forged forms."""
    app.add_exception_handler(SignInFirst, _to_login)
    app.add_exception_handler(BadForm, _bad_form)
