"""How failures leave the API: domain errors as clear JSON, size limits, and never a trace."""

from __future__ import annotations

import json
import logging
import re
import traceback
import uuid
from contextlib import AbstractContextManager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadflow.api.access_log import key_in_query
from leadflow.bootstrap import SchemaOutOfDate
from leadflow.errors import (
    DOES_NOT_FIT,
    Forbidden,
    GuardRefused,
    IllegalTransition,
    InUse,
    InvalidInput,
    LeadFlowError,
    NotFound,
    Rejected,
    VersionConflict,
)
from leadflow.i18n import asked_locale, said_error, said_fields, say, use_locale
from leadflow.phrases import N_, Phrase
from leadflow.schemas import error_text

_log = logging.getLogger("leadflow.api")
KEY_IN_URL = N_(
    "an API key in the URL is refused (URLs are logged and kept in histories): send it in "
    "Authorization: Bearer <key> or X-API-Key"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TOKEN = re.compile(r"lfk_[\w-]+")
# SQLAlchemy prints bound values on one line, and the driver's DETAIL repeats key values.
_SQL_VALUES = re.compile(r"(\[parameters: |DETAIL: )[^\n]*")
# The database's own words name SQL, not fields; these say what happened and what to do.
CONFLICTS = N_(
    "the change conflicts with what is stored (a duplicate, or a row that others "
    "still refer to); nothing was saved: reload and retry"
)


class BodyTooLarge(HTTPException):
    """A request body over the configured limit (raised while the body streams in)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            N_("request body over the limit of {limit} bytes", limit=limit),
            headers={"Connection": "close"},
        )


def redact(text: str) -> str:
    """Drop SQL parameters, email addresses and API tokens from text bound for a log."""
    return _TOKEN.sub("lfk_***", _EMAIL.sub("<email>", _SQL_VALUES.sub(r"\1(hidden)", text)))


def field_map(errors: list[Any]) -> dict[str, str]:
    """One message per field from FastAPI's validation errors, without the 'body' prefix
    (nor pydantic's 'Value error, ': the message is ours)."""
    out: dict[str, str] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        out.setdefault(".".join(loc) or "(record)", error_text(err))
    return out


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=body, headers=headers)


# The status of each domain error, in the order _domain_error tells them apart.
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Forbidden, 403),
    (IllegalTransition, 409),
    (GuardRefused, 409),
    (VersionConflict, 409),
    (InUse, 409),
    (SchemaOutOfDate, 503),
)


def status_of(exc: LeadFlowError) -> int:
    """The HTTP status the API answers a domain error with (any other refusal: 422)."""
    return next((status for kind, status in STATUSES if isinstance(exc, kind)), 422)


def spoken(request: Request) -> AbstractContextManager[str]:
    """Speak the language the request's Accept-Language asks for (zh-CN, zh, en), else the
    configured LEADFLOW_LOCALE: an error's human text is written in it, its fields never."""
    return use_locale(asked_locale(request.headers.get("accept-language")))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    with spoken(request):
        return _refusal(exc)


def _refusal(exc: Exception) -> JSONResponse:
    detail = said_error(exc)
    if isinstance(exc, Rejected):
        return _json(
            422,
            {
                "detail": detail,
                "errors": said_fields(exc.errors),
                "quarantine_id": exc.quarantine_id,
            },
        )
    if isinstance(exc, InvalidInput):
        return _json(422, {"detail": detail, "errors": said_fields(exc.errors)})
    if isinstance(exc, NotFound):
        return _json(404, {"detail": detail})
    if isinstance(exc, Forbidden):
        return _json(403, {"detail": detail})
    if isinstance(exc, IllegalTransition):
        return _json(
            409,
            {
                "detail": detail,
                "state": exc.state,
                "trigger": exc.trigger,
                "allowed": exc.allowed,
            },
        )
    if isinstance(exc, GuardRefused):
        return _json(409, {"detail": detail, "trigger": exc.trigger, "reason": say(exc.why)})
    if isinstance(exc, VersionConflict | InUse):
        return _json(409, {"detail": detail})
    if isinstance(exc, SchemaOutOfDate):
        return _json(503, {"detail": detail})
    return _json(422, {"detail": detail})  # any other refusal of the request


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    from leadflow.api.contract import unreadable_errors  # contract reads intake, which needs us

    on_path = any(e.get("loc", ("",))[0] == "path" for e in exc.errors())
    literal = "{" not in request.url.path  # not a template sent as it is (/teams/{team_id})
    if on_path and literal and request.url.path in request.app.openapi()["paths"]:
        # PATCH /leads/batch reached PATCH /leads/{lead_id} with the id "batch": the path
        # names a resource of its own, which does not take this method.
        return _not_allowed(request)

    errors = unreadable_errors(request, list(exc.errors())) or field_map(list(exc.errors()))
    with spoken(request):
        said = said_fields(errors)
        listed = "; ".join(f"{k}: {v}" for k, v in said.items())
        return _json(
            422, {"detail": say(N_("invalid input: {errors}", errors=listed)), "errors": said}
        )


async def _database_refused(request: Request, exc: Exception) -> JSONResponse:
    _log_unexpected(exc, "database refusal")
    with spoken(request):
        if isinstance(exc, IntegrityError):
            return _json(409, {"detail": say(CONFLICTS)})
        return _json(422, {"detail": say(DOES_NOT_FIT)})


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    error_id = _log_unexpected(exc, "database")
    with spoken(request):
        detail = say(N_("the database is unavailable; retry later"))
    return _json(503, {"detail": detail, "error_id": error_id})


def _log_unexpected(exc: BaseException, where: str) -> str:
    error_id = uuid.uuid4().hex[:12]
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    _log.error(
        "unexpected %s in %s [error %s]\n%s", type(exc).__name__, where, error_id, redact(trace)
    )
    return error_id


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's HTTP errors as FastAPI answers them, but a 405's Allow lists every method
    the path takes, as the OpenAPI lists them (Starlette names only the first route's: GET
    /leads and POST /leads are two routes, so DELETE /leads said `Allow: GET`)."""
    assert isinstance(exc, HTTPException)
    if isinstance(exc.detail, Phrase):  # a refusal of ours (a role without the right)
        with spoken(request):
            return _json(exc.status_code, {"detail": say(exc.detail)}, dict(exc.headers or {}))
    if exc.status_code != 405:
        return await http_exception_handler(request, exc)
    return _not_allowed(request)


def _not_allowed(request: Request) -> JSONResponse:
    """405 with every method the path's resource takes in Allow."""
    paths = request.app.openapi()["paths"]
    path = request.url.path
    # A path written out (/leads/batch) is that resource, whatever /leads/{lead_id} takes.
    templates = (
        [path]
        if path in paths
        else [
            t for t in paths if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)), path)
        ]
    )
    allowed = {method.upper() for t in templates for method in paths[t]}
    return _json(
        405, {"detail": "Method Not Allowed"}, headers={"Allow": ", ".join(sorted(allowed))}
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map domain errors to 404/409/422 and request validation to per-field 422s."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(LeadFlowError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(IntegrityError, _database_refused)
    app.add_exception_handler(DataError, _database_refused)


class GuardMiddleware:
    """Refuse bodies over the limit (declared or streamed) with 413, and turn anything
    unexpected into a generic 500 logged server-side with an error id.

    The catch-all lives here, not only in an Exception handler, because Starlette's last
    handler re-raises to the server, which would log an unredacted trace."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        received = 0

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def receiving() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        if key_in_query(scope.get("query_string", b"").decode("latin-1")):
            await _send(send, scope, 401, {"detail": KEY_IN_URL})
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_body:
            await _send(send, scope, 413, {"detail": BodyTooLarge(self.max_body).detail})
            return
        try:
            await self.app(scope, receiving, sending)
        except BodyTooLarge as exc:
            if not started:
                await _send(send, scope, 413, {"detail": exc.detail})
        except Exception as exc:  # the last line of defence: no trace leaves the server
            error_id = _log_unexpected(exc, f"{scope.get('method')} {scope.get('path')}")
            if not started:
                await _send(
                    send,
                    scope,
                    500,
                    {"detail": N_("internal error; it was logged"), "error_id": error_id},
                )


async def _send(send: Send, scope: Scope, status: int, body: dict[str, Any]) -> None:
    asked = dict(scope["headers"]).get(b"accept-language", b"").decode("latin-1")
    with use_locale(asked_locale(asked)):
        body = {**body, "detail": say(body["detail"])}
    payload = json.dumps(body).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
