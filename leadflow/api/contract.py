"""One contract for every route, given by the route class and the key check so that a new
route has it without asking:

- a body that is not UTF-8 JSON is a 422 with the same ErrorOut as any invalid input, and
  only after the key and its role were checked (401 and 403 come first);
- an id in the path that no row can have (outside 1 .. 2^63-1) is a 404, like any other
  id that names nothing;
- every status code a route can answer is declared in the OpenAPI with its schema."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from leadflow.api.schemas import ErrorOut
from leadflow.errors import NotFound
from leadflow.intake.requests import NotJson, parse_json
from leadflow.phrases import N_
from leadflow.schemas import MAX_ID

_INTEGER = re.compile(r"[+-]?\d+")
_EVERY_ROUTE = {
    401: "No key, or an unknown or revoked key",
    403: "The key's role may not make this call",
    413: "The body is over the configured limit",
    422: "Invalid input: a message per field (a body that is not UTF-8 JSON included)",
    503: "The database is unavailable or its schema is out of date; retry later",
}
_WITH_IDS = {404: "A lead, rep, team or record named in the path or body does not exist"}
_WRITES = {
    409: "A conflict: an illegal trigger, a refused guard, a concurrent change or "
    "a row still referred to; the message says what to do"
}


class JsonBodyRequest(Request):
    """A request whose JSON body never raises while parsed: FastAPI parses a route's body
    before its dependencies run, so a parse error would answer before the key is checked
    (a 400 that no route declares). An unreadable body is noted in the request's state and
    read as its problem's text, which no body model accepts, so the refusal comes with the
    other validation errors, after the dependencies. Duplicate keys are refused here as at
    POST /leads."""

    async def json(self) -> Any:
        try:
            return parse_json(await self.body())[1]
        except NotJson as exc:
            self.state.unreadable_body = exc.errors
            return str(exc)


def unreadable_errors(request: Request, errors: list[Any]) -> dict[str, str] | None:
    """What is wrong with the body when it was not JSON at all, if that is the case."""
    noted: dict[str, str] | None = getattr(request.state, "unreadable_body", None)
    if noted is not None:
        return noted
    for err in errors:
        if isinstance(err.get("input"), bytes) and tuple(err.get("loc", ()))[:1] == ("body",):
            return {"(record)": N_("the body must be JSON (Content-Type: application/json)")}
    return None


class LeadFlowRoute(APIRoute):
    """Every LeadFlow route: the error codes it can answer declared with ErrorOut, and its
    JSON body read by JsonBodyRequest."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        codes = dict(_EVERY_ROUTE)
        methods = {m.upper() for m in kwargs.get("methods") or ["GET"]}
        if "{" in path or methods - {"GET"}:
            codes |= _WITH_IDS
        if methods - {"GET"}:
            codes |= _WRITES
        declared = {code: {"model": ErrorOut, "description": text} for code, text in codes.items()}
        kwargs["responses"] = {**declared, **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            return await handler(JsonBodyRequest(request.scope, request.receive))

        return handle


def check_path_ids(request: Request) -> None:
    """NotFound for an integer in the path that no row can have (run after the key check,
    so a caller without a key learns nothing); other text is left to the route's types."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _INTEGER.fullmatch(value) and not _storable(value):
            raise NotFound(
                N_("{name} {value} does not exist", name=name.removesuffix("_id"), value=value)
            )


def _storable(digits: str) -> bool:
    # Length first: Python refuses to convert more than 4,300 digits.
    size = len(digits.lstrip("+-").lstrip("0"))
    return size <= len(str(MAX_ID)) and 1 <= int(digits) <= MAX_ID
