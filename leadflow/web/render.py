"""Pages of the workbench: one template per page, in the person's language, with what
every page needs (who is signed in, the CSRF token, the languages to switch to)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from leadflow import i18n
from leadflow.api.errors import status_of
from leadflow.errors import InvalidInput, LeadFlowError
from leadflow.locales import available_locales
from leadflow.rules.vocab import Role
from leadflow.templates import render
from leadflow.web.session import WebSession, chosen_locale

MANAGER_ROLES = (Role.manager, Role.director)


def page(
    request: Request,
    name: str,
    signed: WebSession | None = None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `name` (templates/web/<name>.html.j2) in the person's language."""
    principal = signed.principal if signed else None
    with i18n.use_locale(chosen_locale(request)) as locale:
        html = render(
            f"web/{name}.html.j2",
            me=principal,
            manager=principal is not None and principal.role in MANAGER_ROLES,
            csrf=signed.csrf if signed else "",
            locale=locale,
            locales=available_locales(),
            here=request.url.path,
            **context,
        )
    return HTMLResponse(html, status_code=status)


def go(path: str) -> RedirectResponse:
    """After a form: see the result at `path` (303, so a reload does not post again)."""
    return RedirectResponse(path, status_code=303)


def refusal(exc: Exception) -> tuple[int, str, dict[str, str]]:
    """A refused action as the API answers it: status, the product's message and the
    message of each field it names."""
    if isinstance(exc, ValidationError):
        fields = {str(e["loc"][-1]) if e["loc"] else "": e["msg"] for e in exc.errors()}
        return 422, "; ".join(f"{k}: {v}" for k, v in fields.items()), fields
    if isinstance(exc, LeadFlowError):
        fields = dict(exc.errors) if isinstance(exc, InvalidInput) else {}
        return status_of(exc), str(exc), fields
    status = getattr(exc, "status_code", 400)
    return int(status), str(getattr(exc, "detail", exc)), {}
