"""The workbench's sessions: a person's API key signs them in, a signed HttpOnly cookie
keeps them signed in, every form carries the session's CSRF token, and the key is looked up
on every request, so revoking it ends its sessions at once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from leadflow.api.deps import Principal, Uow, settings_of
from leadflow.errors import InvalidInput
from leadflow.locales import available_locales, check_locale
from leadflow.rules.vocab import Role
from leadflow.store.auth_models import ApiKey
from leadflow.team.keys import find_key

COOKIE = "leadflow_session"
LANG_COOKIE = "leadflow_lang"
# A working day and then some: a session older than this signs in again.
MAX_AGE_SECONDS = 12 * 3600


class SignInFirst(Exception):
    """No live session: the page redirects to the sign-in."""


class BadForm(Exception):
    """A form without the session's CSRF token (or with another's): refused, nothing done."""


@dataclass(frozen=True)
class WebSession:
    """Who is signed in, and the token each of their forms must carry."""

    principal: Principal
    csrf: str


def _serializer(request: Request, purpose: str) -> URLSafeTimedSerializer:
    secret = settings_of(request).session_secret
    key = secret.get_secret_value() if secret else request.app.state.session_secret
    return URLSafeTimedSerializer(key, salt=f"leadflow-workbench-{purpose}")


def process_secret() -> str:
    """A signing secret for this process when LEADFLOW_SESSION_SECRET is unset."""
    return secrets.token_urlsafe(32)


def sign_in(request: Request, session: Session, token: str) -> tuple[str, ApiKey] | None:
    """The cookie value of a new session for this key, or None for no live key."""
    key = find_key(session, token.strip()) if token.strip() else None
    if key is None:
        return None
    payload = {"k": key.id, "c": secrets.token_urlsafe(24)}
    return _serializer(request, "session").dumps(payload), key


def _payload(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        found = _serializer(request, "session").loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    return found if isinstance(found, dict) else None


def web_session(request: Request, uow: Uow) -> WebSession:
    """The signed-in person, their key checked live (a revoked key ends the session)."""
    payload = _payload(request)
    key = uow.session.get(ApiKey, payload.get("k")) if payload else None
    if payload is None or key is None or key.revoked_at is not None:
        raise SignInFirst
    principal = Principal(key.id, Role(key.role), key.rep_id, key.name)
    uow.actor = principal.actor
    uow.session.info["actor"] = principal.actor
    uow.session.info["api_key_id"] = principal.key_id
    return WebSession(principal, str(payload["c"]))


Signed = Annotated[WebSession, Depends(web_session)]


def login_token(request: Request) -> str:
    """A CSRF token for the sign-in form (no session yet): signed, short-lived."""
    return _serializer(request, "login").dumps(secrets.token_urlsafe(8))


def check_login_token(request: Request, token: str) -> None:
    """BadForm unless `token` is a sign-in form's token from the last hour."""
    try:
        _serializer(request, "login").loads(token, max_age=3600)
    except BadSignature:
        raise BadForm from None


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (files are not taken)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


Form = Annotated[dict[str, str], Depends(form_fields)]


def checked(signed: WebSession, form: dict[str, str]) -> dict[str, str]:
    """The form's fields once its CSRF token is the session's; BadForm otherwise."""
    if not secrets.compare_digest(form.get("csrf", ""), signed.csrf):
        raise BadForm
    return {k: v for k, v in form.items() if k != "csrf"}


def chosen_locale(request: Request) -> str:
    """The language the person switched to, else the best of their browser's
    Accept-Language that LeadFlow speaks, else English."""
    for wanted in [request.cookies.get(LANG_COOKIE, ""), *_accepted(request)]:
        if not wanted:
            continue
        try:
            return check_locale(wanted)
        except InvalidInput:  # a language LeadFlow does not speak: try the next one
            continue
    return available_locales()[0]


def _accepted(request: Request) -> Iterator[str]:
    """Accept-Language's languages, best first ("zh-CN,zh;q=0.9,en;q=0.8"); a bare
    language ("zh") is read as the first locale of it that LeadFlow speaks."""
    ranked: list[tuple[float, str]] = []
    for part in request.headers.get("accept-language", "").split(","):
        name, _, quality = part.strip().partition(";q=")
        try:
            ranked.append((float(quality) if quality else 1.0, name.strip()))
        except ValueError:
            continue
    for _, name in sorted(ranked, key=lambda r: -r[0]):
        base = name.replace("-", "_").split("_")[0].lower()
        yield name
        yield from (loc for loc in available_locales() if loc.split("_")[0].lower() == base)
